//! The one classification of a schema. Lowering ([`super::schemas`]), the
//! review diff (`review::diff`) and, through the lowered model, `API.md` all
//! read a schema through [`classify`], so they agree on what a schema is:
//! which Rust primitive a `type`/`format` pair maps to, when an object is a
//! map, what a `oneOf` or an `allOf` is.
//!
//! [`Kind`] is generic over how a sub-schema is held (`C`): lowering keeps
//! borrowed [`SRef`]s into the `openapiv3` document, the diff keeps JSON
//! nodes with their pointers.

use super::ir::Ty;
use super::refs::{view, view_box, SRef};
use crate::load::REF_PROPERTY;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

/// Properties of an object-like schema.
pub(crate) struct ObjView<'s, C> {
    /// `(wire name, schema)` in spec order.
    pub(crate) props: Vec<(&'s str, C)>,
    /// Names listed in `required`.
    pub(crate) required: Vec<&'s str>,
    /// `additionalProperties: false`.
    pub(crate) closed: bool,
}

/// What a schema is, before any naming.
pub(crate) enum Kind<'s, C> {
    /// An object with properties (or a closed one without).
    Object(ObjView<'s, C>),
    /// A string with `enum` values.
    StringEnum(Vec<String>),
    /// `oneOf` / `anyOf` alternatives.
    OneOf(Vec<C>),
    /// `allOf` members.
    AllOf(Vec<C>),
    /// An array and its `items`.
    Array(Option<C>),
    /// An object with only `additionalProperties` (its value schema, when
    /// one is given).
    Map(Option<C>),
    /// A primitive, as its Rust type.
    Prim(Ty),
    /// No constraint on the type: any JSON value.
    Any,
    /// A construct the generator refuses, by its keyword.
    Unsupported(&'static str),
}

impl<C> Kind<'_, C> {
    /// A short phrase for messages ("an object", "`i64`").
    pub(crate) fn label(&self) -> String {
        match self {
            Kind::Prim(p) => format!("`{}`", p.spelled()),
            Kind::StringEnum(_) => "a string enum".to_owned(),
            Kind::Array(_) => "an array".to_owned(),
            Kind::Map(_) => "a map".to_owned(),
            Kind::Object(_) => "an object".to_owned(),
            Kind::OneOf(_) => "a oneOf".to_owned(),
            Kind::AllOf(_) => "an allOf".to_owned(),
            Kind::Any => "any JSON value".to_owned(),
            Kind::Unsupported(what) => format!("`{what}`"),
        }
    }
}

/// Whether two union alternatives (classified; `None` for one that cannot
/// be, or is nullable) are exactly an integer and a plain string: the
/// union the runtime's `IntegerOrString` types. The generator and `diff`
/// both ask, so they agree.
pub(crate) fn integer_and_string<C>(a: Option<Kind<'_, C>>, b: Option<Kind<'_, C>>) -> bool {
    let side = |k: &Option<Kind<'_, C>>| match k {
        Some(Kind::Prim(Ty::I32 | Ty::I64 | Ty::U64)) => Some(true),
        Some(Kind::Prim(Ty::String)) => Some(false),
        _ => None,
    };
    matches!(
        (side(&a), side(&b)),
        (Some(true), Some(false)) | (Some(false), Some(true))
    )
}

/// Classifies one schema (not following `$ref`s: sub-schemas stay as they
/// are written).
pub(crate) fn classify(s: &Schema) -> Kind<'_, SRef<'_>> {
    // A JSON Schema keyword the model cannot honour (marked by the 3.1
    // reader): refused wherever the schema is used.
    if let Some(kw) = s
        .schema_data
        .extensions
        .get(crate::load::REFUSED)
        .and_then(|v| v.as_str())
    {
        if let Some(kw) = crate::load::REFUSED_KEYWORDS.iter().find(|k| **k == kw) {
            return Kind::Unsupported(kw);
        }
    }
    // An integer with a bound beyond `i64` (see `load::numbers`).
    if s.schema_data.extensions.contains_key(crate::load::WIDE) {
        return Kind::Prim(Ty::U64);
    }
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => {
            let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
            if values.is_empty() {
                let secret = matches!(
                    st.format,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Password)
                );
                Kind::Prim(if secret { Ty::Secret } else { Ty::String })
            } else {
                Kind::StringEnum(values)
            }
        }
        SchemaKind::Type(Type::Integer(it)) => Kind::Prim(match it.format {
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Ty::I32,
            _ => Ty::I64,
        }),
        SchemaKind::Type(Type::Number(nt)) => Kind::Prim(match nt.format {
            VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Ty::F32,
            _ => Ty::F64,
        }),
        SchemaKind::Type(Type::Boolean(_)) => Kind::Prim(Ty::Bool),
        SchemaKind::Type(Type::Array(at)) => Kind::Array(at.items.as_ref().map(view_box)),
        SchemaKind::Type(Type::Object(ot)) => object(
            ot.properties.iter().map(|(k, v)| (k.as_str(), view_box(v))),
            &ot.required,
            ot.additional_properties.as_ref(),
        ),
        SchemaKind::OneOf { one_of } => Kind::OneOf(one_of.iter().map(view).collect()),
        SchemaKind::AnyOf { any_of } => Kind::OneOf(any_of.iter().map(view).collect()),
        SchemaKind::AllOf { all_of } => Kind::AllOf(all_of.iter().map(view).collect()),
        SchemaKind::Not { .. } => Kind::Unsupported("not"),
        SchemaKind::Any(a) => {
            if !a.one_of.is_empty() {
                Kind::OneOf(a.one_of.iter().map(view).collect())
            } else if !a.any_of.is_empty() {
                Kind::OneOf(a.any_of.iter().map(view).collect())
            } else if !a.all_of.is_empty() {
                Kind::AllOf(a.all_of.iter().map(view).collect())
            } else if !a.properties.is_empty() || a.typ.as_deref() == Some("object") {
                if a.properties.is_empty() {
                    Kind::Map(additional(a.additional_properties.as_ref()))
                } else {
                    object(
                        a.properties.iter().map(|(k, v)| (k.as_str(), view_box(v))),
                        &a.required,
                        a.additional_properties.as_ref(),
                    )
                }
            } else if a.typ.as_deref() == Some("array") || a.items.is_some() {
                Kind::Array(a.items.as_ref().map(view_box))
            } else {
                let values: Vec<String> = a
                    .enumeration
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                let format = a.format.as_deref();
                match a.typ.as_deref() {
                    Some("string") if !values.is_empty() => Kind::StringEnum(values),
                    Some("string") => Kind::Prim(if format == Some("password") {
                        Ty::Secret
                    } else {
                        Ty::String
                    }),
                    Some("integer") => Kind::Prim(if format == Some("int32") {
                        Ty::I32
                    } else {
                        Ty::I64
                    }),
                    Some("number") => Kind::Prim(if format == Some("float") {
                        Ty::F32
                    } else {
                        Ty::F64
                    }),
                    Some("boolean") => Kind::Prim(Ty::Bool),
                    _ => Kind::Any,
                }
            }
        }
    }
}

/// An object schema: a map when it has no properties and is not closed.
fn object<'s>(
    props: impl Iterator<Item = (&'s str, SRef<'s>)>,
    required: &'s [String],
    extra: Option<&'s AdditionalProperties>,
) -> Kind<'s, SRef<'s>> {
    let closed = matches!(extra, Some(AdditionalProperties::Any(false)));
    // A property named `$ref` comes renamed from loading (see `load`).
    let unmask = |k: &'s str| if k == REF_PROPERTY { "$ref" } else { k };
    let props: Vec<(&str, SRef<'_>)> = props.map(|(k, v)| (unmask(k), v)).collect();
    if props.is_empty() && !closed {
        return Kind::Map(additional(extra));
    }
    Kind::Object(ObjView {
        props,
        required: required.iter().map(|r| unmask(r.as_str())).collect(),
        closed,
    })
}

fn additional(extra: Option<&AdditionalProperties>) -> Option<SRef<'_>> {
    match extra {
        Some(AdditionalProperties::Schema(v)) => Some(view(v)),
        _ => None,
    }
}

/// What an `allOf` of several members is.
pub(crate) enum AllOf<'s, C> {
    /// Every member that types anything is an object (or a map): their
    /// properties, merged.
    Object(ObjView<'s, C>),
    /// The member at this index is the meaning: the others only add docs or
    /// constraints (no type), or say the same primitive again. Its kind.
    One(usize, Kind<'s, C>),
    /// No member types anything: any JSON value.
    Any,
    /// The member at this index contradicts another one.
    Conflict(usize),
}

/// Merges the classified members of an `allOf` (each already resolved).
///
/// Members without a type (`description`, `nullable`, `maxLength`, ...)
/// add no type and are left out. What remains must agree: objects (and
/// maps) merge, the first declaration of a property winning and `required`
/// adding up; otherwise a single member, or several equal primitives (a
/// string `enum` beside plain strings), is what the `allOf` is. Anything
/// else (an object and a string, two different primitives) is a conflict.
pub(crate) fn all_of<'s, C>(members: Vec<Kind<'s, C>>) -> AllOf<'s, C> {
    let typed: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !matches!(m, Kind::Any))
        .map(|(i, _)| i)
        .collect();
    let is_obj = |m: &Kind<'s, C>| matches!(m, Kind::Object(_) | Kind::Map(_));
    let objects = typed
        .iter()
        .filter(|&&i| members.get(i).is_some_and(is_obj))
        .count();
    if typed.is_empty() {
        return AllOf::Any;
    }
    let one = |members: Vec<Kind<'s, C>>, i: usize| match members.into_iter().nth(i) {
        Some(k) => AllOf::One(i, k),
        None => AllOf::Any,
    };
    if let [only] = typed.as_slice() {
        // One typed member (an object too): that member, so a `$ref` stays a
        // reference (and a cycle through it stays breakable).
        return one(members, *only);
    }
    if objects == typed.len() {
        let mut merged = ObjView {
            props: Vec::new(),
            required: Vec::new(),
            closed: false,
        };
        for m in members {
            if let Kind::Object(o) = m {
                for (k, v) in o.props {
                    if !merged.props.iter().any(|(pk, _)| *pk == k) {
                        merged.props.push((k, v));
                    }
                }
                merged.required.extend(o.required);
            }
        }
        return AllOf::Object(merged);
    }
    let Some(&first) = typed.first() else {
        return AllOf::Any;
    };
    // A union beside other members is what cannot be merged: name it.
    if let Some(&u) = typed
        .iter()
        .find(|&&i| matches!(members.get(i), Some(Kind::OneOf(_))))
    {
        return AllOf::Conflict(u);
    }
    // Several typed members, not all objects: equal primitives only.
    let prim = |m: &Kind<'s, C>| match m {
        Kind::Prim(Ty::Secret) | Kind::StringEnum(_) => Some(Ty::String),
        Kind::Prim(t) => Some(t.clone()),
        _ => None,
    };
    let base = members.get(first).and_then(prim);
    let mut pick = first;
    for &i in &typed {
        let Some(m) = members.get(i) else { continue };
        if base.is_none() || prim(m) != base {
            return AllOf::Conflict(i);
        }
        // The most specific member: an enum or a secret over a plain string.
        if matches!(m, Kind::StringEnum(_) | Kind::Prim(Ty::Secret)) {
            pick = i;
        }
    }
    one(members, pick)
}
