//! The intermediate model: what the emitter needs, with every name already
//! decided, lowered from an `openapiv3` document.
//!
//! Type mapping (documented choices):
//! * `integer` with `format: int32` → `i32`; any other integer → `i64`.
//! * `number` with `format: float` → `f32`; any other number → `f64`.
//! * `string` → `String` whatever its format (`date-time`, `date`, `uuid`,
//!   `byte` (base64 text), `binary` inside JSON, `decimal` stay text: no extra
//!   dependencies, no lossy parsing), except `format: password` and names
//!   containing `secret`/`password` → `SecretString`. A string `enum` → an
//!   enum with an `Other(String)` variant.
//! * An integer `enum` stays the integer type (so unlisted values decode);
//!   the known values, `default`s, `readOnly` and `writeOnly` are documented
//!   on the field. `readOnly`/`writeOnly` properties are `Option` even when
//!   required; read-only ones are not request inputs.
//! * Bodies: JSON; `application/x-www-form-urlencoded` objects (flattened
//!   like JSON objects, sent as form pairs); `text/*` → `String`; any other
//!   single-part media type → `Vec<u8>` sent/received as is. `multipart/*`,
//!   `not`, cookie parameters, query maps and `allOf` of non-objects are
//!   refused with an error naming the construct and its JSON pointer.
//! * `boolean` → `bool`; no `type` → `serde_json::Value`; `array` → `Vec`;
//!   an object with only `additionalProperties` → `BTreeMap<String, T>`.
//! * `oneOf`/`anyOf` → an enum (one variant per alternative); `allOf` → the
//!   single member, or a struct merging the members' properties.

use crate::error::{ptr, Error};
use crate::names::{self, Names};
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter,
    ParameterSchemaOrContent, ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};
use std::collections::BTreeMap;

/// A Rust type as generated code spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `String`.
    String,
    /// The runtime's `SecretString`.
    Secret,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `serde_json::Value`.
    Value,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Option<T>` (a nullable value).
    Option(Box<Ty>),
    /// `Box<T>` (breaks a recursive type).
    Boxed(Box<Ty>),
    /// A generated model type, by Rust name; also the primitive `u8`
    /// ([`BYTE`]) inside [`Ty::bytes`], which no model name can be (model
    /// names are PascalCase).
    Named(String),
}

/// The name [`Ty::Named`] uses for the primitive byte.
pub const BYTE: &str = "u8";

impl Ty {
    /// `Vec<u8>`: a raw (non-JSON, non-text) request or response body.
    pub fn bytes() -> Ty {
        Ty::Vec(Box::new(Ty::Named(BYTE.to_owned())))
    }

    fn unboxed(self) -> Ty {
        match self {
            Ty::Boxed(t) => *t,
            other => other,
        }
    }
}

/// A generated model type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Documentation (raw spec text, or synthesized).
    pub doc: String,
    /// What it is.
    pub kind: TypeKind,
}

/// The kinds of model types.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An object.
    Struct {
        /// Properties in spec order.
        fields: Vec<Field>,
        /// `additionalProperties: false`.
        closed: bool,
    },
    /// A string enum with a catch-all.
    StringEnum {
        /// `(rust name, wire value)`.
        variants: Vec<(String, String)>,
        /// Index of the default value.
        default: Option<usize>,
    },
    /// `oneOf`/`anyOf`.
    OneOf {
        /// Alternatives in spec order.
        variants: Vec<Variant>,
        /// `(property name, [(wire value, variant index)])`.
        discriminator: Option<(String, Vec<(String, usize)>)>,
    },
    /// `pub type Name = T;`
    Alias(Ty),
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Rust name.
    pub rust: String,
    /// Wire name.
    pub wire: String,
    /// The full field type (`Option<T>` included when `optional`).
    pub ty: Ty,
    /// The type without the `Option` added for an absent or null value.
    pub inner: Ty,
    /// Whether the field is an `Option`.
    pub optional: bool,
    /// Whether it may be skipped when serializing (not required).
    pub skip_none: bool,
    /// `readOnly`: sent by the server only; never a request input.
    pub read_only: bool,
    /// Documentation.
    pub doc: String,
}

/// One alternative of a `oneOf`.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Variant name.
    pub name: String,
    /// Payload type.
    pub ty: Ty,
    /// Documentation.
    pub doc: String,
    /// What the runtime's ranking knows about it.
    pub shape: Shape,
}

/// Static shape of a `oneOf` alternative (mirrors `runtime::one_of::Shape`).
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// `JsonKind` variant name.
    pub kind: &'static str,
    /// Required properties.
    pub required: Vec<String>,
    /// Declared properties.
    pub known: Vec<String>,
    /// `additionalProperties: false`.
    pub closed: bool,
}

/// A security scheme used by at least one operation.
#[derive(Debug, Clone)]
pub struct SchemeDef {
    /// Constant name.
    pub const_name: String,
    /// Key in `components.securitySchemes`.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// How it travels.
    pub kind: SchemeKindDef,
}

/// Scheme kinds.
#[derive(Debug, Clone)]
pub enum SchemeKindDef {
    /// `apiKey`: location (`Query`/`Header`/`Cookie`) and parameter name.
    ApiKey(&'static str, String),
    /// `http` with its scheme.
    Http(String),
    /// `oauth2` / `openIdConnect`.
    OAuth2,
}

/// A group of operations (a tag).
#[derive(Debug, Clone)]
pub struct Group {
    /// Module and accessor name.
    pub module: String,
    /// Group struct name.
    pub type_name: String,
    /// The tag or prefix as written in the spec.
    pub label: String,
    /// Documentation.
    pub doc: String,
    /// Operations in spec order.
    pub ops: Vec<Op>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// Path segment.
    Path,
    /// Query string.
    Query,
    /// Header.
    Header,
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Wire name.
    pub wire: String,
    /// Builder field name.
    pub rust: String,
    /// Location.
    pub loc: Loc,
    /// Type (without `Option`).
    pub ty: Ty,
    /// Required parameters are method arguments.
    pub required: bool,
    /// How an array or object value is serialized (query parameters).
    pub style: Style,
    /// Documentation.
    pub doc: String,
}

/// Serialization of a query parameter's array or object value (OpenAPI
/// `style` + `explode`; scalars are the same in every style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `form`, `explode: true` (the default): `a=1&a=2`; object `x=1&y=2`.
    FormExplode,
    /// `form`, `explode: false`: `a=1,2`; object `o=x,1,y,2`.
    Form,
    /// `spaceDelimited` arrays: `a=1%202`.
    SpaceDelimited,
    /// `pipeDelimited` arrays: `a=1|2`.
    PipeDelimited,
    /// `deepObject` objects: `o[x]=1&o[y]=2`.
    DeepObject,
    /// Path and header parameters (`simple`): `1,2`.
    Simple,
}
#[derive(Debug, Clone)]
pub struct BodyField {
    /// Builder field and setter name.
    pub builder: String,
    /// The body struct's field.
    pub field: Field,
}

/// How a body travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// `application/json` (or another `json` media type).
    Json,
    /// `application/x-www-form-urlencoded` (request bodies only).
    Form,
    /// `text/*`: a `String`.
    Text,
    /// Anything else (`application/octet-stream`, `image/png`, ...): raw
    /// bytes sent or received with this media type.
    Bytes(String),
}

/// The request body.
#[derive(Debug, Clone)]
pub enum BodyDef {
    /// A JSON or form object whose properties become arguments and setters.
    Flattened {
        /// The body struct.
        struct_name: String,
        /// Its properties.
        fields: Vec<BodyField>,
    },
    /// Any other body, passed whole as `body`.
    Single {
        /// Builder field name.
        rust: String,
        /// Type.
        ty: Ty,
        /// Required bodies are method arguments.
        required: bool,
        /// Documentation.
        doc: String,
    },
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    /// One code.
    Code(u16),
    /// `4XX`: the hundreds digit.
    Range(u16),
}

/// A documented response.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Statuses.
    pub status: StatusMatch,
    /// Variant name (in the success or error enum).
    pub variant: String,
    /// Body type, when a body is documented.
    pub ty: Option<Ty>,
    /// How the body is decoded (`Json`, `Text` or `Bytes`).
    pub media: Media,
    /// Documentation.
    pub doc: String,
}

/// An operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// `operationId` (or derived).
    pub id: String,
    /// Method name on the group struct.
    pub method_name: String,
    /// Builder struct name.
    pub type_name: String,
    /// Error enum name.
    pub error_name: String,
    /// Success enum name (used only with several success types).
    pub success_name: String,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// HTTP method, upper case.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// Parameters (path-level merged with operation-level), spec order.
    pub params: Vec<Param>,
    /// Request body.
    pub body: Option<BodyDef>,
    /// How the request body is encoded (`Json` when there is none).
    pub body_media: Media,
    /// Documented 2xx responses.
    pub successes: Vec<Outcome>,
    /// Documented other responses.
    pub errors: Vec<Outcome>,
    /// The `default` response.
    pub default: Option<Outcome>,
    /// Alternatives of requirements, as security const names.
    pub security: Vec<Vec<String>>,
    /// `x-idempotent`.
    pub idempotent: Option<bool>,
}

/// The whole lowered API.
#[derive(Debug, Clone)]
pub struct Api {
    /// First server URL, its variables at their defaults.
    pub base_url: String,
    /// How `base_url` was made, when the URL has variables.
    pub base_url_doc: Option<String>,
    /// `info.title`.
    pub title: String,
    /// Model types, sorted by name.
    pub types: Vec<TypeDef>,
    /// Security schemes in use, in component order.
    pub schemes: Vec<SchemeDef>,
    /// Operation groups in order of first appearance.
    pub groups: Vec<Group>,
}

impl Api {
    /// Looks a model type up by name.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.types.get(i))
    }

    /// Follows aliases to the type that is really used.
    pub fn underlying(&self, ty: &Ty) -> Ty {
        let mut cur = ty.clone();
        for _ in 0..64 {
            match &cur {
                Ty::Named(n) => match self.type_def(n).map(|t| &t.kind) {
                    Some(TypeKind::Alias(inner)) => cur = inner.clone(),
                    _ => return cur,
                },
                _ => return cur,
            }
        }
        cur
    }
}

// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum SRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

fn view(r: &ReferenceOr<Schema>) -> SRef<'_> {
    match r {
        ReferenceOr::Reference { reference } => SRef::Ref(reference),
        ReferenceOr::Item(s) => SRef::Item(s),
    }
}

fn view_box(r: &ReferenceOr<Box<Schema>>) -> SRef<'_> {
    match r {
        ReferenceOr::Reference { reference } => SRef::Ref(reference),
        ReferenceOr::Item(s) => SRef::Item(s),
    }
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    InProgress,
    Done,
}

/// Properties of an object-like schema, borrowed.
struct ObjView<'a> {
    props: Vec<(&'a str, SRef<'a>)>,
    required: Vec<&'a str>,
    additional: Option<&'a AdditionalProperties>,
}

enum Cat<'a> {
    Object(ObjView<'a>),
    StringEnum(Vec<String>),
    OneOf(Vec<SRef<'a>>),
    AllOf(Vec<SRef<'a>>),
    Array(Option<SRef<'a>>),
    Map(Option<&'a AdditionalProperties>),
    Prim(Ty),
    Any,
    /// A construct the generator refuses, by its keyword.
    Unsupported(&'static str),
}

struct Lowerer<'a> {
    doc: &'a OpenAPI,
    file: &'a str,
    comp_names: BTreeMap<String, String>,
    state: BTreeMap<String, State>,
    types: BTreeMap<String, TypeDef>,
    names: Names,
}

/// Lowers a parsed document.
pub fn lower(doc: &OpenAPI, file: &str) -> Result<Api, Error> {
    let mut names = Names::with_reserved(names::RESERVED_TYPES);
    let mut comp_names = BTreeMap::new();
    if let Some(c) = &doc.components {
        for key in c.schemas.keys() {
            comp_names.insert(key.clone(), names.claim(&names::type_name(key)));
        }
    }
    let mut l = Lowerer {
        doc,
        file,
        comp_names,
        state: BTreeMap::new(),
        types: BTreeMap::new(),
        names,
    };
    let (groups, used_schemes) = l.lower_operations()?;
    let schemes = l.lower_schemes(&used_schemes);
    // Server variables take their defaults; the template is documented.
    let mut base_url_doc = None;
    let base_url = match doc.servers.first() {
        Some(server) => match &server.variables {
            Some(vars) if !vars.is_empty() => {
                let mut url = server.url.clone();
                let mut lines = Vec::new();
                for (name, var) in vars {
                    url = url.replace(&format!("{{{name}}}"), &var.default);
                    let choices = if var.enumeration.is_empty() {
                        String::new()
                    } else {
                        format!(" (one of `{}`)", var.enumeration.join("`, `"))
                    };
                    lines.push(format!("* `{name}`: `{}`{choices}", var.default));
                }
                if url.contains('{') {
                    return Err(Error::spec(
                        file,
                        "#/servers/0/url",
                        format!(
                            "server URL `{}` uses a variable that `variables` does not define",
                            server.url
                        ),
                    ));
                }
                base_url_doc = Some(format!(
                    "The first `servers[].url` of the document, `{}`, with each variable at its default:\n{}",
                    server.url,
                    lines.join("\n")
                ));
                url
            }
            _ => server.url.clone(),
        },
        None => "/".to_owned(),
    };
    Ok(Api {
        base_url,
        base_url_doc,
        title: doc.info.title.clone(),
        types: l.types.into_values().collect(),
        schemes,
        groups,
    })
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn status_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        423 => "Locked",
        425 => "TooEarly",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return None,
    })
}

/// The body media type the generator uses from `content`, in order of
/// preference: JSON, form, text, then any other single-part type as bytes.
/// `multipart/*` is refused by the caller.
fn pick_media(content: &openapiv3::Content) -> Option<(&str, &openapiv3::MediaType, Media)> {
    if let Some((k, v)) = json_media(content) {
        return Some((k, v, Media::Json));
    }
    let essence = |k: &str| {
        k.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| essence(k) == "application/x-www-form-urlencoded")
    {
        return Some((k.as_str(), v, Media::Form));
    }
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| essence(k).starts_with("text/"))
    {
        return Some((k.as_str(), v, Media::Text));
    }
    content
        .iter()
        .find(|(k, _)| !essence(k).starts_with("multipart/"))
        .map(|(k, v)| (k.as_str(), v, Media::Bytes(essence(k))))
}

/// Facts about a schema that its Rust type does not show, as doc sentences:
/// `readOnly` / `writeOnly`, the `default`, the values of an integer enum.
fn schema_notes(schema: &Schema) -> String {
    let mut notes = Vec::new();
    if schema.schema_data.read_only {
        notes.push("Read-only: sent by the server, left out of requests.".to_owned());
    }
    if schema.schema_data.write_only {
        notes.push("Write-only: sent in requests, absent from responses.".to_owned());
    }
    if let SchemaKind::Type(Type::Integer(it)) = &schema.schema_kind {
        let values: Vec<String> = it
            .enumeration
            .iter()
            .flatten()
            .map(|v| format!("`{v}`"))
            .collect();
        if !values.is_empty() {
            notes.push(format!(
                "Known values: {} (other values still decode).",
                values.join(", ")
            ));
        }
    }
    if let Some(d) = &schema.schema_data.default {
        notes.push(format!("Default: `{d}`."));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", notes.join(" "))
    }
}

fn json_media(content: &openapiv3::Content) -> Option<(&str, &openapiv3::MediaType)> {
    content
        .iter()
        .find(|(k, _)| k.split(';').next().map(str::trim) == Some("application/json"))
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
        .map(|(k, v)| (k.as_str(), v))
}

impl<'a> Lowerer<'a> {
    fn err(&self, pointer: impl Into<String>, message: impl Into<String>) -> Error {
        Error::spec(self.file, pointer, message)
    }

    // ---- references ---------------------------------------------------

    fn component_key(&self, reference: &str, pointer: &str) -> Result<String, Error> {
        match reference.strip_prefix("#/components/schemas/") {
            Some(rest) if !rest.contains('/') => Ok(unescape(rest)),
            _ => Err(self.err(
                pointer,
                format!(
                    "unsupported $ref `{reference}` to a schema: only `#/components/schemas/<name>` is supported"
                ),
            )),
        }
    }

    fn schema_by_key(&self, key: &str, pointer: &str) -> Result<&'a ReferenceOr<Schema>, Error> {
        self.doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(key))
            .ok_or_else(|| self.err(pointer, format!("dangling $ref to schema `{key}`")))
    }

    /// Follows references to a schema, returning it and the last component key.
    fn deref(&self, s: SRef<'a>, pointer: &str) -> Result<(&'a Schema, Option<String>), Error> {
        let mut cur = s;
        let mut key = None;
        for _ in 0..64 {
            match cur {
                SRef::Item(schema) => return Ok((schema, key)),
                SRef::Ref(r) => {
                    let k = self.component_key(r, pointer)?;
                    cur = view(self.schema_by_key(&k, pointer)?);
                    key = Some(k);
                }
            }
        }
        Err(self.err(pointer, "$ref cycle between schemas"))
    }

    fn deref_param(
        &self,
        p: &'a ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Result<&'a Parameter, Error> {
        self.deref_component(p, pointer, "parameters", "parameter", |c, k| {
            c.parameters.get(k)
        })
    }

    fn deref_body(
        &self,
        p: &'a ReferenceOr<RequestBody>,
        pointer: &str,
    ) -> Result<&'a RequestBody, Error> {
        self.deref_component(p, pointer, "requestBodies", "requestBody", |c, k| {
            c.request_bodies.get(k)
        })
    }

    fn deref_response(
        &self,
        p: &'a ReferenceOr<Response>,
        pointer: &str,
    ) -> Result<&'a Response, Error> {
        self.deref_component(p, pointer, "responses", "response", |c, k| {
            c.responses.get(k)
        })
    }

    /// Follows `$ref`s into `#/components/{section}/…` until an item, with a
    /// bound on the chain so a cycle is an error rather than a hang.
    fn deref_component<T>(
        &self,
        p: &'a ReferenceOr<T>,
        pointer: &str,
        section: &str,
        what: &str,
        lookup: impl Fn(&'a openapiv3::Components, &str) -> Option<&'a ReferenceOr<T>>,
    ) -> Result<&'a T, Error> {
        let prefix = format!("#/components/{section}/");
        let mut cur = p;
        for _ in 0..64 {
            match cur {
                ReferenceOr::Item(x) => return Ok(x),
                ReferenceOr::Reference { reference } => {
                    let key = reference
                        .strip_prefix(prefix.as_str())
                        .map(unescape)
                        .ok_or_else(|| {
                            self.err(pointer, format!("unsupported {what} $ref `{reference}`"))
                        })?;
                    cur = self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| lookup(c, &key))
                        .ok_or_else(|| self.err(pointer, format!("dangling $ref `{reference}`")))?;
                }
            }
        }
        Err(self.err(pointer, "$ref cycle"))
    }

    // ---- schemas ------------------------------------------------------

    fn categorize(&self, s: &'a Schema) -> Cat<'a> {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                if values.is_empty() {
                    let secret = matches!(
                        st.format,
                        VariantOrUnknownOrEmpty::Item(StringFormat::Password)
                    );
                    Cat::Prim(if secret { Ty::Secret } else { Ty::String })
                } else {
                    Cat::StringEnum(values)
                }
            }
            SchemaKind::Type(Type::Integer(it)) => Cat::Prim(match it.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Ty::I32,
                _ => Ty::I64,
            }),
            SchemaKind::Type(Type::Number(nt)) => Cat::Prim(match nt.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Ty::F32,
                _ => Ty::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Cat::Prim(Ty::Bool),
            SchemaKind::Type(Type::Array(at)) => Cat::Array(at.items.as_ref().map(view_box)),
            SchemaKind::Type(Type::Object(ot)) => {
                if ot.properties.is_empty()
                    && !matches!(
                        ot.additional_properties,
                        Some(AdditionalProperties::Any(false))
                    )
                {
                    Cat::Map(ot.additional_properties.as_ref())
                } else {
                    Cat::Object(ObjView {
                        props: ot
                            .properties
                            .iter()
                            .map(|(k, v)| (k.as_str(), view_box(v)))
                            .collect(),
                        required: ot.required.iter().map(String::as_str).collect(),
                        additional: ot.additional_properties.as_ref(),
                    })
                }
            }
            SchemaKind::OneOf { one_of } => Cat::OneOf(one_of.iter().map(view).collect()),
            SchemaKind::AnyOf { any_of } => Cat::OneOf(any_of.iter().map(view).collect()),
            SchemaKind::AllOf { all_of } => Cat::AllOf(all_of.iter().map(view).collect()),
            SchemaKind::Not { .. } => Cat::Unsupported("not"),
            SchemaKind::Any(a) => {
                if !a.one_of.is_empty() {
                    Cat::OneOf(a.one_of.iter().map(view).collect())
                } else if !a.any_of.is_empty() {
                    Cat::OneOf(a.any_of.iter().map(view).collect())
                } else if !a.all_of.is_empty() {
                    Cat::AllOf(a.all_of.iter().map(view).collect())
                } else if !a.properties.is_empty() || a.typ.as_deref() == Some("object") {
                    if a.properties.is_empty() {
                        Cat::Map(a.additional_properties.as_ref())
                    } else {
                        Cat::Object(ObjView {
                            props: a
                                .properties
                                .iter()
                                .map(|(k, v)| (k.as_str(), view_box(v)))
                                .collect(),
                            required: a.required.iter().map(String::as_str).collect(),
                            additional: a.additional_properties.as_ref(),
                        })
                    }
                } else if a.typ.as_deref() == Some("array") || a.items.is_some() {
                    Cat::Array(a.items.as_ref().map(view_box))
                } else {
                    let values: Vec<String> = a
                        .enumeration
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect();
                    match a.typ.as_deref() {
                        Some("string") if !values.is_empty() => Cat::StringEnum(values),
                        Some("string") => Cat::Prim(if a.format.as_deref() == Some("password") {
                            Ty::Secret
                        } else {
                            Ty::String
                        }),
                        Some("integer") => Cat::Prim(if a.format.as_deref() == Some("int32") {
                            Ty::I32
                        } else {
                            Ty::I64
                        }),
                        Some("number") => Cat::Prim(if a.format.as_deref() == Some("float") {
                            Ty::F32
                        } else {
                            Ty::F64
                        }),
                        Some("boolean") => Cat::Prim(Ty::Bool),
                        _ => Cat::Any,
                    }
                }
            }
        }
    }

    /// A component schema, lowered once; returns `Named` (boxed on a cycle).
    fn lower_component(&mut self, key: &str, pointer: &str) -> Result<Ty, Error> {
        let Some(rust) = self.comp_names.get(key).cloned() else {
            return Err(self.err(pointer, format!("dangling $ref to schema `{key}`")));
        };
        match self.state.get(key) {
            Some(State::Done) => return Ok(Ty::Named(rust)),
            Some(State::InProgress) => return Ok(Ty::Boxed(Box::new(Ty::Named(rust)))),
            None => {}
        }
        self.state.insert(key.to_owned(), State::InProgress);
        let schema = self.schema_by_key(key, pointer)?;
        let cpointer = ptr("#/components/schemas", &[key]);
        let secret = names::is_secret_name(key);
        match schema {
            ReferenceOr::Reference { reference } => {
                let target = self.component_key(reference, &cpointer)?;
                let ty = self.lower_component(&target, &cpointer)?.unboxed();
                self.types.insert(
                    rust.clone(),
                    TypeDef {
                        name: rust.clone(),
                        doc: format!("Another name for `{}`.", type_label(&ty)),
                        kind: TypeKind::Alias(ty),
                    },
                );
            }
            ReferenceOr::Item(s) => {
                let doc = s
                    .schema_data
                    .description
                    .clone()
                    .or_else(|| s.schema_data.title.clone())
                    .unwrap_or_else(|| format!("The `{key}` schema."));
                let made = self.define(s, &rust, secret, &cpointer, &doc)?;
                if let Some(ty) = made {
                    let ty = ty.unboxed();
                    self.types.insert(
                        rust.clone(),
                        TypeDef {
                            name: rust.clone(),
                            doc,
                            kind: TypeKind::Alias(ty),
                        },
                    );
                }
            }
        }
        // A type alias may not mention itself (`type A = B; type B = A;`,
        // `type L = Vec<L>`): only a struct or enum can break a cycle.
        if let Some(TypeKind::Alias(ty)) = self.types.get(&rust).map(|t| &t.kind) {
            let mut seen = Vec::new();
            if self.alias_reaches(ty, &rust, &mut seen) {
                return Err(self.err(
                    cpointer,
                    format!(
                        "$ref cycle that cannot be a type: `{key}` refers back to itself only \
                         through references, arrays, maps or unions of one member; \
                         give the cycle an object with properties"
                    ),
                ));
            }
        }
        self.state.insert(key.to_owned(), State::Done);
        Ok(Ty::Named(rust))
    }

    /// Whether `ty`, seen through aliases, mentions the type named `target`.
    fn alias_reaches(&self, ty: &Ty, target: &str, seen: &mut Vec<String>) -> bool {
        match ty {
            Ty::Vec(t) | Ty::Map(t) | Ty::Option(t) | Ty::Boxed(t) => {
                self.alias_reaches(t, target, seen)
            }
            Ty::Named(n) if n == target => true,
            Ty::Named(n) => {
                if seen.contains(n) {
                    return false;
                }
                seen.push(n.clone());
                match self.types.get(n).map(|t| &t.kind) {
                    Some(TypeKind::Alias(inner)) => self.alias_reaches(inner, target, seen),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Lowers `s` under the chosen name: either inserts a type definition
    /// named `name` (returns `None`) or returns the plain type it is.
    fn define(
        &mut self,
        s: &'a Schema,
        name: &str,
        secret: bool,
        pointer: &str,
        doc: &str,
    ) -> Result<Option<Ty>, Error> {
        let kind = match self.categorize(s) {
            Cat::Prim(Ty::String) if secret => return Ok(Some(Ty::Secret)),
            Cat::Prim(t) => return Ok(Some(t)),
            Cat::Any => return Ok(Some(Ty::Value)),
            Cat::Unsupported(what) => {
                return Err(self.err(
                    pointer,
                    format!("unsupported schema construct `{what}`: the generator cannot type it"),
                ))
            }
            Cat::Array(items) => {
                let item = match items {
                    Some(i) => self
                        .lower(i, &format!("{name}Item"), false, &ptr(pointer, &["items"]))?
                        .unboxed(),
                    None => Ty::Value,
                };
                return Ok(Some(Ty::Vec(Box::new(item))));
            }
            Cat::Map(additional) => {
                let value = match additional {
                    Some(AdditionalProperties::Schema(v)) => self
                        .lower(
                            view(v),
                            &format!("{name}Value"),
                            false,
                            &ptr(pointer, &["additionalProperties"]),
                        )?
                        .unboxed(),
                    _ => Ty::Value,
                };
                return Ok(Some(Ty::Map(Box::new(value))));
            }
            Cat::StringEnum(values) => {
                let mut vn = Names::with_reserved(&["Other"]);
                let variants: Vec<(String, String)> = values
                    .iter()
                    .map(|v| (vn.claim(&names::variant_name(v)), v.clone()))
                    .collect();
                let default = s
                    .schema_data
                    .default
                    .as_ref()
                    .and_then(|d| d.as_str())
                    .and_then(|d| values.iter().position(|v| v == d));
                TypeKind::StringEnum { variants, default }
            }
            Cat::Object(obj) => self.lower_struct(obj, name, pointer)?,
            Cat::AllOf(members) => {
                if let (1, Some(m)) = (members.len(), members.first()) {
                    let mp = ptr(pointer, &["allOf", "0"]);
                    return match m {
                        SRef::Item(ms) => self.define(ms, name, secret, &mp, doc),
                        SRef::Ref(_) => self.lower(*m, name, secret, &mp).map(Some),
                    };
                }
                let mut merged = ObjView {
                    props: Vec::new(),
                    required: Vec::new(),
                    additional: None,
                };
                for (i, m) in members.iter().enumerate() {
                    let mp = ptr(pointer, &["allOf", &i.to_string()]);
                    let (ms, _) = self.deref(*m, &mp)?;
                    match self.categorize(ms) {
                        Cat::Object(o) => {
                            for (k, v) in o.props {
                                if !merged.props.iter().any(|(pk, _)| *pk == k) {
                                    merged.props.push((k, v));
                                }
                            }
                            merged.required.extend(o.required);
                        }
                        Cat::Map(_) => {}
                        _ => {
                            return Err(self.err(
                                mp,
                                "unsupported `allOf`: only objects can be merged (this member is not an object)",
                            ))
                        }
                    }
                }
                self.lower_struct(merged, name, pointer)?
            }
            Cat::OneOf(alts) => {
                if let (1, Some(a)) = (alts.len(), alts.first()) {
                    let ap = ptr(pointer, &["oneOf", "0"]);
                    return match a {
                        SRef::Item(s) => self.define(s, name, secret, &ap, doc),
                        SRef::Ref(_) => self.lower(*a, name, secret, &ap).map(Some),
                    };
                }
                if alts.is_empty() {
                    return Ok(Some(Ty::Value));
                }
                self.lower_one_of(s, &alts, name, pointer)?
            }
        };
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: name.to_owned(),
                doc: doc.to_owned(),
                kind,
            },
        );
        Ok(None)
    }

    fn lower_struct(
        &mut self,
        obj: ObjView<'a>,
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        let mut fnames = Names::default();
        let mut fields = Vec::new();
        for (wire, sref) in obj.props {
            let fp = ptr(pointer, &["properties", wire]);
            let rust = fnames.claim(&names::value_name(wire));
            let hint = format!("{name}{}", names::type_name(wire));
            let secret = names::is_secret_name(wire);
            let inner = self.lower(sref, &hint, secret, &fp)?;
            let (nullable, desc) = self.nullable_and_doc(sref, &fp)?;
            let (schema, _) = self.deref(sref, &fp)?;
            let (read_only, write_only) =
                (schema.schema_data.read_only, schema.schema_data.write_only);
            // A read-only property is absent from requests and a write-only
            // one from responses, even when `required`: both are `Option`.
            let required = obj.required.contains(&wire) && !read_only && !write_only;
            let optional = !required || nullable;
            let ty = if optional {
                Ty::Option(Box::new(inner.clone()))
            } else {
                inner.clone()
            };
            fields.push(Field {
                rust,
                wire: wire.to_owned(),
                ty,
                inner,
                optional,
                skip_none: !required,
                read_only,
                doc: format!(
                    "{}{}",
                    desc.unwrap_or_else(|| format!("The `{wire}` property.")),
                    schema_notes(schema)
                ),
            });
        }
        Ok(TypeKind::Struct {
            fields,
            closed: matches!(obj.additional, Some(AdditionalProperties::Any(false))),
        })
    }

    fn nullable_and_doc(
        &self,
        s: SRef<'a>,
        pointer: &str,
    ) -> Result<(bool, Option<String>), Error> {
        match s {
            SRef::Item(schema) => {
                let mut nullable = schema.schema_data.nullable;
                let mut doc = schema.schema_data.description.clone();
                if let SchemaKind::AllOf { all_of } = &schema.schema_kind {
                    if let (Some(first), 1) = (all_of.first(), all_of.len()) {
                        let (inner_null, inner_doc) =
                            self.nullable_and_doc(view(first), pointer)?;
                        nullable |= inner_null;
                        doc = doc.or(inner_doc);
                    }
                }
                Ok((nullable, doc))
            }
            SRef::Ref(_) => {
                let (schema, _) = self.deref(s, pointer)?;
                Ok((
                    schema.schema_data.nullable,
                    schema.schema_data.description.clone(),
                ))
            }
        }
    }

    fn shape_of(&self, s: SRef<'a>, pointer: &str) -> Result<Shape, Error> {
        let (schema, _) = self.deref(s, pointer)?;
        let obj_shape = |o: &ObjView<'_>| Shape {
            kind: "Object",
            required: o.required.iter().map(|r| (*r).to_owned()).collect(),
            known: o.props.iter().map(|(k, _)| (*k).to_owned()).collect(),
            closed: matches!(o.additional, Some(AdditionalProperties::Any(false))),
        };
        Ok(match self.categorize(schema) {
            Cat::Object(o) => obj_shape(&o),
            Cat::Map(_) => Shape {
                kind: "Object",
                ..Shape::default()
            },
            Cat::StringEnum(_) => Shape {
                kind: "String",
                ..Shape::default()
            },
            Cat::Array(_) => Shape {
                kind: "Array",
                ..Shape::default()
            },
            Cat::Prim(t) => Shape {
                kind: match t {
                    Ty::Bool => "Boolean",
                    Ty::I32 | Ty::I64 => "Integer",
                    Ty::F32 | Ty::F64 => "Number",
                    _ => "String",
                },
                ..Shape::default()
            },
            Cat::AllOf(members) => {
                let mut shape = Shape {
                    kind: "Object",
                    ..Shape::default()
                };
                for m in members {
                    let inner = self.shape_of(m, pointer)?;
                    if inner.kind != "Object" {
                        return Ok(inner);
                    }
                    shape.required.extend(inner.required);
                    shape.known.extend(inner.known);
                }
                shape
            }
            Cat::OneOf(_) | Cat::Any | Cat::Unsupported(_) => Shape {
                kind: "Any",
                ..Shape::default()
            },
        })
    }

    fn lower_one_of(
        &mut self,
        s: &'a Schema,
        alts: &[SRef<'a>],
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        let mut vn = Names::default();
        let mut variants = Vec::new();
        let mut keys = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            let ap = ptr(pointer, &["oneOf", &i.to_string()]);
            let (vname, ty, doc, key) = match alt {
                SRef::Ref(r) => {
                    let key = self.component_key(r, &ap)?;
                    let ty = self.lower_component(&key, &ap)?;
                    let rust = self.comp_names.get(&key).cloned().unwrap_or_default();
                    (rust.clone(), ty, format!("A [`{rust}`]."), Some(key))
                }
                SRef::Item(schema) => {
                    let ty = self.lower(*alt, &format!("{name}Variant{}", i + 1), false, &ap)?;
                    let label = match &ty {
                        Ty::String | Ty::Secret => "String".to_owned(),
                        Ty::Bool => "Boolean".to_owned(),
                        Ty::I32 | Ty::I64 => "Integer".to_owned(),
                        Ty::F32 | Ty::F64 => "Number".to_owned(),
                        Ty::Vec(_) => "Array".to_owned(),
                        Ty::Map(_) => "Map".to_owned(),
                        _ => format!("Variant{}", i + 1),
                    };
                    let doc = schema
                        .schema_data
                        .description
                        .clone()
                        .unwrap_or_else(|| format!("Alternative {} of the union.", i + 1));
                    (label, ty, doc, None)
                }
            };
            let shape = self.shape_of(*alt, &ap)?;
            keys.push(key);
            variants.push(Variant {
                name: vn.claim(&vname),
                ty,
                doc,
                shape,
            });
        }
        let discriminator = s.schema_data.discriminator.as_ref().map(|d| {
            let mut map = Vec::new();
            if d.mapping.is_empty() {
                for (i, k) in keys.iter().enumerate() {
                    if let Some(k) = k {
                        map.push((k.clone(), i));
                    }
                }
            } else {
                for (wire, target) in &d.mapping {
                    let tkey = target
                        .strip_prefix("#/components/schemas/")
                        .map(unescape)
                        .unwrap_or_else(|| target.clone());
                    if let Some(i) = keys
                        .iter()
                        .position(|k| k.as_deref() == Some(tkey.as_str()))
                    {
                        map.push((wire.clone(), i));
                    }
                }
            }
            (d.property_name.clone(), map)
        });
        Ok(TypeKind::OneOf {
            variants,
            discriminator,
        })
    }

    /// Lowers a schema used somewhere; inline definitions get `hint` as name.
    fn lower(&mut self, s: SRef<'a>, hint: &str, secret: bool, pointer: &str) -> Result<Ty, Error> {
        match s {
            SRef::Ref(r) => {
                let key = self.component_key(r, pointer)?;
                let ty = self.lower_component(&key, pointer)?;
                if secret {
                    let under = self.underlying(&ty);
                    if under == Ty::String {
                        return Ok(Ty::Secret);
                    }
                }
                Ok(ty)
            }
            SRef::Item(schema) => {
                // Decide whether it needs a named definition before claiming a name.
                let needs_def = matches!(
                    self.categorize(schema),
                    Cat::Object(_) | Cat::StringEnum(_) | Cat::OneOf(_) | Cat::AllOf(_)
                );
                let name = if needs_def {
                    self.names.claim(&names::type_name(hint))
                } else {
                    names::type_name(hint)
                };
                let doc = schema
                    .schema_data
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("Inline schema at `{pointer}`."));
                match self.define(schema, &name, secret, pointer, &doc)? {
                    Some(ty) => Ok(ty),
                    None => Ok(Ty::Named(name)),
                }
            }
        }
    }

    fn underlying(&self, ty: &Ty) -> Ty {
        let mut cur = ty.clone();
        for _ in 0..64 {
            match &cur {
                Ty::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                    Some(TypeKind::Alias(inner)) => cur = inner.clone(),
                    _ => return cur,
                },
                _ => return cur,
            }
        }
        cur
    }

    // ---- operations -----------------------------------------------------

    fn lower_operations(&mut self) -> Result<(Vec<Group>, Vec<String>), Error> {
        let doc = self.doc;
        let mut groups: Vec<Group> = Vec::new();
        let mut module_names = Names::with_reserved(&[
            "models",
            "security",
            "rt",
            "from_transport",
            "transport",
            "clone",
            "fmt",
        ]);
        let mut group_types: BTreeMap<String, (Names, Names)> = BTreeMap::new();
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        let mut used_schemes: Vec<String> = Vec::new();
        for (path, item) in &doc.paths.paths {
            let pp = ptr("#/paths", &[path]);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { reference } => {
                    return Err(self.err(pp, format!("unsupported path item $ref `{reference}`")))
                }
            };
            for m in METHODS {
                let op = match m {
                    "get" => &item.get,
                    "put" => &item.put,
                    "post" => &item.post,
                    "delete" => &item.delete,
                    "options" => &item.options,
                    "head" => &item.head,
                    "patch" => &item.patch,
                    _ => &item.trace,
                };
                let Some(op) = op else { continue };
                let op_ptr = ptr(&pp, &[m]);
                // Without an operationId: `{method}_{path in snake case}`
                // (`get_pets_pet_id`), grouped by tag or into `default`.
                let derived = op.operation_id.is_none();
                let id = op.operation_id.clone().unwrap_or_else(|| {
                    let p = names::snake(path);
                    let p = p.trim_matches('_');
                    format!("{m}_{}", if p.is_empty() { "root" } else { p })
                });
                if let Some(first) = seen_ids.get(&id) {
                    return Err(self.err(
                        ptr(&op_ptr, &["operationId"]),
                        format!("duplicate operationId `{id}` (first used at {first})"),
                    ));
                }
                seen_ids.insert(id.clone(), op_ptr.clone());
                // Group and method name.
                let (prefix, rest) = match id.split_once('_') {
                    Some((p, r)) if !derived && !p.is_empty() && !r.is_empty() => (Some(p), r),
                    _ => (None, id.as_str()),
                };
                let (label, method_base) = match (op.tags.first(), prefix) {
                    (Some(tag), Some(p)) if names::type_name(tag) == names::type_name(p) => {
                        (tag.clone(), rest.to_owned())
                    }
                    (Some(tag), _) => (tag.clone(), id.clone()),
                    (None, Some(p)) => (p.to_owned(), rest.to_owned()),
                    (None, None) => ("default".to_owned(), id.clone()),
                };
                let gi = match groups.iter().position(|g| g.label == label) {
                    Some(i) => i,
                    None => {
                        let module = module_names.claim(&names::value_name(&label));
                        let type_name = names::type_name(&label);
                        let tag_doc = doc
                            .tags
                            .iter()
                            .find(|t| t.name == label)
                            .and_then(|t| t.description.clone());
                        let gdoc = match tag_doc {
                            Some(d) => format!("Operations tagged `{label}`: {d}"),
                            None => format!("Operations of the `{label}` group."),
                        };
                        groups.push(Group {
                            module: module.clone(),
                            type_name: type_name.clone(),
                            label: label.clone(),
                            doc: gdoc,
                            ops: Vec::new(),
                        });
                        group_types.insert(
                            module,
                            (
                                Names::with_reserved(&[type_name.as_str()]),
                                Names::with_reserved(&["new"]),
                            ),
                        );
                        groups.len() - 1
                    }
                };
                let Some(group) = groups.get(gi) else {
                    continue;
                };
                let Some((tnames, mnames)) = group_types.get_mut(&group.module) else {
                    continue;
                };
                let method_name = mnames.claim(&names::value_name(&method_base));
                let type_name = tnames.claim(&names::type_name(&method_base));
                let error_name = tnames.claim(&format!("{type_name}Error"));
                let success_name = tnames.claim(&format!("{type_name}Success"));
                let lowered = self.lower_op(
                    op,
                    &item.parameters,
                    m,
                    path,
                    &op_ptr,
                    OpNames {
                        id,
                        method_name,
                        type_name,
                        error_name,
                        success_name,
                    },
                    &mut used_schemes,
                )?;
                if let Some(g) = groups.get_mut(gi) {
                    g.ops.push(lowered);
                }
            }
        }
        Ok((groups, used_schemes))
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_op(
        &mut self,
        op: &'a openapiv3::Operation,
        path_params: &'a [ReferenceOr<Parameter>],
        method: &str,
        path: &str,
        op_ptr: &str,
        n: OpNames,
        used_schemes: &mut Vec<String>,
    ) -> Result<Op, Error> {
        let mut bnames = Names::with_reserved(&["transport", "send", "into_future"]);
        // Parameters: path-level first, overridden by operation-level ones.
        let mut raw: Vec<(&'a Parameter, String)> = Vec::new();
        for (i, p) in path_params.iter().enumerate() {
            let pp = format!(
                "{}/parameters/{i}",
                op_ptr.rsplit_once('/').map_or(op_ptr, |x| x.0)
            );
            raw.push((self.deref_param(p, &pp)?, pp));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let pp = ptr(op_ptr, &["parameters", &i.to_string()]);
            let param = self.deref_param(p, &pp)?;
            let d = param.parameter_data_ref();
            let same = |q: &Parameter| {
                q.parameter_data_ref().name == d.name
                    && std::mem::discriminant(q) == std::mem::discriminant(param)
            };
            if let Some(slot) = raw.iter_mut().find(|(q, _)| same(q)) {
                *slot = (param, pp);
            } else {
                raw.push((param, pp));
            }
        }
        let mut params = Vec::new();
        for (param, pp) in raw {
            let loc = match param {
                Parameter::Path { .. } => Loc::Path,
                Parameter::Query { .. } => Loc::Query,
                Parameter::Header { .. } => Loc::Header,
                Parameter::Cookie { .. } => {
                    return Err(self.err(pp, "cookie parameters are not supported"));
                }
            };
            let d = param.parameter_data_ref();
            let hint = format!("{}{}", n.type_name, names::type_name(&d.name));
            let secret = names::is_secret_name(&d.name);
            let (ty, sdoc) =
                match &d.format {
                    ParameterSchemaOrContent::Schema(s) => {
                        let sp = ptr(&pp, &["schema"]);
                        let ty = self.lower(view(s), &hint, secret, &sp)?;
                        self.retitle(
                            &ty,
                            format!("Values of the `{}` parameter of `{}`.", d.name, n.id),
                        );
                        self.retitle(
                            &ty,
                            format!("Values of the `{}` parameter of `{}`.", d.name, n.id),
                        );
                        let (_, sdoc) = self.nullable_and_doc(view(s), &sp)?;
                        let (schema, _) = self.deref(view(s), &sp)?;
                        let notes = schema_notes(schema);
                        (
                            ty,
                            sdoc.map(|d| format!("{d}{notes}")).or_else(|| {
                                (!notes.is_empty())
                                    .then(|| format!("The `{}` parameter.{notes}", d.name))
                            }),
                        )
                    }
                    ParameterSchemaOrContent::Content(c) => match json_media(c) {
                        Some((mt, media)) => match &media.schema {
                            Some(s) => {
                                let sp = ptr(&pp, &["content", mt, "schema"]);
                                (self.lower(view(s), &hint, secret, &sp)?, None)
                            }
                            None => (Ty::Value, None),
                        },
                        None => return Err(self.err(
                            ptr(&pp, &["content"]),
                            "unsupported parameter content: only JSON media types are supported",
                        )),
                    },
                };
            if loc == Loc::Path && !path.contains(&format!("{{{}}}", d.name)) {
                return Err(self.err(
                    pp,
                    format!(
                        "path parameter `{}` does not appear in the path `{path}`",
                        d.name
                    ),
                ));
            }
            let style = match param {
                Parameter::Query { style, .. } => {
                    use openapiv3::QueryStyle as Q;
                    match (style, d.explode.unwrap_or(matches!(style, Q::Form))) {
                        (Q::Form, true) => Style::FormExplode,
                        (Q::Form, false) => Style::Form,
                        (Q::SpaceDelimited, _) => Style::SpaceDelimited,
                        (Q::PipeDelimited, _) => Style::PipeDelimited,
                        (Q::DeepObject, _) => Style::DeepObject,
                    }
                }
                Parameter::Path { style, .. } => {
                    if !matches!(style, openapiv3::PathStyle::Simple) {
                        return Err(self.err(
                            ptr(&pp, &["style"]),
                            format!("path parameter `{}`: only `style: simple` is supported (not label or matrix)", d.name),
                        ));
                    }
                    Style::Simple
                }
                _ => Style::Simple,
            };
            // Query keys are static strings: an object with dynamic keys
            // cannot be spelled, and only form objects can be flattened.
            if loc == Loc::Query {
                let under = self.underlying(&ty);
                let is_struct = matches!(&under, Ty::Named(n)
                    if matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct { .. })));
                let problem = match (&under, style) {
                    (Ty::Map(_), _) => Some("a free-form object (additionalProperties) as a query parameter is not supported"),
                    (_, Style::DeepObject) if !is_struct => Some("`style: deepObject` is supported only for object schemas with properties"),
                    (Ty::Named(_), Style::SpaceDelimited | Style::PipeDelimited) if is_struct => Some("`spaceDelimited`/`pipeDelimited` objects are not supported"),
                    _ => None,
                };
                if let Some(problem) = problem {
                    return Err(self.err(pp, format!("query parameter `{}`: {problem}", d.name)));
                }
            }
            params.push(Param {
                wire: d.name.clone(),
                rust: bnames.claim(&names::value_name(&d.name)),
                loc,
                ty,
                style,
                required: d.required || loc == Loc::Path,
                doc: d
                    .description
                    .clone()
                    .or(sdoc)
                    .unwrap_or_else(|| format!("The `{}` parameter.", d.name)),
            });
        }
        // Every `{name}` in the path must be a declared path parameter.
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !params.iter().any(|p| p.loc == Loc::Path && p.wire == name) {
                return Err(self.err(
                    op_ptr,
                    format!("the path template uses `{{{name}}}` but no path parameter `{name}` is declared"),
                ));
            }
            rest = &after[end + 1..];
        }

        // Body.
        let mut body = None;
        let mut body_media = Media::Json;
        if let Some(rb) = &op.request_body {
            let bp = ptr(op_ptr, &["requestBody"]);
            let rb = self.deref_body(rb, &bp)?;
            if !rb.content.is_empty() {
                let Some((mt, media, kind)) = pick_media(&rb.content) else {
                    let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
                    return Err(self.err(
                        ptr(&bp, &["content"]),
                        format!(
                            "unsupported request media type(s) {}: multipart bodies are not supported \
                             (JSON, form-urlencoded, text/* and raw single-part types are)",
                            types.join(", ")
                        ),
                    ));
                };
                let sp = ptr(&bp, &["content", mt, "schema"]);
                let ty = match (&kind, &media.schema) {
                    (Media::Text, _) => Ty::String,
                    (Media::Bytes(_), _) => Ty::bytes(),
                    (_, Some(s)) => {
                        let ty = self.lower(
                            view(s),
                            &format!("{}RequestBody", n.type_name),
                            false,
                            &sp,
                        )?;
                        self.retitle(&ty, format!("The request body of `{}`.", n.id));
                        ty
                    }
                    (_, None) => Ty::Value,
                };
                let under = self.underlying(&ty);
                let struct_fields = match &under {
                    Ty::Named(sn) => match self.types.get(sn).map(|t| &t.kind) {
                        Some(TypeKind::Struct { fields, .. }) => Some((sn.clone(), fields.clone())),
                        _ => None,
                    },
                    _ => None,
                };
                if kind == Media::Form && struct_fields.is_none() {
                    return Err(self.err(
                        sp,
                        "a form-urlencoded request body must be an object schema with properties",
                    ));
                }
                let struct_fields = match kind {
                    Media::Json | Media::Form => struct_fields,
                    _ => None,
                };
                body_media = kind;
                body = Some(match struct_fields {
                    Some((struct_name, fields)) => BodyDef::Flattened {
                        struct_name,
                        fields: fields
                            .into_iter()
                            .map(|f| {
                                let builder = if bnames.contains(&f.rust) {
                                    bnames.claim(&format!(
                                        "body_{}",
                                        f.rust.strip_prefix("r#").unwrap_or(&f.rust)
                                    ))
                                } else {
                                    bnames.claim(&f.rust)
                                };
                                BodyField { builder, field: f }
                            })
                            .collect(),
                    },
                    None => BodyDef::Single {
                        rust: bnames.claim("body"),
                        ty,
                        required: rb.required,
                        doc: rb
                            .description
                            .clone()
                            .unwrap_or_else(|| "The request body.".to_owned()),
                    },
                });
            }
        }

        // Responses.
        let rp = ptr(op_ptr, &["responses"]);
        let mut successes = Vec::new();
        let mut errors = Vec::new();
        let mut snames = Names::default();
        let mut enames = Names::with_reserved(&["Default", "Unknown"]);
        for (status, resp) in &op.responses.responses {
            let sp = ptr(&rp, &[&status.to_string()]);
            let resp = self.deref_response(resp, &sp)?;
            let label = format!(
                "Body of the HTTP {status} response of `{}`: {}",
                n.id, resp.description
            );
            let (ty, media) = self.response_type(
                resp,
                &format!("{}{status}Response", n.type_name),
                &sp,
                label,
            )?;
            let (status_match, is_success, base) = match status {
                StatusCode::Code(c) => (
                    StatusMatch::Code(*c),
                    (200..300).contains(c),
                    status_reason(*c).map_or_else(|| format!("Status{c}"), str::to_owned),
                ),
                StatusCode::Range(r) => (StatusMatch::Range(*r), *r == 2, format!("Status{r}xx")),
            };
            let doc = format!("HTTP {status}: {}", resp.description);
            if is_success {
                successes.push(Outcome {
                    status: status_match,
                    variant: snames.claim(&base),
                    ty,
                    media,
                    doc,
                });
            } else {
                errors.push(Outcome {
                    status: status_match,
                    variant: enames.claim(&base),
                    ty,
                    media,
                    doc,
                });
            }
        }
        successes.sort_by_key(|o| o.status);
        errors.sort_by_key(|o| o.status);
        let default = match &op.responses.default {
            Some(resp) => {
                let sp = ptr(&rp, &["default"]);
                let resp = self.deref_response(resp, &sp)?;
                let label = format!(
                    "Body of the `default` response of `{}`: {}",
                    n.id, resp.description
                );
                let (ty, media) = self.response_type(
                    resp,
                    &format!("{}DefaultResponse", n.type_name),
                    &sp,
                    label,
                )?;
                Some(Outcome {
                    status: StatusMatch::Code(0),
                    variant: "Default".to_owned(),
                    ty,
                    media,
                    doc: format!(
                        "Any other status (the `default` response): {}",
                        resp.description
                    ),
                })
            }
            None => None,
        };

        // Security.
        let reqs = op.security.as_ref().or(self.doc.security.as_ref());
        let mut security = Vec::new();
        if let Some(reqs) = reqs {
            for (i, req) in reqs.iter().enumerate() {
                let mut alt = Vec::new();
                for scheme in req.keys() {
                    let exists = self
                        .doc
                        .components
                        .as_ref()
                        .is_some_and(|c| c.security_schemes.contains_key(scheme));
                    if !exists {
                        let where_ = if op.security.is_some() {
                            ptr(op_ptr, &["security", &i.to_string()])
                        } else {
                            format!("#/security/{i}")
                        };
                        return Err(self.err(
                            where_,
                            format!("security requirement names unknown scheme `{scheme}`"),
                        ));
                    }
                    if !used_schemes.contains(scheme) {
                        used_schemes.push(scheme.clone());
                    }
                    alt.push(names::const_name(scheme));
                }
                security.push(alt);
            }
        }
        let idempotent = op.extensions.get("x-idempotent").and_then(|v| v.as_bool());
        Ok(Op {
            id: n.id,
            method_name: n.method_name,
            type_name: n.type_name,
            error_name: n.error_name,
            success_name: n.success_name,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            http_method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            params,
            body,
            body_media,
            successes,
            errors,
            default,
            security,
            idempotent,
        })
    }

    fn response_type(
        &mut self,
        resp: &'a Response,
        hint: &str,
        pointer: &str,
        label: String,
    ) -> Result<(Option<Ty>, Media), Error> {
        match pick_media(&resp.content) {
            Some((mt, media, Media::Json)) => match &media.schema {
                Some(s) => {
                    let sp = ptr(pointer, &["content", mt, "schema"]);
                    let ty = self.lower(view(s), hint, false, &sp)?;
                    self.retitle(&ty, label);
                    Ok((Some(ty), Media::Json))
                }
                None => Ok((Some(Ty::Value), Media::Json)),
            },
            Some((_, _, Media::Text)) => Ok((Some(Ty::String), Media::Text)),
            Some((_, _, Media::Bytes(mt))) => Ok((Some(Ty::bytes()), Media::Bytes(mt))),
            Some((mt, _, Media::Form)) => Err(self.err(
                ptr(pointer, &["content", mt]),
                "form-urlencoded response bodies are not supported",
            )),
            None if resp.content.is_empty() => Ok((None, Media::Json)),
            None => Err(self.err(
                ptr(pointer, &["content"]),
                "multipart response bodies are not supported",
            )),
        }
    }

    /// Gives an inline type created for an operation a readable doc.
    fn retitle(&mut self, ty: &Ty, doc: String) {
        if let Ty::Named(n) = ty {
            if let Some(t) = self.types.get_mut(n) {
                if t.doc.starts_with("Inline schema at") {
                    t.doc = doc;
                }
            }
        }
    }

    fn lower_schemes(&self, used: &[String]) -> Vec<SchemeDef> {
        let mut out = Vec::new();
        let Some(c) = &self.doc.components else {
            return out;
        };
        for (name, scheme) in &c.security_schemes {
            if !used.contains(name) {
                continue;
            }
            let ReferenceOr::Item(s) = scheme else {
                continue;
            };
            use openapiv3::SecurityScheme as S;
            let (kind, desc) = match s {
                S::APIKey {
                    location,
                    name: param,
                    description,
                    ..
                } => (
                    SchemeKindDef::ApiKey(
                        match location {
                            openapiv3::APIKeyLocation::Query => "Query",
                            openapiv3::APIKeyLocation::Header => "Header",
                            openapiv3::APIKeyLocation::Cookie => "Cookie",
                        },
                        param.clone(),
                    ),
                    description.clone(),
                ),
                S::HTTP {
                    scheme,
                    description,
                    ..
                } => (SchemeKindDef::Http(scheme.clone()), description.clone()),
                S::OAuth2 { description, .. } | S::OpenIDConnect { description, .. } => {
                    (SchemeKindDef::OAuth2, description.clone())
                }
            };
            out.push(SchemeDef {
                const_name: names::const_name(name),
                name: name.clone(),
                doc: desc.unwrap_or_else(|| format!("The `{name}` security scheme.")),
                kind,
            });
        }
        out
    }
}

struct OpNames {
    id: String,
    method_name: String,
    type_name: String,
    error_name: String,
    success_name: String,
}

fn type_label(ty: &Ty) -> String {
    match ty {
        Ty::Named(n) => n.clone(),
        Ty::String => "String".into(),
        Ty::Secret => "SecretString".into(),
        _ => "the target type".into(),
    }
}
