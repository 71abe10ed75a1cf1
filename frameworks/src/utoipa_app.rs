//! An axum service described by utoipa: its OpenAPI 3.1 document is
//! [`openapi_json`], written by utoipa when the test runs.
//!
//! Like the FastAPI app, every operation echoes or computes what it was sent,
//! so a driver can assert exact values: `Option` fields and parameters, a
//! string enum, an internally tagged enum (`#[serde(tag = "kind")]`), nested
//! structs with defaults, `Vec` and `HashMap`, path, query, header and cookie
//! parameters, JSON bodies, and 201/204/404/409 answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// A widget's color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

/// A shape, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    /// A circle.
    Circle {
        /// Its radius.
        radius: f64,
    },
    /// A rectangle.
    Rect {
        /// Its width.
        width: f64,
        /// Its height.
        height: f64,
        /// An optional label.
        label: Option<String>,
    },
}

fn default_unit() -> String {
    "cm".to_owned()
}

fn default_size() -> i64 {
    1
}

/// A widget's size, with defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Size {
    /// Width, 1 when absent.
    #[serde(default = "default_size")]
    #[schema(default = 1)]
    pub width: i64,
    /// Height, 1 when absent.
    #[serde(default = "default_size")]
    #[schema(default = 1)]
    pub height: i64,
    /// Unit, `cm` when absent.
    #[serde(default = "default_unit")]
    #[schema(default = "cm")]
    pub unit: String,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: 1,
            height: 1,
            unit: default_unit(),
        }
    }
}

/// What a caller sends to create a widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewWidget {
    /// Unique name.
    pub name: String,
    /// Color.
    pub color: Color,
    /// Optional description.
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Counters by name.
    #[serde(default)]
    pub counters: HashMap<String, i64>,
    /// Size (defaults when absent).
    #[serde(default)]
    pub size: Size,
    /// An optional shape.
    pub shape: Option<Shape>,
}

/// A stored widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Widget {
    /// Assigned id, from 1.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Color.
    pub color: Color,
    /// Optional description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Counters by name.
    pub counters: HashMap<String, i64>,
    /// Size.
    pub size: Size,
    /// An optional shape.
    pub shape: Option<Shape>,
}

/// An error answer (404 and 409).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The id concerned, when there is one.
    pub id: Option<i64>,
}

/// Filters of `GET /widgets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only widgets of this color.
    pub color: Option<Color>,
    /// Only widgets with this tag.
    pub tag: Option<String>,
    /// At most this many.
    pub limit: Option<u32>,
}

/// Query of `GET /echo/{name}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EchoQuery {
    /// A required count.
    pub count: i64,
    /// An optional ratio.
    pub ratio: Option<f64>,
    /// An optional color.
    pub color: Option<Color>,
}

/// What `GET /echo/{name}` received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Echo {
    /// The path parameter.
    pub name: String,
    /// The query `count`.
    pub count: i64,
    /// The query `ratio`.
    pub ratio: Option<f64>,
    /// The query `color`.
    pub color: Option<Color>,
    /// The `x-request-tag` header.
    pub request_tag: String,
    /// The `x-trace` header.
    pub trace: Option<String>,
    /// The `session` cookie.
    pub session: String,
    /// The `theme` cookie.
    pub theme: Option<String>,
}

/// What `POST /shapes/measure` computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Measured {
    /// The shape sent.
    pub shape: Shape,
    /// Its area.
    pub area: f64,
    /// `circle` or `rect`.
    pub kind: String,
}

/// A widget was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Created {
    /// The widget's id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A widget was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    /// The widget's id.
    pub id: i64,
}

/// One entry of the history: a tagged enum whose variants are structs
/// (`#[serde(tag = "type")]` over newtype variants).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HistoryEvent {
    /// A widget was created.
    Created(Created),
    /// A widget was deleted.
    Deleted(Deleted),
}

/// The store: widgets by id, and what happened to them.
#[derive(Debug, Default)]
struct Store {
    widgets: BTreeMap<i64, Widget>,
    history: Vec<HistoryEvent>,
}

type Db = Arc<Mutex<Store>>;

fn error(status: StatusCode, code: &str, message: String, id: Option<i64>) -> Response {
    let body = ApiError {
        code: code.to_owned(),
        message,
        id,
    };
    (status, Json(body)).into_response()
}

/// Creates a widget.
#[utoipa::path(post, path = "/widgets", tag = "widgets", operation_id = "createWidget",
    request_body = NewWidget,
    responses(
        (status = 201, description = "Created", body = Widget),
        (status = 409, description = "The name is taken", body = ApiError),
    ))]
async fn create_widget(State(db): State<Db>, Json(new): Json<NewWidget>) -> Response {
    let mut db = db.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(w) = db.widgets.values().find(|w| w.name == new.name) {
        return error(
            StatusCode::CONFLICT,
            "name_taken",
            format!("{} exists", new.name),
            Some(w.id),
        );
    }
    let id = db.widgets.keys().next_back().copied().unwrap_or(0) + 1;
    let widget = Widget {
        id,
        name: new.name,
        color: new.color,
        description: new.description,
        tags: new.tags,
        counters: new.counters,
        size: new.size,
        shape: new.shape,
    };
    db.widgets.insert(id, widget.clone());
    db.history.push(HistoryEvent::Created(Created {
        id,
        name: widget.name.clone(),
    }));
    (StatusCode::CREATED, Json(widget)).into_response()
}

/// Reads one widget.
#[utoipa::path(get, path = "/widgets/{id}", tag = "widgets", operation_id = "getWidget",
    params(("id" = i64, Path, description = "Widget id")),
    responses(
        (status = 200, description = "The widget", body = Widget),
        (status = 404, description = "No such widget", body = ApiError),
    ))]
async fn get_widget(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    match db.widgets.get(&id) {
        Some(w) => Json(w.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such widget".into(),
            Some(id),
        ),
    }
}

/// Deletes one widget.
#[utoipa::path(delete, path = "/widgets/{id}", tag = "widgets", operation_id = "deleteWidget",
    params(("id" = i64, Path, description = "Widget id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such widget", body = ApiError),
    ))]
async fn delete_widget(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let mut db = db.lock().unwrap_or_else(|e| e.into_inner());
    match db.widgets.remove(&id) {
        Some(_) => {
            db.history.push(HistoryEvent::Deleted(Deleted { id }));
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such widget".into(),
            Some(id),
        ),
    }
}

/// Lists widgets, filtered.
#[utoipa::path(get, path = "/widgets", tag = "widgets", operation_id = "listWidgets",
    params(ListQuery),
    responses((status = 200, description = "The widgets, by id", body = Vec<Widget>)))]
async fn list_widgets(State(db): State<Db>, Query(q): Query<ListQuery>) -> Json<Vec<Widget>> {
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    let found = db
        .widgets
        .values()
        .filter(|w| q.color.is_none_or(|c| c == w.color))
        .filter(|w| q.tag.as_ref().is_none_or(|t| w.tags.contains(t)))
        .take(q.limit.map_or(usize::MAX, |l| l as usize))
        .cloned()
        .collect();
    Json(found)
}

/// Widget ids by color name.
#[utoipa::path(get, path = "/widgets-by-color", tag = "widgets", operation_id = "widgetsByColor",
    responses((status = 200, description = "Ids per color in use", body = HashMap<String, Vec<i64>>)))]
async fn widgets_by_color(State(db): State<Db>) -> Json<HashMap<String, Vec<i64>>> {
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    let mut out: HashMap<String, Vec<i64>> = HashMap::new();
    for w in db.widgets.values() {
        let key = serde_json::to_value(w.color)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.entry(key).or_default().push(w.id);
    }
    Json(out)
}

/// Echoes its path, query, header and cookie parameters.
#[utoipa::path(get, path = "/echo/{name}", tag = "echo", operation_id = "echo",
    params(
        ("name" = String, Path, description = "A name"),
        EchoQuery,
        ("x-request-tag" = String, Header, description = "A required header"),
        ("x-trace" = Option<String>, Header, description = "An optional header"),
        ("session" = String, Cookie, description = "A required cookie"),
        ("theme" = Option<String>, Cookie, description = "An optional cookie"),
    ),
    responses((status = 200, description = "What arrived", body = Echo)))]
async fn echo(
    Path(name): Path<String>,
    Query(q): Query<EchoQuery>,
    headers: HeaderMap,
) -> Response {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let cookie = |n: &str| {
        headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.to_owned())
    };
    let Some(session) = cookie("session") else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing_cookie",
            "session".into(),
            None,
        );
    };
    let Some(request_tag) = header("x-request-tag") else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing_header",
            "x-request-tag".into(),
            None,
        );
    };
    Json(Echo {
        name,
        count: q.count,
        ratio: q.ratio,
        color: q.color,
        request_tag,
        trace: header("x-trace"),
        session,
        theme: cookie("theme"),
    })
    .into_response()
}

/// Computes a shape's area.
#[utoipa::path(post, path = "/shapes/measure", tag = "shapes", operation_id = "measureShape",
    request_body = Shape,
    responses((status = 200, description = "The area", body = Measured)))]
async fn measure_shape(Json(shape): Json<Shape>) -> Json<Measured> {
    let (area, kind) = match &shape {
        Shape::Circle { radius } => (std::f64::consts::PI * radius * radius, "circle"),
        Shape::Rect { width, height, .. } => (width * height, "rect"),
    };
    Json(Measured {
        shape,
        area,
        kind: kind.to_owned(),
    })
}

/// What happened, oldest first.
#[utoipa::path(get, path = "/history", tag = "widgets", operation_id = "history",
    responses((status = 200, description = "Events, oldest first", body = Vec<HistoryEvent>)))]
async fn history(State(db): State<Db>) -> Json<Vec<HistoryEvent>> {
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    Json(db.history.clone())
}

/// The OpenAPI description of [`router`], as utoipa builds it.
#[derive(OpenApi)]
#[openapi(
    info(title = "Frameworks proof (utoipa)", version = "1.0.0"),
    paths(
        create_widget,
        get_widget,
        delete_widget,
        list_widgets,
        widgets_by_color,
        echo,
        measure_shape,
        history
    )
)]
pub struct ApiDoc;

/// The document utoipa writes (OpenAPI 3.1, JSON).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("utoipa serializes its document")
}

/// The axum service, with an empty store.
pub fn router() -> Router {
    Router::new()
        .route("/widgets", post(create_widget).get(list_widgets))
        .route("/widgets/{id}", get(get_widget).delete(delete_widget))
        .route("/widgets-by-color", get(widgets_by_color))
        .route("/echo/{name}", get(echo))
        .route("/shapes/measure", post(measure_shape))
        .route("/history", get(history))
        .with_state(Db::default())
}
