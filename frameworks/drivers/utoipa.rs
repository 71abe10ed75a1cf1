//! Driver of `tests/utoipa.rs`: calls every operation of the utoipa
//! service through the generated `utoipa_client` crate and asserts the
//! values. Prints `called <operationId>` after each operation's checks and
//! `done` at the end; any failed assertion exits non-zero.

use std::collections::BTreeMap;
use std::fmt::Debug;

use utoipa_client::models::{
    ApiError, Color, HistoryEvent, HistoryEventVariant1, HistoryEventVariant1Type,
    HistoryEventVariant2, HistoryEventVariant2Type, Shape, Size,
};
use utoipa_client::runtime::{self, NoAuth};
use utoipa_client::widgets::{CreateWidgetError, DeleteWidgetError, GetWidgetError};

/// The status and the documented error variant of a failed call.
fn failure<T: Debug, E: Debug>(result: runtime::Result<T, E>) -> (u16, E) {
    match result {
        Ok(ok) => panic!("expected an error, got {ok:?}"),
        Err(runtime::Error::Api(api)) => (api.status.as_u16(), api.kind),
        Err(e) => panic!("not an API error: {e:?}"),
    }
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL argument");
    let client = utoipa_client::Client::new(base, NoAuth).expect("client");
    let widgets = client.widgets();

    // createWidget: required fields only; the server fills the defaults.
    let alpha = widgets
        .create_widget(Color::Red, "alpha")
        .await
        .expect("create alpha");
    assert_eq!(alpha.status.as_u16(), 201);
    let alpha = alpha.body;
    assert_eq!(alpha.id, 1);
    assert_eq!(alpha.name, "alpha");
    assert_eq!(alpha.color, Color::Red);
    assert_eq!(alpha.description, None);
    assert!(alpha.tags.is_empty());
    assert!(alpha.counters.is_empty());
    assert_eq!(alpha.size.width, Some(1));
    assert_eq!(alpha.size.height, Some(1));
    assert_eq!(alpha.size.unit.as_deref(), Some("cm"));
    assert_eq!(alpha.shape, None);

    // Every optional field set: nested struct, Vec, map, tagged enum.
    // utoipa writes `Shape` as inline objects with a one-value `kind`: the
    // client's enum is tagged too, a struct variant per tag value.
    let rect = Shape::Rect {
        width: 2.0,
        height: 5.5,
        label: Some(s("door")),
    };
    let beta = widgets
        .create_widget(Color::Blue, "beta")
        .description("the second")
        .tags(vec![s("x"), s("y")])
        .counters(BTreeMap::from([(s("a"), 1), (s("b"), -2)]))
        .size(Size {
            width: Some(3),
            height: Some(4),
            unit: Some(s("in")),
        })
        .shape(rect.clone())
        .await
        .expect("create beta")
        .body;
    assert_eq!(beta.id, 2);
    assert_eq!(beta.description.as_deref(), Some("the second"));
    assert_eq!(beta.tags, [s("x"), s("y")]);
    assert_eq!(beta.counters, BTreeMap::from([(s("a"), 1), (s("b"), -2)]));
    assert_eq!(
        beta.size,
        Size {
            width: Some(3),
            height: Some(4),
            unit: Some(s("in")),
        }
    );
    assert_eq!(beta.shape, Some(rect.clone()));

    // 409 with its documented body.
    let (status, kind) = failure(widgets.create_widget(Color::Green, "alpha").await);
    assert_eq!(status, 409);
    assert_eq!(
        kind,
        CreateWidgetError::Conflict(ApiError {
            code: s("name_taken"),
            message: s("alpha exists"),
            id: Some(1),
        })
    );
    println!("called createWidget");

    // getWidget: 200 and 404.
    let got = widgets.get_widget(2).await.expect("get beta").body;
    assert_eq!(got, beta);
    let (status, kind) = failure(widgets.get_widget(99).await);
    assert_eq!(status, 404);
    assert_eq!(
        kind,
        GetWidgetError::NotFound(ApiError {
            code: s("not_found"),
            message: s("no such widget"),
            id: Some(99),
        })
    );
    println!("called getWidget");

    // listWidgets: optional query parameters, each alone and none.
    let all = widgets.list_widgets().await.expect("list").body;
    assert_eq!(all, [alpha.clone(), beta.clone()]);
    let ids = |v: Vec<utoipa_client::models::Widget>| v.iter().map(|w| w.id).collect::<Vec<_>>();
    let blue = widgets.list_widgets().color(Color::Blue).await.expect("list blue");
    assert_eq!(ids(blue.body), [2]);
    let tagged = widgets.list_widgets().tag("x").await.expect("list tagged");
    assert_eq!(ids(tagged.body), [2]);
    let first = widgets.list_widgets().limit(1).await.expect("list limit");
    assert_eq!(ids(first.body), [1]);
    let none = widgets
        .list_widgets()
        .color(Color::Green)
        .await
        .expect("list green");
    assert!(none.body.is_empty());
    println!("called listWidgets");

    // widgetsByColor: a map of lists.
    let by_color = widgets.widgets_by_color().await.expect("by color").body;
    assert_eq!(
        by_color,
        BTreeMap::from([(s("blue"), vec![2]), (s("red"), vec![1])])
    );
    println!("called widgetsByColor");

    // echo: path (with characters to escape), query, header and cookie parameters;
    // optional ones absent, then all present.
    let echo = client.echo();
    let bare = echo.echo("a b/c?", 7, "tag-1", "s-1").await.expect("echo").body;
    assert_eq!(bare.name, "a b/c?");
    assert_eq!(bare.count, 7);
    assert_eq!(bare.ratio, None);
    assert_eq!(bare.color, None);
    assert_eq!(bare.request_tag, "tag-1");
    assert_eq!(bare.trace, None);
    assert_eq!(bare.session, "s-1");
    assert_eq!(bare.theme, None);
    let full = echo
        .echo("é", -3, "tag-2", "s-2")
        .ratio(0.25)
        .color(Color::Green)
        .x_trace("trace-9")
        .theme("dark")
        .await
        .expect("echo all")
        .body;
    assert_eq!(full.name, "é");
    assert_eq!(full.count, -3);
    assert_eq!(full.ratio, Some(0.25));
    assert_eq!(full.color, Some(Color::Green));
    assert_eq!(full.request_tag, "tag-2");
    assert_eq!(full.trace.as_deref(), Some("trace-9"));
    assert_eq!(full.session, "s-2");
    assert_eq!(full.theme.as_deref(), Some("dark"));
    println!("called echo");

    // measureShape: each variant of the tagged enum, both ways.
    let circle = Shape::Circle { radius: 2.0 };
    let measured = client
        .shapes()
        .measure_shape(circle.clone())
        .await
        .expect("measure circle")
        .body;
    assert_eq!(measured.shape, circle);
    assert_eq!(measured.kind, "circle");
    assert_eq!(measured.area, std::f64::consts::PI * 4.0);
    let measured = client
        .shapes()
        .measure_shape(rect.clone())
        .await
        .expect("measure rect")
        .body;
    assert_eq!(measured.shape, rect);
    assert_eq!(measured.kind, "rect");
    assert_eq!(measured.area, 11.0);
    println!("called measureShape");

    // deleteWidget: 204 (no body), then 404.
    let deleted = widgets.delete_widget(1).await.expect("delete alpha");
    assert_eq!(deleted.status.as_u16(), 204);
    let () = deleted.body;
    let (status, kind) = failure(widgets.delete_widget(1).await);
    assert_eq!(status, 404);
    assert_eq!(
        kind,
        DeleteWidgetError::NotFound(ApiError {
            code: s("not_found"),
            message: s("no such widget"),
            id: Some(1),
        })
    );
    let left = widgets.list_widgets().await.expect("list after delete").body;
    assert_eq!(ids(left), [2]);
    println!("called deleteWidget");

    // history: a Vec of a tagged enum over struct variants (utoipa writes
    // allOf [$ref, {type: enum [..]}] per variant, and no discriminator).
    let history = widgets.history().await.expect("history").body;
    let created = |id, name: &str| {
        HistoryEvent::Variant1(HistoryEventVariant1 {
            id,
            name: s(name),
            r#type: HistoryEventVariant1Type::Created,
        })
    };
    assert_eq!(
        history,
        [
            created(1, "alpha"),
            created(2, "beta"),
            HistoryEvent::Variant2(HistoryEventVariant2 {
                id: 1,
                r#type: HistoryEventVariant2Type::Deleted,
            }),
        ]
    );
    println!("called history");

    println!("done");
}
