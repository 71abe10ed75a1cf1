//! The intermediate representation the emitter and `API.md` read: every
//! name already decided, every `$ref` already followed.

/// A Rust type as generated code spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
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
    /// `u64` (an integer whose bounds do not fit `i64`).
    U64,
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

/// The name [`Ty::Named`] uses for the runtime's `multipart::Form` (a
/// `multipart/form-data` request body); no model name has `::`.
pub(crate) const MULTIPART: &str = "multipart::Form";

/// The name [`Ty::Named`] uses for the runtime's `IntegerOrString` (a
/// `oneOf`/`anyOf` of an integer and a string, such as an error code); no
/// model name has `::`.
pub(crate) const INTEGER_OR_STRING: &str = "rt::IntegerOrString";

/// The name [`Ty::Named`] uses for the primitive byte.
pub(crate) const BYTE: &str = "u8";

impl Ty {
    /// `Vec<u8>`: a raw (non-JSON, non-text) request or response body.
    pub(crate) fn bytes() -> Ty {
        Ty::Vec(Box::new(Ty::Named(BYTE.to_owned())))
    }

    /// The type as Rust source spells it (`Vec<String>`, `SecretString`).
    pub(crate) fn spelled(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Secret => "SecretString".into(),
            Ty::Bool => "bool".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::U64 => "u64".into(),
            Ty::F32 => "f32".into(),
            Ty::F64 => "f64".into(),
            Ty::Value => "serde_json::Value".into(),
            Ty::Vec(i) => format!("Vec<{}>", i.spelled()),
            Ty::Map(i) => format!("BTreeMap<String, {}>", i.spelled()),
            Ty::Option(i) => format!("Option<{}>", i.spelled()),
            Ty::Boxed(i) => format!("Box<{}>", i.spelled()),
            Ty::Named(n) if n == INTEGER_OR_STRING => "IntegerOrString".into(),
            Ty::Named(n) => n.clone(),
        }
    }

    pub(crate) fn unboxed(self) -> Ty {
        match self {
            Ty::Boxed(t) => *t,
            other => other,
        }
    }
}

/// A generated model type.
#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Documentation (raw spec text, or synthesized).
    pub doc: String,
    /// Where the spec defines it: the component schema keys it stands for
    /// (several when identical schemas share one type), or the JSON pointer
    /// of an inline schema.
    pub origin: Vec<String>,
    /// What it is.
    pub kind: TypeKind,
}

impl TypeDef {
    /// Where the spec defines the type, when its Rust name does not say it:
    /// the schema key(s) it comes from, or the pointer of an inline schema.
    pub(crate) fn spec_note(&self) -> Option<String> {
        let quoted = |v: &[String]| {
            v.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.origin.as_slice() {
            [] => None,
            [one] if one.starts_with('#') => Some(format!("Inline schema at `{one}`.")),
            [one] if *one == self.name => None,
            [_] => Some(format!("Schema {} in the spec.", quoted(&self.origin))),
            _ => Some(format!(
                "Schemas {} in the spec, which differ only in their documentation: one type.",
                quoted(&self.origin)
            )),
        }
    }
}

/// The kinds of model types.
#[derive(Debug, Clone)]
pub(crate) enum TypeKind {
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
        /// Each value's description, in the order of `variants` (empty when
        /// none has one; an empty string for a value without).
        docs: Vec<String>,
    },
    /// `oneOf`/`anyOf`.
    OneOf {
        /// Alternatives in spec order.
        variants: Vec<Variant>,
        /// `(property name, [(wire value, variant index)])`.
        discriminator: Option<(String, Vec<(String, usize)>)>,
    },
    /// A `oneOf`/`anyOf` of inline objects told apart by one property
    /// (the tag) that each of them requires with a single, distinct string
    /// value: one internally tagged enum whose struct variants hold each
    /// object's other properties (`#[serde(tag = "...")]`), instead of a
    /// [`TypeKind::OneOf`] over one struct per object. A tag value no
    /// variant has decodes as the unit variant [`UNKNOWN_VARIANT`], which
    /// cannot be serialized. See `schemas::Lowerer::tagged_union` for the
    /// exact rule.
    TaggedUnion {
        /// The tag property's wire name.
        tag: String,
        /// One per alternative, in spec order.
        variants: Vec<TaggedVariant>,
        /// Every alternative says `additionalProperties: false`
        /// (`deny_unknown_fields`; the rule refuses a mix).
        closed: bool,
    },
    /// A `oneOf` of inline objects that each have one property, which they
    /// require, the names distinct: serde's externally tagged enum, one
    /// newtype variant per property (`{"ok": T} | {"err": E}`, as schemars
    /// writes a Rust enum), instead of a [`TypeKind::OneOf`] over one struct
    /// per object. See `schemas::Lowerer::external_union` for the exact rule.
    ExternalUnion {
        /// One per alternative, in spec order.
        variants: Vec<ExternalVariant>,
    },
    /// `pub type Name = T;`
    Alias(Ty),
}

/// One alternative of a [`TypeKind::ExternalUnion`].
#[derive(Debug, Clone)]
pub(crate) struct ExternalVariant {
    /// Rust variant name (from the property name).
    pub name: String,
    /// The property name on the wire.
    pub wire: String,
    /// Documentation (the alternative's description, or synthesized).
    pub doc: String,
    /// The property's type (an `Option` when it may be `null`).
    pub ty: Ty,
}

/// The variant of a [`TypeKind::TaggedUnion`] that a tag value no variant
/// has decodes as (`#[serde(other)]`); no tag value's variant takes the name.
pub(crate) const UNKNOWN_VARIANT: &str = "Unknown";

/// One alternative of a [`TypeKind::TaggedUnion`].
#[derive(Debug, Clone)]
pub(crate) struct TaggedVariant {
    /// Rust variant name (from the tag value).
    pub name: String,
    /// The tag value on the wire.
    pub wire: String,
    /// Documentation (the alternative's description, or synthesized).
    pub doc: String,
    /// The alternative's properties other than the tag, in spec order.
    pub fields: Vec<Field>,
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
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
    /// `#[serde(flatten)]`: the union an object also is (an `allOf` with a
    /// `oneOf` member beside objects); its `wire` name is empty.
    pub flatten: bool,
    /// Documentation.
    pub doc: String,
}

/// One alternative of a `oneOf`.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
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
pub(crate) struct Shape {
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
pub(crate) struct SchemeDef {
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
pub(crate) enum SchemeKindDef {
    /// `apiKey`: location (`Query`/`Header`/`Cookie`) and parameter name.
    ApiKey(&'static str, String),
    /// `http` with its scheme.
    Http(String),
    /// `oauth2` / `openIdConnect`.
    OAuth2,
}

/// A group of operations (a tag).
#[derive(Debug, Clone)]
pub(crate) struct Group {
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
pub(crate) enum Loc {
    /// Path segment.
    Path,
    /// Query string.
    Query,
    /// Header.
    Header,
    /// Cookie (all of an operation's in one `Cookie` header).
    Cookie,
}

/// A parameter.
#[derive(Debug, Clone)]
pub(crate) struct Param {
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
pub(crate) enum Style {
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
pub(crate) struct BodyField {
    /// Builder field and setter name.
    pub builder: String,
    /// The body struct's field.
    pub field: Field,
}

/// How a body travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Media {
    /// `application/json` (or another `json` media type).
    Json,
    /// `application/x-www-form-urlencoded` (request bodies only).
    Form,
    /// `text/*`: a `String`.
    Text,
    /// `multipart/form-data` (request bodies only), with the `encoding`
    /// object's `(part name, content type)` pairs.
    Multipart(Vec<(String, String)>),
    /// Anything else (`application/octet-stream`, `image/png`, ...): raw
    /// bytes sent or received with this media type.
    Bytes(String),
}

/// The request body.
#[derive(Debug, Clone)]
pub(crate) enum BodyDef {
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
pub(crate) enum StatusMatch {
    /// One code.
    Code(u16),
    /// `4XX`: the hundreds digit.
    Range(u16),
}

/// A documented response.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
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
pub(crate) struct Op {
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
    /// Documented 2xx and 3xx responses (and `default` as `2XX` when no 2xx
    /// is documented).
    pub successes: Vec<Outcome>,
    /// Documented other responses.
    pub errors: Vec<Outcome>,
    /// The `default` response.
    pub default: Option<Outcome>,
    /// Alternatives of requirements, as security const names.
    pub security: Vec<Vec<String>>,
    /// `x-idempotent`.
    pub idempotent: Option<bool>,
    /// The `Accept` header value (empty: none), see `operations::accept`.
    pub accept: String,
}

/// The whole lowered API.
#[derive(Debug, Clone)]
pub(crate) struct Api {
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
    /// Derives added to model structs and unions besides `Debug`, `Clone`
    /// and serde's ([`crate::Options::derives`]).
    pub model_derives: Vec<String>,
    /// What the generator left out of the document, one sentence each.
    pub warnings: Vec<String>,
    /// The webhooks the API sends (OpenAPI 3.1 `webhooks`), in document
    /// order: only their payload types are generated.
    pub webhooks: Vec<Webhook>,
}

/// A webhook: a request the API's server sends to the client's.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    /// Its name in the document.
    pub name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// The payload's type, when a payload is documented.
    pub payload: Option<Ty>,
    /// The payload's media type.
    pub media: Option<String>,
}

impl Api {
    /// Looks a model type up by name.
    pub(crate) fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.types.get(i))
    }

    /// Follows aliases to the type that is really used.
    pub(crate) fn underlying(&self, ty: &Ty) -> Ty {
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
