//! Parameters: path, query and header parameters of an operation, with
//! their serialization style.

use super::bodies::json_media;
use super::operations::OpNames;
use super::refs::view;
use super::schemas::schema_notes;
use super::Lowerer;
use crate::error::{ptr, Error};
use crate::model::{Loc, Param, Style, Ty, TypeKind};
use crate::names::{self, Names};
use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr};

impl<'a> Lowerer<'a> {
    /// Path-level parameters merged with the operation's (which override
    /// them), lowered in spec order; checks the path template against them.
    pub(super) fn lower_params(
        &mut self,
        op: &'a openapiv3::Operation,
        path_params: &'a [ReferenceOr<Parameter>],
        path: &str,
        op_ptr: &str,
        n: &OpNames,
        bnames: &mut Names,
    ) -> Result<Vec<Param>, Error> {
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
        // The API keys the operation's security schemes send: a parameter
        // of the same name and place would be sent twice.
        let api_keys: Vec<(&str, &str)> = op
            .security
            .as_ref()
            .or(self.doc.security.as_ref())
            .into_iter()
            .flatten()
            .flat_map(|req| req.keys())
            .filter_map(|scheme| {
                let c = self.doc.components.as_ref()?;
                match c.security_schemes.get(scheme)? {
                    ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                        location, name, ..
                    }) => {
                        let at = match location {
                            openapiv3::APIKeyLocation::Query => "query",
                            openapiv3::APIKeyLocation::Header => "header",
                            openapiv3::APIKeyLocation::Cookie => "cookie",
                        };
                        Some((at, name.as_str()))
                    }
                    _ => None,
                }
            })
            .collect();
        let mut params = Vec::new();
        for (param, pp) in raw {
            let (at, name) = match param {
                Parameter::Query { parameter_data, .. } => ("query", parameter_data.name.as_str()),
                Parameter::Header { parameter_data, .. } => {
                    ("header", parameter_data.name.as_str())
                }
                Parameter::Path { parameter_data, .. } => ("path", parameter_data.name.as_str()),
                Parameter::Cookie { parameter_data, .. } => {
                    ("cookie", parameter_data.name.as_str())
                }
            };
            let same = |n: &str| {
                if at == "query" {
                    n == name
                } else {
                    n.eq_ignore_ascii_case(name)
                }
            };
            if api_keys
                .iter()
                .any(|(kat, kname)| *kat == at && same(kname))
            {
                self.warnings.push(format!(
                    "{pp}: {at} parameter `{name}` ignored: the operation's API key security \
                     scheme sends it (set it through the client's credentials)"
                ));
                continue;
            }
            // OpenAPI 3.0 §4.7.12.1: these header parameters are ignored
            // (the media types and security schemes say what they carry).
            if let Parameter::Header { parameter_data, .. } = param {
                let name = parameter_data.name.as_str();
                if ["accept", "content-type", "authorization"]
                    .iter()
                    .any(|h| name.eq_ignore_ascii_case(h))
                {
                    self.warnings.push(format!(
                        "{pp}: header parameter `{name}` ignored (OpenAPI 3.0 §4.7.12.1: \
                         `Accept` and `Content-Type` come from the responses and the body, \
                         `Authorization` from the security schemes)"
                    ));
                    continue;
                }
            }
            let loc = match param {
                Parameter::Path { .. } => Loc::Path,
                Parameter::Query { .. } => Loc::Query,
                Parameter::Header { .. } => Loc::Header,
                Parameter::Cookie { .. } => Loc::Cookie,
            };
            let d = param.parameter_data_ref();
            let hint = format!("{}{}", n.type_name, names::type_name(&d.name));
            self.shorts
                .insert(names::type_name(&hint), names::type_name(&d.name));
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
                        let (_, sdoc) = self.nullable_and_doc(view(s), &sp)?;
                        let (schema, _) = self.deref(view(s), &sp)?;
                        let notes = schema_notes(schema);
                        (
                            ty,
                            sdoc.map(|d| format!("{d}{notes}"))
                                .or_else(|| (!notes.is_empty()).then(|| notes.trim().to_owned())),
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
            // Objects (with properties, or free-form maps whose keys come
            // from the caller) flatten in `form` and `deepObject` styles;
            // the delimited styles are defined for arrays only.
            if loc == Loc::Query {
                let under = self.underlying(&ty);
                let is_struct = matches!(&under, Ty::Named(n)
                    if matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct { .. })));
                let flattens = matches!(&under, Ty::Named(n)
                    if matches!(self.types.get(n).map(|t| &t.kind),
                        Some(TypeKind::Struct { fields, .. }) if fields.iter().any(|f| f.flatten)));
                let is_map = matches!(&under, Ty::Map(_));
                let problem = match (&under, style) {
                    _ if flattens => Some(
                        "an object query parameter that is also one of several shapes (`allOf` with a `oneOf` member) is not supported",
                    ),
                    (Ty::Map(_), Style::SpaceDelimited | Style::PipeDelimited) => {
                        Some("`spaceDelimited`/`pipeDelimited` free-form objects are not supported")
                    }
                    (_, Style::DeepObject) if !is_struct && !is_map => {
                        Some("`style: deepObject` is supported only for object schemas")
                    }
                    (Ty::Named(_), Style::SpaceDelimited | Style::PipeDelimited) if is_struct => {
                        Some("`spaceDelimited`/`pipeDelimited` objects are not supported")
                    }
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
                // No filler ("The `x` parameter.") when the document says
                // nothing: the setter or argument name already says it.
                doc: d.description.clone().or(sdoc).unwrap_or_default(),
            });
        }
        // Every `{name}` in the path must be a declared path parameter.
        let (path_part, query_part) = split_path_key(path);
        let undeclared = |name: &str| {
            self.err(
                op_ptr,
                format!("the path template uses `{{{name}}}` but no path parameter `{name}` is declared"),
            )
        };
        let mut rest = path_part;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !params.iter().any(|p| p.loc == Loc::Path && p.wire == name) {
                return Err(undeclared(name));
            }
            rest = &after[end + 1..];
        }
        // A query written into the key: each `{name}` stands for a path
        // parameter, or for the query parameter of the same name.
        for (key, value) in key_query_pairs(query_part) {
            if key.contains(['{', '}']) {
                return Err(self.err(op_ptr, format!("the query in the path key names a pair `{key}` with a template: not supported")));
            }
            match key_param(value) {
                KeyValue::Literal(_) => {}
                KeyValue::Param(name) => {
                    if !params.iter().any(|p| {
                        p.wire == name
                            && (p.loc == Loc::Path || (p.loc == Loc::Query && key == name))
                    }) {
                        return Err(undeclared(name));
                    }
                }
                KeyValue::Mixed => {
                    return Err(self.err(op_ptr, format!("the query in the path key gives `{key}` a value mixing text and templates: not supported")));
                }
            }
        }

        Ok(params)
    }
}

/// A path key split into the path proper and the query some documents write
/// into it (`/search?query={query}`, `/rest?method=x.y`), without the `#...`
/// fragment AWS documents use to tell operations on one path apart (clients
/// never send a fragment).
pub(crate) fn split_path_key(key: &str) -> (&str, &str) {
    let key = key.split_once('#').map_or(key, |(before, _)| before);
    key.split_once('?').unwrap_or((key, ""))
}

/// The `name=value` pairs of a query written into a path key (a bare `name`
/// has an empty value).
pub(crate) fn key_query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// A value in a query written into a path key.
pub(crate) enum KeyValue<'k> {
    /// Fixed text, sent as it is.
    Literal(&'k str),
    /// Exactly `{name}`: the parameter `name`.
    Param(&'k str),
    /// Text around a template: not supported.
    Mixed,
}

/// Classifies a value of [`key_query_pairs`].
pub(crate) fn key_param(value: &str) -> KeyValue<'_> {
    match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        Some(name) if !name.contains(['{', '}']) => KeyValue::Param(name),
        _ if value.contains(['{', '}']) => KeyValue::Mixed,
        _ => KeyValue::Literal(value),
    }
}
