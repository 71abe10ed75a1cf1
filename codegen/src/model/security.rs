//! Security: the requirements of each operation and the schemes they use.

use super::Lowerer;
use crate::error::{ptr, Error};
use crate::model::{SchemeDef, SchemeKindDef};
use crate::names;
use openapiv3::ReferenceOr;

impl<'a> Lowerer<'a> {
    /// The operation's security requirements (its own, or the document's),
    /// as alternatives of scheme const names; records the schemes used.
    pub(super) fn lower_requirements(
        &self,
        op: &'a openapiv3::Operation,
        op_ptr: &str,
        used_schemes: &mut Vec<String>,
    ) -> Result<Vec<Vec<String>>, Error> {
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
        Ok(security)
    }

    /// The schemes used by at least one operation, in component order.
    pub(super) fn lower_schemes(&self, used: &[String]) -> Vec<SchemeDef> {
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
