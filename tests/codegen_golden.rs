//! Compiles the codegen golden files against the real runtime and checks the
//! behaviour of generated types (the golden text itself is compared in
//! `codegen/tests/golden.rs`).

#![allow(missing_docs)]

// A test binary uses only part of each generated client.
#[allow(dead_code)]
#[path = "../codegen/tests/golden/bodies.rs"]
mod fixture_bodies;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/oas31.rs"]
mod fixture_oas31;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/params.rs"]
mod fixture_params;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/schemas.rs"]
mod fixture_schemas;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/tagged.rs"]
mod fixture_tagged;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/kitchen_sink.rs"]
mod kitchen_sink;
#[allow(dead_code)]
#[path = "../codegen/tests/golden/minimal.rs"]
mod minimal;

use snaptrade::models::{LoginSnapTradeUserResponse, SnapTradeLoginUserRequestBody};

#[test]
fn login_one_of_picks_the_right_variant() {
    let plain: LoginSnapTradeUserResponse =
        serde_json::from_str(r#"{"redirectURI":"https://x/y","sessionId":"s-1"}"#).unwrap();
    assert!(
        matches!(plain, LoginSnapTradeUserResponse::LoginRedirectUri(ref r)
        if r.session_id.as_deref() == Some("s-1"))
    );
    let enc: LoginSnapTradeUserResponse = serde_json::from_str(
        r#"{"encryptedSharedKey":"k","encryptedMessageData":{"encryptedMessage":"m","tag":"t","nonce":"n"}}"#,
    )
    .unwrap();
    match enc {
        LoginSnapTradeUserResponse::EncryptedResponse(e) => {
            assert_eq!(e.encrypted_shared_key.as_deref(), Some("k"));
            assert_eq!(
                e.encrypted_message_data.and_then(|d| d.nonce).as_deref(),
                Some("n")
            );
        }
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn empty_login_body_serializes_to_empty_object() {
    let body = SnapTradeLoginUserRequestBody::default();
    assert_eq!(serde_json::to_string(&body).unwrap(), "{}");
}

#[test]
fn enums_keep_unknown_values_and_defaults() {
    use kitchen_sink::models::PetKind;
    let k: PetKind = serde_json::from_str(r#""hamster""#).unwrap();
    assert_eq!(k, PetKind::Other("hamster".into()));
    assert_eq!(serde_json::to_string(&k).unwrap(), r#""hamster""#);
    assert_eq!(PetKind::default(), PetKind::Dog);
    assert_eq!(PetKind::from("2-legged"), PetKind::V2Legged);
    assert_eq!(PetKind::V2Legged.to_string(), "2-legged");
}

#[test]
fn secrets_are_redacted_in_models() {
    let pet: kitchen_sink::models::Pet =
        serde_json::from_str(r#"{"id":1,"name":"Rex","pin":"1234","ownerPassword":"pw"}"#).unwrap();
    let dbg = format!("{pet:?}");
    assert!(!dbg.contains("1234") && !dbg.contains("pw"), "{dbg}");
    // Serializes back to the real value.
    assert!(serde_json::to_string(&pet)
        .unwrap()
        .contains(r#""pin":"1234""#));
}

#[test]
fn union_with_string_and_closed_objects() {
    use kitchen_sink::models::{AnyPet, Owner};
    let s: AnyPet = serde_json::from_str(r#""just text""#).unwrap();
    // Models have no `PartialEq` unless the generator is asked for it.
    assert!(matches!(&s, AnyPet::String(t) if t == "just text"), "{s:?}");
    let r: AnyPet = serde_json::from_str(r#"{"serial":"R2"}"#).unwrap();
    assert!(matches!(r, AnyPet::Robot(_)));
    let p: AnyPet =
        serde_json::from_str(r#"{"id":1,"name":"Rex","parent":{"id":0,"name":"Old"}}"#).unwrap();
    assert!(matches!(p, AnyPet::Pet(_)));
    assert!(serde_json::from_str::<Owner>(r#"{"handle":"h","unexpected":1}"#).is_err());
}

#[test]
fn generated_security_constants_match_the_spec() {
    use snaptrade::runtime::{ApiKeyLocation, SchemeKind};
    assert_eq!(
        snaptrade::security::PARTNER_SIGNATURE.kind,
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            param: "Signature"
        }
    );
    assert_eq!(
        snaptrade::security::PARTNER_CLIENT_ID.name,
        "PartnerClientId"
    );
}

/// The OpenAPI 3.1 fixture: `anyOf` with null and `type: [x, "null"]` are
/// `Option`s that take `null`, `const` tags are the discriminated union's
/// values, a bound beyond `i64` is `u64`, `type: [integer, string]` is
/// `IntegerOrString`.
#[test]
fn openapi_3_1_models_decode_and_encode_as_written() {
    use fixture_oas31::models::{NewPet, NewPetAnimal};
    let pet: NewPet = serde_json::from_str(
        r#"{"name":"Rex","animal":{"pet_type":"dog","barks":2.5},"owner":null,
            "photo":null,"chip":"A-1","serial":18446744073709551615}"#,
    )
    .unwrap();
    assert!(matches!(pet.animal, NewPetAnimal::Dog(ref d) if d.barks == 2.5));
    assert!(pet.owner.is_none() && pet.photo.is_none());
    assert_eq!(pet.serial, Some(u64::MAX));
    assert_eq!(
        serde_json::to_value(&pet.chip).unwrap(),
        serde_json::json!("A-1")
    );
    let cat: NewPetAnimal = serde_json::from_str(r#"{"pet_type":"cat","meows":3}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&cat).unwrap(),
        serde_json::json!({"pet_type": "cat", "meows": 3})
    );
}

/// A union of inline objects with a one-value tag property is one
/// internally tagged enum: the tag is written once, in its property; each
/// variant reads only its own tag; an unknown tag is `Unknown`, which does
/// not serialize; a known tag with a body that does not fit is an error.
#[test]
fn tagged_unions_read_and_write_the_tag_once() {
    use fixture_tagged::models::{Change, Drawing, Shape};
    let json = serde_json::json!({
        "shape": {"type": "rect", "width": 2, "height": 3, "cornerRadius": 1},
        "history": [
            {"op": "moved", "at": 5},
            {"op": "replaced", "at": 6, "shape": {"type": "point"}},
        ],
    });
    let d: Drawing = serde_json::from_value(json.clone()).unwrap();
    assert!(matches!(
        d.shape,
        Shape::Rect {
            width: 2,
            height: 3,
            corner_radius: Some(1),
            stroke_width: None
        }
    ));
    assert!(matches!(
        d.history.as_deref(),
        Some([
            Change::Moved { at: 5 },
            Change::Replaced {
                at: 6,
                shape: Shape::Point {}
            }
        ])
    ));
    assert_eq!(serde_json::to_value(&d).unwrap(), json);
    // The tag value decides, even when another variant's fields fit too.
    let u: Shape = serde_json::from_str(r#"{"type":"unknown","reason":"r"}"#).unwrap();
    assert!(matches!(u, Shape::Unknown2 { ref reason } if reason == "r"));
    // A tag this spec does not list: `Unknown`, which refuses to serialize.
    let new: Shape = serde_json::from_str(r#"{"type":"hexagon","side":1}"#).unwrap();
    assert!(matches!(new, Shape::Unknown));
    assert!(serde_json::to_string(&new).is_err());
    // A listed tag with a body that does not fit, or no tag: errors.
    for bad in [
        r#"{"type":"circle"}"#,
        r#"{"radius":1.0}"#,
        r#"{"type":7}"#,
        "[]",
    ] {
        assert!(serde_json::from_str::<Shape>(bad).is_err(), "{bad}");
    }
    // Every alternative closed: unknown properties are refused, an unknown
    // tag still is `Unknown`.
    assert!(serde_json::from_str::<Change>(r#"{"op":"moved","at":1,"x":0}"#).is_err());
    let later: Change = serde_json::from_str(r#"{"op":"rotated","by":90}"#).unwrap();
    assert!(matches!(later, Change::Unknown));
}
