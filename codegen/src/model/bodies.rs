//! Request bodies: the media type chosen and the body's shape (flattened
//! into builder setters, or passed whole).

use super::classify::{all_of, classify, AllOf, Kind};
use super::operations::OpNames;
use super::refs::view;
use super::refs::SRef;
use super::Lowerer;
use crate::error::{ptr, Error};
use crate::model::{BodyDef, BodyField, Media, Ty, TypeKind, MULTIPART};
use crate::names::Names;
use openapiv3::{Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

impl<'a> Lowerer<'a> {
    /// The request body and how it is encoded (`Json` when there is none).
    pub(super) fn lower_body(
        &mut self,
        op: &'a openapiv3::Operation,
        op_ptr: &str,
        n: &OpNames,
        bnames: &mut Names,
    ) -> Result<(Option<BodyDef>, Media), Error> {
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
                    (Media::Multipart(_), _) => Ty::Named(MULTIPART.to_owned()),
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
                // A free-form map is sent as one pair per entry, and so is
                // a `oneOf` whose every alternative is an object (a tagged
                // union's always are).
                let object_like = |t: &Ty| match self.underlying(t) {
                    Ty::Map(_) | Ty::Value => true,
                    Ty::Named(n) => matches!(
                        self.types.get(&n).map(|t| &t.kind),
                        Some(
                            TypeKind::Struct { .. }
                                | TypeKind::TaggedUnion { .. }
                                | TypeKind::ExternalUnion { .. }
                        )
                    ),
                    _ => false,
                };
                let map_like = object_like(&under)
                    || matches!(&under, Ty::Named(n) if matches!(
                        self.types.get(n).map(|t| &t.kind),
                        Some(TypeKind::OneOf { variants, .. })
                            if variants.iter().all(|v| object_like(&v.ty))
                    ));
                let flattens = struct_fields
                    .as_ref()
                    .is_some_and(|(_, fs)| fs.iter().any(|f| f.flatten));
                if kind == Media::Form && flattens {
                    return Err(self.err(
                        sp,
                        "a form-urlencoded request body that is also one of several shapes (`allOf` with a `oneOf` member) is not supported",
                    ));
                }
                if kind == Media::Form && struct_fields.is_none() && !map_like {
                    return Err(self.err(
                        sp,
                        "a form-urlencoded request body must be an object schema (with properties, or a free-form map)",
                    ));
                }
                let parts_doc = match (&kind, &media.schema) {
                    (Media::Multipart(_), Some(s)) => self.multipart_doc(view(s), &sp)?,
                    _ => String::new(),
                };
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
                        doc: format!(
                            "{}{parts_doc}",
                            rb.description
                                .clone()
                                .unwrap_or_else(|| "The request body.".to_owned())
                        ),
                    },
                });
            }
        }

        Ok((body, body_media))
    }

    /// The parts a `multipart/form-data` schema documents, as a doc
    /// paragraph: name, text or file, repeated or not, required or not.
    fn multipart_doc(&self, s: SRef<'a>, pointer: &str) -> Result<String, Error> {
        let (schema, _) = self.deref(s, pointer)?;
        let obj = match classify(schema) {
            Kind::Object(o) => o,
            Kind::AllOf(members) => {
                let mut kinds = Vec::new();
                for m in members {
                    kinds.push(classify(self.deref(m, pointer)?.0));
                }
                match all_of(kinds) {
                    AllOf::Object(o) => o,
                    _ => return Ok(String::new()),
                }
            }
            _ => return Ok(String::new()),
        };
        let mut lines = Vec::new();
        for (name, prop) in &obj.props {
            let (ps, _) = self.deref(*prop, pointer)?;
            let (repeated, item) = match classify(ps) {
                Kind::Array(Some(i)) => (true, self.deref(i, pointer)?.0),
                _ => (false, ps),
            };
            let file = is_binary(item);
            let what = match (file, repeated) {
                (true, false) => "a file part (`FilePart`)",
                (true, true) => "file parts, one per file",
                (false, false) => "a text part",
                (false, true) => "text parts, one per value",
            };
            let req = if obj.required.contains(name) {
                ", required"
            } else {
                ""
            };
            lines.push(format!("* `{name}`: {what}{req}"));
        }
        if lines.is_empty() {
            return Ok(String::new());
        }
        Ok(format!(
            "\n\nA `multipart/form-data` form ([`multipart::Form`]) with the parts:\n{}",
            lines.join("\n")
        ))
    }
}

/// A string schema whose `format` is `binary` (a file in multipart).
fn is_binary(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => {
            matches!(
                &st.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            ) || matches!(&st.format, VariantOrUnknownOrEmpty::Unknown(f) if f == "base64")
        }
        SchemaKind::Any(a) => a.format.as_deref() == Some("binary"),
        _ => false,
    }
}

/// A media type's essence: `Application/JSON; charset=utf-8` →
/// `application/json` (the type and subtype, lower case, no parameters).
pub(crate) fn media_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// preference: JSON, form, text, any other single-part type as bytes, then
/// `multipart/form-data`. Other `multipart/*` types are refused by the caller.
/// The body media type the generator uses from `content`, in order of
/// preference: JSON, form, text, any other single-part type as bytes, then
/// `multipart/form-data`. Other `multipart/*` types are refused by the caller.
pub(super) fn pick_media(
    content: &openapiv3::Content,
) -> Option<(&str, &openapiv3::MediaType, Media)> {
    if let Some((k, v)) = json_media(content) {
        return Some((k, v, Media::Json));
    }
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| media_essence(k) == "application/x-www-form-urlencoded")
    {
        return Some((k.as_str(), v, Media::Form));
    }
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| media_essence(k).starts_with("text/"))
    {
        return Some((k.as_str(), v, Media::Text));
    }
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| !media_essence(k).starts_with("multipart/"))
    {
        return Some((k.as_str(), v, Media::Bytes(media_essence(k))));
    }
    if let Some((k, v)) = content
        .iter()
        .find(|(k, _)| media_essence(k) == "multipart/form-data")
    {
        let encoding = v
            .encoding
            .iter()
            .filter_map(|(name, e)| Some((name.clone(), e.content_type.clone()?)))
            .collect();
        return Some((k.as_str(), v, Media::Multipart(encoding)));
    }
    None
}

/// Facts about a schema that its Rust type does not show, as doc sentences:
/// The JSON media type of `content`, `application/json` first.
pub(super) fn json_media(content: &openapiv3::Content) -> Option<(&str, &openapiv3::MediaType)> {
    content
        .iter()
        .find(|(k, _)| k.split(';').next().map(str::trim) == Some("application/json"))
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
        .map(|(k, v)| (k.as_str(), v))
}
