//! Copied into a checker crate by `tests/generated_crate.rs`: JSON through
//! the tagged unions of `tests/fixtures/tagged.yaml` as generated with
//! `--derive PartialEq`. Prints one line per check; the test compares them.

use tagged::models::{Change, Drawing, Fill, Outcome, OutcomeOk, Shape, Speed};

fn main() {
    // A document with every kind of variant round-trips unchanged: the tag
    // is written once, in its own property, camelCase fields keep their
    // wire names, absent optional fields stay absent.
    let doc = serde_json::json!({
        "shape": {"type": "circle", "radius": 1.5, "fill": "hollow", "style": {"stroke": "red"}},
        "history": [
            {"op": "moved", "at": 1},
            {"op": "replaced", "at": 2, "shape": {"type": "rect", "width": 3, "height": 4, "strokeWidth": 2}},
            {"op": "replaced", "at": 3, "shape": {"type": "point"}},
            {"op": "replaced", "at": 4, "shape": {"type": "unknown", "reason": "r"}},
        ],
        "outcome": {"ok": {"id": 7}},
        "speed": "fast",
    });
    let drawing: Drawing = serde_json::from_value(doc.clone()).expect("decodes");
    let back = serde_json::to_value(&drawing).expect("encodes");
    println!("round trip: {}", back == doc);
    // A string enum inside a variant decodes through serde's buffering.
    println!(
        "fill: {:?}",
        matches!(drawing.shape, Shape::Circle { fill: Some(Fill::Hollow), .. })
    );
    // `--derive PartialEq` reaches the enum.
    let rect = Shape::Rect {
        width: 3,
        height: 4,
        corner_radius: None,
        stroke_width: Some(2),
    };
    let second = drawing.history.as_ref().and_then(|h| h.get(1)).cloned();
    println!(
        "variant: {}",
        second == Some(Change::Replaced { at: 2, shape: rect.clone() })
    );
    println!("written: {}", serde_json::to_string(&rect).expect("encodes"));
    // An unknown tag is `Unknown`; writing it back is an error, not JSON
    // without the tag.
    let unknown: Shape = serde_json::from_str(r#"{"type":"hexagon","side":2}"#).expect("decodes");
    println!(
        "unknown: {:?}, written: {}",
        unknown,
        serde_json::to_string(&unknown).is_err()
    );
    // A listed tag whose body does not fit, a missing tag: errors.
    for bad in [r#"{"type":"rect","width":3}"#, r#"{"width":3,"height":4}"#] {
        println!("{bad}: error {}", serde_json::from_str::<Shape>(bad).is_err());
    }
    // Closed alternatives: an unknown property is an error, an unknown tag
    // is still `Unknown`.
    let extra = serde_json::from_str::<Change>(r#"{"op":"moved","at":1,"by":2}"#);
    println!("closed extra: error {}", extra.is_err());
    let later = serde_json::from_str::<Change>(r#"{"op":"rotated","by":2}"#).expect("decodes");
    println!("closed unknown: {later:?}");
    // One property names the variant: written back the same way; another
    // name, or a second property, is an error.
    println!(
        "external: {}",
        drawing.outcome == Some(Outcome::Ok(OutcomeOk { id: 7 }))
    );
    let err = serde_json::to_string(&Outcome::Err(None)).expect("encodes");
    let keyword = serde_json::from_str::<Outcome>(r#"{"type":3}"#).expect("decodes");
    println!("external written: {err}, keyword: {keyword:?}");
    for bad in [r#"{"nope":1}"#, r#"{"ok":{"id":1},"err":"x"}"#, r#""ok""#] {
        println!("{bad}: error {}", serde_json::from_str::<Outcome>(bad).is_err());
    }
    // A union of string enums is one string enum: every value, the default,
    // and an unlisted value kept.
    let warp = serde_json::from_str::<Speed>(r#""warp""#).expect("decodes");
    println!(
        "speed: {}, default {:?}, other {warp:?}",
        drawing.speed == Some(Speed::Fast),
        Speed::default()
    );
}
