//! Schemas: component and inline schemas lowered to model types.

use super::classify::{all_of, classify, integer_and_string, AllOf, Kind, ObjView};
use super::refs::{unescape, view, SRef};
use super::{Lowerer, State};
use crate::error::{ptr, Error};
use crate::model::{
    ExternalVariant, Field, Shape, TaggedVariant, Ty, TypeDef, TypeKind, Variant, INTEGER_OR_STRING,
};
use crate::names::{self, Names};
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

impl<'a> Lowerer<'a> {
    /// A component schema, lowered once; returns `Named` (boxed on a cycle).
    pub(super) fn lower_component(&mut self, key: &str, pointer: &str) -> Result<Ty, Error> {
        let Some(rust) = self.comp_names.get(key).cloned() else {
            return Err(self.err(pointer, format!("dangling $ref to schema `{key}`")));
        };
        // One of a family of identical schemas stands for all of them.
        let key = match self.canonical.get(key) {
            Some(c) => c.clone(),
            None => key.to_owned(),
        };
        let key = key.as_str();
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
                        origin: Vec::new(),
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
                            origin: Vec::new(),
                            kind: TypeKind::Alias(ty),
                        },
                    );
                }
            }
        }
        let members = self.members.get(key).cloned().unwrap_or_default();
        if let Some(t) = self.types.get_mut(&rust) {
            t.origin = members;
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

    /// The error for a construct the generator refuses: a JSON Schema
    /// keyword is named in the pointer too (`.../prefixItems`).
    fn unsupported(&self, pointer: &str, what: &str) -> Error {
        if crate::load::REFUSED_KEYWORDS.contains(&what) {
            return self.err(
                ptr(pointer, &[what]),
                format!(
                    "unsupported JSON Schema keyword `{what}` in a schema this document uses: \
                     the generator cannot type it (and will not drop the constraint)"
                ),
            );
        }
        self.err(
            pointer,
            format!("unsupported schema construct `{what}`: the generator cannot type it"),
        )
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
    pub(super) fn define(
        &mut self,
        s: &'a Schema,
        name: &str,
        secret: bool,
        pointer: &str,
        doc: &str,
    ) -> Result<Option<Ty>, Error> {
        // Inline schemas nest only as deep as the document, but merged
        // `allOf` members are lowered inline and may lead back to themselves.
        if self.depth > 128 {
            return Err(self.err(
                pointer,
                "schemas nested too deeply (an `allOf` that includes itself?)",
            ));
        }
        self.depth += 1;
        let made = self.define_inner(s, name, secret, pointer, doc);
        self.depth -= 1;
        made
    }

    fn define_inner(
        &mut self,
        s: &'a Schema,
        name: &str,
        secret: bool,
        pointer: &str,
        doc: &str,
    ) -> Result<Option<Ty>, Error> {
        let kind = match classify(s) {
            Kind::Prim(Ty::String) if secret => return Ok(Some(Ty::Secret)),
            Kind::Prim(t) => return Ok(Some(t)),
            Kind::Any => return Ok(Some(Ty::Value)),
            Kind::Unsupported(what) => return Err(self.unsupported(pointer, what)),
            Kind::Array(items) => {
                let item = self.element(items, name, "Item", pointer, "items")?;
                return Ok(Some(Ty::Vec(Box::new(item))));
            }
            Kind::Map(additional) => {
                let value =
                    self.element(additional, name, "Value", pointer, "additionalProperties")?;
                return Ok(Some(Ty::Map(Box::new(value))));
            }
            Kind::StringEnum(values) => string_enum(s, values, Vec::new()),
            Kind::Object(obj) => self.lower_struct(obj, name, pointer)?,
            Kind::AllOf(members) => {
                if let (1, Some(m)) = (members.len(), members.first()) {
                    let mp = ptr(pointer, &["allOf", "0"]);
                    return match m {
                        SRef::Item(ms) => self.define(ms, name, secret, &mp, doc),
                        SRef::Ref(_) => self.lower(*m, name, secret, &mp).map(Some),
                    };
                }
                let flat = self.all_of_members(&members, pointer, 0)?;
                for (_, m, mp) in &flat {
                    if let Kind::Unsupported(what) = classify(m) {
                        return Err(self.unsupported(mp, what));
                    }
                }
                if let Some(kind) = self.object_with_union(&flat, name, pointer)? {
                    kind
                } else {
                    let kinds = flat.iter().map(|(_, m, _)| classify(m)).collect();
                    let merged = match all_of(kinds) {
                        AllOf::Object(merged) => merged,
                        AllOf::Any => return Ok(Some(Ty::Value)),
                        AllOf::One(i, _) => {
                            let Some((m, ms, mp)) = flat.get(i) else {
                                return Ok(Some(Ty::Value));
                            };
                            return match m {
                                SRef::Item(_) => self.define(ms, name, secret, mp, doc),
                                SRef::Ref(_) => self.lower(*m, name, secret, mp).map(Some),
                            };
                        }
                        AllOf::Conflict(i) => {
                            let member = flat.get(i);
                            let mp = member.map_or(pointer, |(_, _, p)| p.as_str());
                            let union = member
                                .is_some_and(|(_, m, _)| matches!(classify(m), Kind::OneOf(_)));
                            return Err(self.err(mp, all_of_conflict(union)));
                        }
                    };
                    self.lower_struct(merged, name, pointer)?
                }
            }
            Kind::OneOf(alts) => {
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
                if s.schema_data.discriminator.is_none() && self.integer_or_string(&alts) {
                    return Ok(Some(Ty::Named(INTEGER_OR_STRING.to_owned())));
                }
                self.lower_one_of(s, &alts, name, pointer)?
            }
        };
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: name.to_owned(),
                doc: doc.to_owned(),
                origin: vec![pointer.to_owned()],
                kind,
            },
        );
        Ok(None)
    }

    /// An `allOf` of objects and one `oneOf`/`anyOf` whose alternatives are
    /// all objects: a struct of the objects' merged fields with the union
    /// flattened into it (`#[serde(flatten)]`). `None` when the members are
    /// not of that form (the plain merge then decides).
    fn object_with_union(
        &mut self,
        flat: &[(SRef<'a>, &'a Schema, String)],
        name: &str,
        pointer: &str,
    ) -> Result<Option<TypeKind>, Error> {
        let kinds: Vec<Kind<'a, SRef<'a>>> = flat.iter().map(|(_, m, _)| classify(m)).collect();
        let unions: Vec<usize> = (0..kinds.len())
            .filter(|&i| matches!(kinds.get(i), Some(Kind::OneOf(_))))
            .collect();
        let [u] = unions.as_slice() else {
            return Ok(None);
        };
        let objects_only = kinds
            .iter()
            .enumerate()
            .all(|(i, k)| i == *u || matches!(k, Kind::Object(_) | Kind::Map(_) | Kind::Any));
        let Some(Kind::OneOf(alts)) = kinds.get(*u) else {
            return Ok(None);
        };
        // serde's flatten hands the union a map of the remaining keys: every
        // alternative must be an object for that to decode.
        let mut alt_objects = !alts.is_empty();
        for a in alts {
            let (schema, _) = self.deref(*a, pointer)?;
            alt_objects &= matches!(
                classify(schema),
                Kind::Object(_) | Kind::Map(_) | Kind::AllOf(_)
            );
        }
        if !objects_only || !alt_objects {
            return Ok(None);
        }
        let Some((union_ref, union_schema, union_ptr)) = flat.get(*u) else {
            return Ok(None);
        };
        // The other members merge as any `allOf` of objects does.
        let others: Vec<Kind<'a, SRef<'a>>> = kinds
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i != u)
            .map(|(_, k)| k)
            .collect();
        let mut merged = match all_of(others) {
            AllOf::Object(o) | AllOf::One(_, Kind::Object(o)) => o,
            _ => ObjView {
                props: Vec::new(),
                required: Vec::new(),
                closed: false,
            },
        };
        // A discriminator property is read by the union: leave it to it.
        if let Some(tag) = union_schema.schema_data.discriminator.as_ref() {
            let tag = tag.property_name.as_str();
            merged.props.retain(|(k, _)| *k != tag);
        }
        let TypeKind::Struct { mut fields, .. } = self.lower_struct(merged, name, pointer)? else {
            return Ok(None);
        };
        let hint = format!("{name}Variant");
        self.short_for(name, &hint, "Variant");
        let ty = self.lower(*union_ref, &hint, false, union_ptr)?;
        let mut rust = "variant".to_owned();
        let mut n = 1;
        while fields.iter().any(|f| f.rust == rust) {
            n += 1;
            rust = format!("variant_{n}");
        }
        fields.push(Field {
            rust,
            wire: String::new(),
            ty: ty.clone(),
            inner: ty,
            optional: false,
            skip_none: false,
            read_only: false,
            flatten: true,
            doc: format!(
                "Which of several shapes this object also is (the `oneOf`/`anyOf` at `{union_ptr}`); \
                 its fields sit beside the others on the wire."
            ),
        });
        // Unknown fields belong to the union's alternatives: never closed.
        Ok(Some(TypeKind::Struct {
            fields,
            closed: false,
        }))
    }

    /// The members of an `allOf`, resolved, with nested `allOf`s (inline or
    /// referenced) flattened into the list, each with its pointer.
    fn all_of_members(
        &self,
        members: &[SRef<'a>],
        pointer: &str,
        depth: usize,
    ) -> Result<Vec<(SRef<'a>, &'a Schema, String)>, Error> {
        if depth > 32 {
            return Err(self.err(pointer, "allOf nested too deeply"));
        }
        let mut out = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let mp = ptr(pointer, &["allOf", &i.to_string()]);
            let (ms, _) = self.deref(*m, &mp)?;
            match classify(ms) {
                Kind::AllOf(inner) => out.extend(self.all_of_members(&inner, &mp, depth + 1)?),
                _ => out.push((*m, ms, mp)),
            }
        }
        Ok(out)
    }

    pub(super) fn lower_struct(
        &mut self,
        obj: ObjView<'a, SRef<'a>>,
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        let mut fnames = Names::default();
        let mut fields = Vec::new();
        for (wire, sref) in obj.props {
            let fp = ptr(pointer, &["properties", wire]);
            let rust = fnames.claim(&names::value_name(wire));
            let hint = format!("{name}{}", names::type_name(wire));
            self.shorts
                .insert(names::type_name(&hint), names::type_name(wire));
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
                flatten: false,
                // No filler ("The `x` property.") when the document says
                // nothing: the field name already says it.
                doc: format!("{}{}", desc.unwrap_or_default(), schema_notes(schema))
                    .trim()
                    .to_owned(),
            });
        }
        Ok(TypeKind::Struct {
            fields,
            closed: obj.closed,
        })
    }

    pub(super) fn nullable_and_doc(
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

    pub(super) fn shape_of(&self, s: SRef<'a>, pointer: &str) -> Result<Shape, Error> {
        let (schema, _) = self.deref(s, pointer)?;
        let obj_shape = |o: &ObjView<'_, SRef<'_>>| Shape {
            kind: "Object",
            required: o.required.iter().map(|r| (*r).to_owned()).collect(),
            known: o.props.iter().map(|(k, _)| (*k).to_owned()).collect(),
            closed: o.closed,
        };
        Ok(match classify(schema) {
            Kind::Object(o) => obj_shape(&o),
            Kind::Map(_) => Shape {
                kind: "Object",
                ..Shape::default()
            },
            Kind::StringEnum(_) => Shape {
                kind: "String",
                ..Shape::default()
            },
            Kind::Array(_) => Shape {
                kind: "Array",
                ..Shape::default()
            },
            Kind::Prim(t) => Shape {
                kind: match t {
                    Ty::Bool => "Boolean",
                    Ty::I32 | Ty::I64 | Ty::U64 => "Integer",
                    Ty::F32 | Ty::F64 => "Number",
                    _ => "String",
                },
                ..Shape::default()
            },
            Kind::AllOf(members) => {
                let mut shape = Shape {
                    kind: "Object",
                    ..Shape::default()
                };
                for m in members {
                    let inner = self.shape_of(m, pointer)?;
                    if inner.kind == "Any" {
                        continue;
                    }
                    if inner.kind != "Object" {
                        return Ok(inner);
                    }
                    shape.required.extend(inner.required);
                    shape.known.extend(inner.known);
                }
                shape
            }
            Kind::OneOf(_) | Kind::Any | Kind::Unsupported(_) => Shape {
                kind: "Any",
                ..Shape::default()
            },
        })
    }

    pub(super) fn lower_one_of(
        &mut self,
        s: &'a Schema,
        alts: &[SRef<'a>],
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        if let Some(kind) = string_union(s, alts) {
            return Ok(kind);
        }
        if let Some(kind) = self.tagged_union(s, alts, name, pointer)? {
            return Ok(kind);
        }
        if let Some(kind) = self.external_union(s, alts, name, pointer)? {
            return Ok(kind);
        }
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
                        Ty::I32 | Ty::I64 | Ty::U64 => "Integer".to_owned(),
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
        // Without a mapping, an alternative whose tag property allows one
        // value (`const: cat`, pydantic's `Literal`; `enum: [cat]`) is sent
        // with that value; otherwise the schema's name is the tag.
        let fixed_tags: Vec<Option<String>> = match s.schema_data.discriminator.as_ref() {
            Some(d) if d.mapping.is_empty() => alts
                .iter()
                .map(|a| self.fixed_tag(*a, &d.property_name, pointer))
                .collect(),
            _ => Vec::new(),
        };
        let discriminator = s.schema_data.discriminator.as_ref().map(|d| {
            let mut map = Vec::new();
            if d.mapping.is_empty() {
                for (i, k) in keys.iter().enumerate() {
                    if let Some(k) = k {
                        let tag = fixed_tags.get(i).cloned().flatten();
                        map.push((tag.unwrap_or_else(|| k.clone()), i));
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

    /// A union lowered as one internally tagged enum
    /// ([`TypeKind::TaggedUnion`]), or `None` when it is not of that form
    /// (the general [`TypeKind::OneOf`] then types it, unchanged). The rule
    /// is conservative, so that the enum reads and writes the documents the
    /// general form does (the tag written once, in the same property):
    /// * every alternative is an inline object schema, not nullable (a
    ///   `$ref` keeps its component type, which other places may use);
    /// * one property that every alternative lists in `required` with a
    ///   string `enum` of exactly one value (a 3.1 `const` reads as one),
    ///   not nullable, not `readOnly`/`writeOnly` (those would make it an
    ///   `Option`), the values distinct. The first such property of the
    ///   first alternative is the tag; a `discriminator` must name it, and
    ///   its `mapping`, if any, must send each value to the alternative
    ///   with that value;
    /// * every alternative says `additionalProperties: false`, or none does
    ///   (serde's `deny_unknown_fields` is one switch for the whole enum).
    ///
    /// The alternatives' structs and one-value tag enums are not made: each
    /// becomes a struct variant holding its other properties.
    fn tagged_union(
        &mut self,
        s: &'a Schema,
        alts: &[SRef<'a>],
        name: &str,
        pointer: &str,
    ) -> Result<Option<TypeKind>, Error> {
        let keyword = match s.schema_kind {
            SchemaKind::AnyOf { .. } => "anyOf",
            _ => "oneOf",
        };
        let Some(members) = inline_objects(alts, keyword, pointer) else {
            return Ok(None);
        };
        let Some((_, first, _)) = members.first() else {
            return Ok(None);
        };
        if members.len() < 2 || members.iter().any(|(_, o, _)| o.closed != first.closed) {
            return Ok(None);
        }
        // The values of `prop` in every alternative, when it can be the tag.
        let values_of = |prop: &str| -> Option<Vec<String>> {
            let mut values: Vec<String> = Vec::new();
            for (_, obj, mp) in &members {
                let (_, schema) = obj.props.iter().find(|(k, _)| *k == prop)?;
                if !obj.required.contains(&prop) {
                    return None;
                }
                let value = self.single_value(*schema, mp)?;
                if values.contains(&value) {
                    return None;
                }
                values.push(value);
            }
            Some(values)
        };
        let discriminator = s.schema_data.discriminator.as_ref();
        let found = match discriminator {
            Some(d) => values_of(&d.property_name).map(|v| (d.property_name.clone(), v)),
            None => first
                .props
                .iter()
                .find_map(|(k, _)| values_of(k).map(|v| ((*k).to_owned(), v))),
        };
        let Some((tag, values)) = found else {
            return Ok(None);
        };
        if let Some(d) = discriminator {
            for (wire, target) in &d.mapping {
                let Some(i) = values.iter().position(|v| v == wire) else {
                    return Ok(None);
                };
                if *target != ptr(pointer, &[keyword, &i.to_string()]) {
                    return Ok(None);
                }
            }
        }
        let closed = first.closed;
        let mut vn = Names::with_reserved(&[crate::model::UNKNOWN_VARIANT]);
        let mut variants = Vec::new();
        for ((schema, mut obj, mp), wire) in members.into_iter().zip(values) {
            let vname = vn.claim(&names::variant_name(&wire));
            obj.props.retain(|(k, _)| *k != tag);
            obj.required.retain(|k| *k != tag);
            // Inline types inside are named after the variant
            // (`DiskSourceBlankOptions`), as if it were a struct of its own.
            let fields = match self.lower_struct(obj, &format!("{name}{vname}"), &mp)? {
                TypeKind::Struct { fields, .. } => fields,
                _ => Vec::new(),
            };
            let doc = schema
                .schema_data
                .description
                .clone()
                .or_else(|| schema.schema_data.title.clone())
                .unwrap_or_else(|| format!("The alternative whose `{tag}` is `{wire}`."));
            variants.push(TaggedVariant {
                name: vname,
                wire,
                doc,
                fields,
            });
        }
        Ok(Some(TypeKind::TaggedUnion {
            tag,
            variants,
            closed,
        }))
    }

    /// A union lowered as one externally tagged enum
    /// ([`TypeKind::ExternalUnion`]), or `None` when it is not of that form.
    /// The rule:
    /// * `oneOf` (not `anyOf`: an object with two of the properties would
    ///   match two alternatives), no `discriminator`, two or more
    ///   alternatives;
    /// * every alternative is an inline object schema, not nullable, with
    ///   exactly one property, which it lists in `required`, the names
    ///   distinct.
    ///
    /// serde reads and writes such an enum as an object with one property
    /// naming the variant, which is what the document describes. The
    /// alternatives' structs are not made: the property's type is the
    /// variant's payload, its inline types named after the union
    /// (`BootDiskOk`). An object with another property as well, which the
    /// general form would decode when the alternative allows it, is an
    /// error here: the enum's documentation says so.
    fn external_union(
        &mut self,
        s: &'a Schema,
        alts: &[SRef<'a>],
        name: &str,
        pointer: &str,
    ) -> Result<Option<TypeKind>, Error> {
        if !matches!(s.schema_kind, SchemaKind::OneOf { .. })
            || s.schema_data.discriminator.is_some()
            || alts.len() < 2
        {
            return Ok(None);
        }
        let Some(objects) = inline_objects(alts, "oneOf", pointer) else {
            return Ok(None);
        };
        let mut members = Vec::new();
        for (schema, obj, mp) in objects {
            let [(wire, _)] = obj.props.as_slice() else {
                return Ok(None);
            };
            let wire = *wire;
            if obj.required.as_slice() != [wire] || members.iter().any(|(_, w, _, _)| *w == wire) {
                return Ok(None);
            }
            members.push((schema, wire, obj, mp));
        }
        let mut vn = Names::default();
        let mut variants = Vec::new();
        for (schema, wire, obj, mp) in members {
            let TypeKind::Struct { mut fields, .. } = self.lower_struct(obj, name, &mp)? else {
                return Ok(None);
            };
            let Some(field) = fields.pop() else {
                return Ok(None);
            };
            let doc = schema
                .schema_data
                .description
                .clone()
                .or_else(|| schema.schema_data.title.clone())
                .or_else(|| (!field.doc.is_empty()).then(|| field.doc.clone()))
                .unwrap_or_else(|| format!("The alternative written as `{{\"{wire}\": ...}}`."));
            variants.push(ExternalVariant {
                name: vn.claim(&names::variant_name(wire)),
                wire: wire.to_owned(),
                doc,
                ty: field.ty,
            });
        }
        Ok(Some(TypeKind::ExternalUnion { variants }))
    }

    /// The one value a tag property's schema allows: a string `enum` of
    /// exactly one (non-null) value that reads as a required, non-`Option`
    /// field (not nullable, not `readOnly`/`writeOnly`).
    fn single_value(&self, prop: SRef<'a>, pointer: &str) -> Option<String> {
        let (p, _) = self.deref(prop, pointer).ok()?;
        let data = &p.schema_data;
        if data.nullable || data.read_only || data.write_only {
            return None;
        }
        if !matches!(classify(p), Kind::StringEnum(_)) {
            return None;
        }
        match &p.schema_kind {
            SchemaKind::Type(Type::String(st)) => match st.enumeration.as_slice() {
                [Some(v)] => Some(v.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The one value an alternative's tag property allows (a string `enum`
    /// of one value, which is also what `const` reads as), through `allOf`s.
    fn fixed_tag(&self, alt: SRef<'a>, tag: &str, pointer: &str) -> Option<String> {
        let (schema, _) = self.deref(alt, pointer).ok()?;
        match classify(schema) {
            Kind::Object(o) => {
                let (_, prop) = o.props.iter().find(|(k, _)| *k == tag)?;
                let (p, _) = self.deref(*prop, pointer).ok()?;
                match classify(p) {
                    Kind::StringEnum(values) if values.len() == 1 => values.into_iter().next(),
                    _ => None,
                }
            }
            Kind::AllOf(members) => members
                .iter()
                .find_map(|m| self.fixed_tag(*m, tag, pointer)),
            _ => None,
        }
    }

    /// Lowers a schema used somewhere; inline definitions get `hint` as name.
    pub(super) fn lower(
        &mut self,
        s: SRef<'a>,
        hint: &str,
        secret: bool,
        pointer: &str,
    ) -> Result<Ty, Error> {
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
                    classify(schema),
                    Kind::Object(_) | Kind::StringEnum(_) | Kind::OneOf(_) | Kind::AllOf(_)
                );
                let hinted = names::type_name(hint);
                let name = if needs_def {
                    self.names.claim(&hinted)
                } else {
                    hinted.clone()
                };
                if let Some(short) = self.shorts.get(&hinted) {
                    if needs_def {
                        self.wants.insert(name.clone(), short.clone());
                    } else if name != hinted {
                        self.shorts.insert(name.clone(), short.clone());
                    }
                }
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

    /// Whether a union is exactly "an integer or a string" (plain ones: no
    /// `enum`, no secret), which the runtime's `IntegerOrString` types.
    fn integer_or_string(&self, alts: &[SRef<'a>]) -> bool {
        let [a, b] = alts else { return false };
        let kind = |r: &SRef<'a>| match self.deref(*r, "") {
            Ok((schema, _)) if !schema.schema_data.nullable => Some(classify(schema)),
            _ => None,
        };
        integer_and_string(kind(a), kind(b))
    }

    /// The element type of an array (`items`) or a map
    /// (`additionalProperties`) named `container`: an inline element is
    /// named `{container}{suffix}`; none given is any JSON value.
    fn element(
        &mut self,
        schema: Option<SRef<'a>>,
        container: &str,
        suffix: &str,
        pointer: &str,
        keyword: &str,
    ) -> Result<Ty, Error> {
        let Some(schema) = schema else {
            return Ok(Ty::Value);
        };
        let hint = format!("{container}{suffix}");
        self.short_for(container, &hint, suffix);
        let at = ptr(pointer, &[keyword]);
        let ty = self.lower(schema, &hint, false, &at)?.unboxed();
        // A nullable element (`items: {$ref: X}` where X says `nullable:
        // true`) may be `null` in the array or map.
        let (nullable, _) = self.nullable_and_doc(schema, &at)?;
        Ok(match ty {
            Ty::Option(_) | Ty::Value => ty,
            _ if nullable => Ty::Option(Box::new(ty)),
            _ => ty,
        })
    }

    /// Carries a short name from a container to the type inside it (an
    /// array property `tags` of inline objects: `TagsItem`).
    fn short_for(&mut self, container: &str, hint: &str, suffix: &str) {
        if let Some(short) = self.shorts.get(container) {
            let short = format!("{short}{suffix}");
            self.shorts.insert(names::type_name(hint), short);
        }
    }

    pub(super) fn underlying(&self, ty: &Ty) -> Ty {
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
}

pub(super) fn schema_notes(schema: &Schema) -> String {
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

fn type_label(ty: &Ty) -> String {
    match ty {
        Ty::Named(n) => n.clone(),
        Ty::String => "String".into(),
        Ty::Secret => "SecretString".into(),
        _ => "the target type".into(),
    }
}

/// Why an `allOf` cannot be typed, for the member that breaks it (`union`:
/// that member is a `oneOf`/`anyOf`).
fn all_of_conflict(union: bool) -> &'static str {
    if union {
        "unsupported `allOf`: this `oneOf`/`anyOf` member sits beside other typed members \
         (or beside the schema's own properties), and it cannot be a flattened field: an \
         alternative is not an object, or there is more than one union, or another member \
         is not an object"
    } else {
        "unsupported `allOf`: its members contradict each other \
         (this one is neither an object to merge nor the same primitive)"
    }
}

/// An alternative of a union written inline as an object: its schema, its
/// object view and its JSON pointer.
type InlineObject<'a> = (&'a Schema, ObjView<'a, SRef<'a>>, String);

/// The alternatives of a union (`keyword`: `oneOf` or `anyOf`) when each is
/// an inline object schema that is not nullable; `None` otherwise (a `$ref`
/// keeps its component type, which other places may use).
fn inline_objects<'a>(
    alts: &[SRef<'a>],
    keyword: &str,
    pointer: &str,
) -> Option<Vec<InlineObject<'a>>> {
    alts.iter()
        .enumerate()
        .map(|(i, alt)| {
            let SRef::Item(schema) = alt else {
                return None;
            };
            let Kind::Object(obj) = classify(schema) else {
                return None;
            };
            (!schema.schema_data.nullable)
                .then(|| (*schema, obj, ptr(pointer, &[keyword, &i.to_string()])))
        })
        .collect()
}

/// A union of inline string enums, the values distinct, as one
/// [`TypeKind::StringEnum`] of every value, each documented by its
/// alternative; `None` when it is not of that form. schemars writes a Rust
/// enum of documented unit variants so (`oneOf: [{type: string, enum:
/// [speed0_g], description: ...}, ...]`): one enum, not an enum over one
/// one-value enum per alternative. Like any string enum it keeps a value
/// the spec does not list (`Other`).
fn string_union(s: &Schema, alts: &[SRef<'_>]) -> Option<TypeKind> {
    if s.schema_data.discriminator.is_some() || alts.len() < 2 {
        return None;
    }
    let mut values: Vec<(String, String)> = Vec::new();
    for alt in alts {
        let SRef::Item(schema) = alt else {
            return None;
        };
        let Kind::StringEnum(vs) = classify(schema) else {
            return None;
        };
        if schema.schema_data.nullable {
            return None;
        }
        let data = &schema.schema_data;
        let doc = data.description.clone().or_else(|| data.title.clone());
        for v in vs {
            if values.iter().any(|(w, _)| *w == v) {
                return None;
            }
            values.push((v, doc.clone().unwrap_or_default()));
        }
    }
    let (values, docs): (Vec<String>, Vec<String>) = values.into_iter().unzip();
    let docs = if docs.iter().any(|d| !d.is_empty()) {
        docs
    } else {
        Vec::new()
    };
    Some(string_enum(s, values, docs))
}

/// A [`TypeKind::StringEnum`] of `values` (variant names claimed beside
/// `Other`), its default the schema's `default` when it is one of them.
fn string_enum(s: &Schema, values: Vec<String>, docs: Vec<String>) -> TypeKind {
    let mut vn = Names::with_reserved(&["Other"]);
    let default = s
        .schema_data
        .default
        .as_ref()
        .and_then(|d| d.as_str())
        .and_then(|d| values.iter().position(|v| v == d));
    let variants = values
        .into_iter()
        .map(|v| (vn.claim(&names::variant_name(&v)), v))
        .collect();
    TypeKind::StringEnum {
        variants,
        default,
        docs,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{lower, Api, TypeKind};

    /// Lowers a document whose one operation returns `Holder`, with the
    /// component schemas given (YAML, indented four spaces).
    fn api(schemas: &str) -> Api {
        let yaml = format!(
            "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Holder'}}}}}}}}\ncomponents:\n  schemas:\n{schemas}"
        );
        let doc = crate::load::load(yaml.as_bytes(), "t.yaml").expect("loads");
        lower(&doc, "t.yaml", &[]).expect("lowers")
    }

    /// Whether `Holder` keeps the general form of a union (an enum of one
    /// type per alternative).
    fn general_form(schemas: &str) -> bool {
        matches!(
            api(schemas).type_def("Holder").map(|t| &t.kind),
            Some(TypeKind::OneOf { .. })
        )
    }

    fn names(api: &Api) -> Vec<&str> {
        api.types.iter().map(|t| t.name.as_str()).collect()
    }

    /// `Holder` as a union of two inline objects; `a` and `b` are the
    /// alternatives' extra YAML (each a flow mapping's inside).
    fn union(extra: &str, a: &str, b: &str) -> String {
        format!(
            "    Holder:\n      {extra}\n      oneOf:\n        - {{type: object, {a}}}\n        - {{type: object, {b}}}\n"
        )
    }

    const A: &str =
        "required: [kind, n], properties: {kind: {type: string, enum: [a]}, n: {type: integer}}";
    const B: &str =
        "required: [kind], properties: {kind: {type: string, enum: [b]}, m: {type: string}}";

    /// Inline string enums, the values distinct: one string enum of every
    /// value, each documented by its alternative; every near miss keeps the
    /// general form.
    #[test]
    fn a_union_of_string_enums_is_one_string_enum() {
        let holder = |alts: &str| format!("    Holder:\n      oneOf:\n{alts}");
        let a = api(&holder(
            "        - {type: string, enum: [a], description: The first.}\n        - {type: string, enum: [b, c]}\n",
        ));
        assert_eq!(names(&a), ["Holder"]);
        let Some(TypeKind::StringEnum { variants, docs, .. }) =
            a.type_def("Holder").map(|t| &t.kind)
        else {
            panic!("Holder is a string enum")
        };
        let wires: Vec<&str> = variants.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(wires, ["a", "b", "c"]);
        assert_eq!(docs, &["The first.", "", ""]);
        for alts in [
            "        - {type: string, enum: [a]}\n        - {type: string, enum: [a]}\n",
            "        - {type: string, enum: [a]}\n        - {type: integer}\n",
            "        - {type: string, enum: [a]}\n        - {type: string, enum: [b], nullable: true}\n",
            "        - {type: string, enum: [a]}\n        - {$ref: '#/components/schemas/B'}\n",
        ] {
            let text = format!("{}    B: {{type: string, enum: [b]}}\n", holder(alts));
            assert!(general_form(&text), "{alts}");
        }
    }

    /// Objects of one required property each: one enum of a newtype variant
    /// per property name; every near miss keeps the general form.
    #[test]
    fn objects_of_one_required_property_are_one_externally_tagged_enum() {
        const OK: &str = "required: [ok], properties: {ok: {type: integer}}";
        const ERR: &str = "required: [err], properties: {err: {type: string}}";
        let a = api(&union("description: u", OK, ERR));
        assert_eq!(names(&a), ["Holder"]);
        let Some(TypeKind::ExternalUnion { variants }) = a.type_def("Holder").map(|t| &t.kind)
        else {
            panic!("Holder is an externally tagged union")
        };
        let shown: Vec<(&str, &str)> = variants
            .iter()
            .map(|v| (v.name.as_str(), v.wire.as_str()))
            .collect();
        assert_eq!(shown, [("Ok", "ok"), ("Err", "err")]);
        for (extra, a, b) in [
            ("description: anyOf", OK, ERR),
            ("discriminator: {propertyName: ok}", OK, ERR),
            (
                "description: not required",
                "properties: {ok: {type: integer}}",
                ERR,
            ),
            (
                "description: a second property",
                OK,
                "required: [err], properties: {err: {type: string}, x: {type: string}}",
            ),
            ("description: one name twice", OK, OK),
            (
                "description: nullable",
                OK,
                "nullable: true, required: [err], properties: {err: {type: string}}",
            ),
        ] {
            let text = union(extra, a, b);
            let text = if extra.contains("anyOf") {
                text.replace("oneOf", "anyOf")
            } else {
                text
            };
            assert!(general_form(&text), "{extra}");
        }
    }

    #[test]
    fn inline_objects_with_a_one_value_tag_are_one_tagged_enum() {
        let a = api(&union("description: u", A, B));
        // No struct per alternative, no one-value tag enum.
        assert_eq!(names(&a), ["Holder"]);
        let Some(TypeKind::TaggedUnion {
            tag,
            variants,
            closed,
        }) = a.type_def("Holder").map(|t| &t.kind)
        else {
            panic!("Holder is a tagged union")
        };
        assert_eq!(tag, "kind");
        assert!(!closed);
        let shown: Vec<(&str, &str, Vec<&str>)> = variants
            .iter()
            .map(|v| {
                let fields = v.fields.iter().map(|f| f.wire.as_str()).collect();
                (v.name.as_str(), v.wire.as_str(), fields)
            })
            .collect();
        assert_eq!(shown, [("A", "a", vec!["n"]), ("B", "b", vec!["m"])]);
        assert!(variants[1].fields[0].optional);
    }

    #[test]
    fn the_catch_all_name_and_colliding_values_get_other_names() {
        let a = api(&union(
            "description: u",
            "required: [kind], properties: {kind: {type: string, enum: [unknown]}}",
            "required: [kind], properties: {kind: {type: string, enum: [Unknown]}}",
        ));
        let Some(TypeKind::TaggedUnion { variants, .. }) = a.type_def("Holder").map(|t| &t.kind)
        else {
            panic!("Holder is a tagged union")
        };
        let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["Unknown2", "Unknown3"]);
    }

    #[test]
    fn a_discriminator_names_the_tag_and_its_mapping_must_agree() {
        let a = api(&union("discriminator: {propertyName: kind}", A, B));
        assert!(matches!(
            a.type_def("Holder").map(|t| &t.kind),
            Some(TypeKind::TaggedUnion { .. })
        ));
        let mapped = api(&union(
            "discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/Holder/oneOf/0', b: '#/components/schemas/Holder/oneOf/1'}}",
            A,
            B,
        ));
        assert!(matches!(
            mapped.type_def("Holder").map(|t| &t.kind),
            Some(TypeKind::TaggedUnion { .. })
        ));
        // A mapping that sends a value elsewhere, or a discriminator on
        // another property, keeps the general form.
        for extra in [
            "discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/Holder/oneOf/1'}}",
            "discriminator: {propertyName: n}",
        ] {
            let near = api(&union(extra, A, B));
            assert!(
                matches!(
                    near.type_def("Holder").map(|t| &t.kind),
                    Some(TypeKind::OneOf { .. })
                ),
                "{extra}"
            );
        }
    }

    #[test]
    fn near_misses_keep_the_general_form() {
        let b_with = |kind: &str, required: &str| {
            format!("required: [{required}], properties: {{kind: {kind}}}")
        };
        let cases = [
            // Two values: not a fixed tag.
            b_with("{type: string, enum: [b, c]}", "kind"),
            // Not required, nullable, read-only: the field is an `Option`.
            b_with("{type: string, enum: [b]}", ""),
            b_with("{type: string, enum: [b], nullable: true}", "kind"),
            b_with("{type: string, enum: [b], readOnly: true}", "kind"),
            // The same value twice.
            b_with("{type: string, enum: [a]}", "kind"),
            // Not a string.
            b_with("{type: integer, enum: [2]}", "kind"),
            // Closed while the other is open.
            format!("additionalProperties: false, {B}"),
            // Nullable alternative.
            format!("nullable: true, {B}"),
        ];
        for b in cases {
            let a = api(&union("description: u", A, &b));
            assert!(
                matches!(
                    a.type_def("Holder").map(|t| &t.kind),
                    Some(TypeKind::OneOf { .. })
                ),
                "{b}: {:?}",
                names(&a)
            );
        }
        // A `$ref` alternative keeps its component type.
        let r = api(&format!(
            "    Holder:\n      oneOf:\n        - {{type: object, {A}}}\n        - {{$ref: '#/components/schemas/B'}}\n    B: {{type: object, {B}}}\n"
        ));
        assert!(matches!(
            r.type_def("Holder").map(|t| &t.kind),
            Some(TypeKind::OneOf { .. })
        ));
    }

    #[test]
    fn all_closed_alternatives_make_a_closed_enum() {
        let a = api(&union(
            "description: u",
            &format!("additionalProperties: false, {A}"),
            &format!("additionalProperties: false, {B}"),
        ));
        assert!(matches!(
            a.type_def("Holder").map(|t| &t.kind),
            Some(TypeKind::TaggedUnion { closed: true, .. })
        ));
    }
}
