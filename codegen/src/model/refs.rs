//! `$ref` resolution: schema references (to `#/components/schemas/<name>`)
//! and references to parameters, request bodies and responses.

use super::Lowerer;
use crate::error::Error;
use openapiv3::{Parameter, ReferenceOr, RequestBody, Response, Schema};

/// A schema or a reference to one, borrowed from the document.
#[derive(Clone, Copy)]
pub(crate) enum SRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

/// Views a schema slot.
pub(crate) fn view(r: &ReferenceOr<Schema>) -> SRef<'_> {
    match r {
        ReferenceOr::Reference { reference } => SRef::Ref(reference),
        ReferenceOr::Item(s) => SRef::Item(s),
    }
}

/// Views a boxed schema slot.
pub(crate) fn view_box(r: &ReferenceOr<Box<Schema>>) -> SRef<'_> {
    match r {
        ReferenceOr::Reference { reference } => SRef::Ref(reference),
        ReferenceOr::Item(s) => SRef::Item(s),
    }
}

/// Undoes JSON-pointer escaping of one segment.
pub(crate) fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

impl<'a> Lowerer<'a> {
    pub(super) fn err(&self, pointer: impl Into<String>, message: impl Into<String>) -> Error {
        Error::spec(self.file, pointer, message)
    }

    // ---- references ---------------------------------------------------

    pub(super) fn component_key(&self, reference: &str, pointer: &str) -> Result<String, Error> {
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

    pub(super) fn schema_by_key(
        &self,
        key: &str,
        pointer: &str,
    ) -> Result<&'a ReferenceOr<Schema>, Error> {
        self.doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(key))
            .ok_or_else(|| self.err(pointer, format!("dangling $ref to schema `{key}`")))
    }

    /// Follows references to a schema, returning it and the last component key.
    pub(super) fn deref(
        &self,
        s: SRef<'a>,
        pointer: &str,
    ) -> Result<(&'a Schema, Option<String>), Error> {
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

    pub(super) fn deref_param(
        &self,
        p: &'a ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Result<&'a Parameter, Error> {
        self.deref_component(p, pointer, "parameters", "parameter", |c, k| {
            c.parameters.get(k)
        })
    }

    pub(super) fn deref_body(
        &self,
        p: &'a ReferenceOr<RequestBody>,
        pointer: &str,
    ) -> Result<&'a RequestBody, Error> {
        self.deref_component(p, pointer, "requestBodies", "requestBody", |c, k| {
            c.request_bodies.get(k)
        })
    }

    pub(super) fn deref_response(
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
}
