//! Operations: grouping by tag, names, and the pieces of one operation
//! (parameters in [`super::params`], the body in [`super::bodies`], the
//! security requirements in [`super::security`], responses here).

use super::bodies::pick_media;
use super::refs::view;
use super::{Lowerer, METHODS};
use crate::error::{ptr, Error};
use crate::model::{Group, Media, Op, Outcome, StatusMatch, Ty};
use crate::names::{self, Names};
use openapiv3::{Parameter, ReferenceOr, Response, StatusCode};
use std::collections::BTreeMap;

/// The names chosen for one operation.
pub(super) struct OpNames {
    pub(super) id: String,
    pub(super) method_name: String,
    pub(super) type_name: String,
    pub(super) error_name: String,
    pub(super) success_name: String,
}

/// The documented responses of an operation: successes, errors, `default`.
type Responses = (Vec<Outcome>, Vec<Outcome>, Option<Outcome>);

impl<'a> Lowerer<'a> {
    pub(super) fn lower_operations(&mut self) -> Result<(Vec<Group>, Vec<String>), Error> {
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
            // A path item may be a `$ref` to another path's item
            // (`#/paths/~1ip-address`): the same operations at this path.
            let via_ref = matches!(item, ReferenceOr::Reference { .. });
            let target = match item {
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/paths/")
                    .filter(|k| !k.contains('/'))
                    .map(super::refs::unescape)
                    .and_then(|k| doc.paths.paths.get(&k)),
                ReferenceOr::Item(_) => Some(item),
            };
            let item = match target {
                Some(ReferenceOr::Item(i)) => i,
                _ => {
                    let reference = match item {
                        ReferenceOr::Reference { reference } => reference.as_str(),
                        ReferenceOr::Item(_) => "",
                    };
                    return Err(self.err(pp, format!("unsupported path item $ref `{reference}`")));
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
                // An item reached through a `$ref` repeats another path's
                // operationIds: its operations take the derived names.
                let own_id = op.operation_id.clone().filter(|_| !via_ref);
                let derived = own_id.is_none();
                let id = own_id.unwrap_or_else(|| {
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
                        // A group named `send` or `option` must not shadow
                        // the prelude its module's code uses: `Send2`. (Not
                        // `Default`, the group of untagged operations: its
                        // module names the trait nowhere.)
                        let reserved: Vec<&str> = names::RESERVED_TYPES
                            .iter()
                            .copied()
                            .filter(|n| *n != "Default")
                            .collect();
                        let type_name =
                            Names::with_reserved(&reserved).claim(&names::type_name(&label));
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
                                // Builders and enums share the module with
                                // the prelude too.
                                Names::with_reserved(
                                    &[names::RESERVED_TYPES, &[type_name.as_str()]].concat(),
                                ),
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
        // The builder's own fields and methods (`rt::operation!` adds
        // `timeout(..)` and `into_future`).
        let mut bnames = Names::with_reserved(&["transport", "timeout", "send", "into_future"]);
        let params = self.lower_params(op, path_params, path, op_ptr, &n, &mut bnames)?;
        let (body, body_media) = self.lower_body(op, op_ptr, &n, &mut bnames)?;
        let (successes, errors, default) = self.lower_responses(op, op_ptr, &n)?;
        let accept = accept(self, op, op_ptr)?;
        let security = self.lower_requirements(op, op_ptr, used_schemes)?;
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
            accept,
        })
    }

    /// The documented responses, sorted by status.
    fn lower_responses(
        &mut self,
        op: &'a openapiv3::Operation,
        op_ptr: &str,
        n: &OpNames,
    ) -> Result<Responses, Error> {
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
            // `LoginSnapTradeUserResponse` when no other response of the
            // operation (or any other type) wants that name.
            let hint = format!("{}{status}Response", n.type_name);
            self.shorts.insert(
                crate::names::type_name(&hint),
                format!("{}Response", n.type_name),
            );
            let (ty, media) = self.response_type(resp, &hint, &sp, label)?;
            let (status_match, is_success, base) = match status {
                // A documented 3xx is an answer of the operation, not an
                // error: it comes back with its `Location` (never followed).
                StatusCode::Code(c) => (
                    StatusMatch::Code(*c),
                    (200..400).contains(c),
                    status_reason(*c).map_or_else(|| format!("Status{c}"), str::to_owned),
                ),
                StatusCode::Range(r) => (
                    StatusMatch::Range(*r),
                    *r == 2 || *r == 3,
                    format!("Status{r}xx"),
                ),
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
        // No documented 2xx: a 2xx is answered under `default`, and is the
        // operation's success (its other statuses stay errors).
        if !successes.iter().any(|o| {
            matches!(
                o.status,
                StatusMatch::Code(200..=299) | StatusMatch::Range(2)
            )
        }) {
            if let Some(d) = &default {
                successes.push(Outcome {
                    status: StatusMatch::Range(2),
                    variant: snames.claim("Default"),
                    ty: d.ty.clone(),
                    media: d.media.clone(),
                    doc: d.doc.replace(
                        "Any other status (the `default` response)",
                        "Any 2xx status (the `default` response)",
                    ),
                });
                successes.sort_by_key(|o| o.status);
            }
        }

        Ok((successes, errors, default))
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
                    // A nullable body (`$ref` to a `nullable: true` schema)
                    // may be `null`.
                    let (nullable, _) = self.nullable_and_doc(view(s), &sp)?;
                    let ty = match ty {
                        Ty::Option(_) | Ty::Value => ty,
                        _ if nullable => Ty::Option(Box::new(ty)),
                        _ => ty,
                    };
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
            Some((mt, _, Media::Multipart(_))) => Err(self.err(
                ptr(pointer, &["content", mt]),
                "multipart response bodies are not supported",
            )),
            None if resp.content.is_empty() => Ok((None, Media::Json)),
            None => Err(self.err(
                ptr(pointer, &["content"]),
                "multipart response bodies are not supported",
            )),
        }
    }

    /// Gives an inline type created for an operation a readable doc.
    pub(super) fn retitle(&mut self, ty: &Ty, doc: String) {
        if let Ty::Named(n) = ty {
            if let Some(t) = self.types.get_mut(n) {
                if t.doc.starts_with("Inline schema at") {
                    t.doc = doc;
                }
            }
        }
    }
}

/// The `Accept` header of an operation: the media type each documented
/// response is decoded from (the one [`pick_media`] chooses), those of the
/// 2xx/3xx responses first, the others (errors, `default`) after them at
/// `q=0.5` (without a weight when no success has a body);
/// parameters are left out, so `application/json` also takes
/// `application/json; charset=utf-8`. Empty when no response has a body.
fn accept<'a>(
    l: &Lowerer<'a>,
    op: &'a openapiv3::Operation,
    op_ptr: &str,
) -> Result<String, Error> {
    let rp = ptr(op_ptr, &["responses"]);
    let mut first: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(status, r)| {
            let success = match status {
                StatusCode::Code(c) => (200..400).contains(c),
                StatusCode::Range(r) => *r == 2 || *r == 3,
            };
            (success, status.to_string(), r)
        })
        .chain(
            op.responses
                .default
                .iter()
                .map(|r| (false, "default".to_owned(), r)),
        );
    for (success, key, resp) in responses {
        let resp = l.deref_response(resp, &ptr(&rp, &[&key]))?;
        let Some((mt, _, _)) = pick_media(&resp.content) else {
            continue;
        };
        let essence = super::bodies::media_essence(mt);
        // Only what a header value may hold (a document's key is text).
        if essence.is_empty() || !essence.bytes().all(|b| b.is_ascii_graphic()) {
            continue;
        }
        let list = if success { &mut first } else { &mut rest };
        if !list.contains(&essence) {
            list.push(essence);
        }
    }
    rest.retain(|m| !first.contains(m));
    // Weights only rank the successes' types above the others.
    let weight = if first.is_empty() { "" } else { ";q=0.5" };
    let mut parts = first;
    parts.extend(rest.into_iter().map(|m| format!("{m}{weight}")));
    Ok(parts.join(", "))
}

/// The reason phrase of a status code, as a variant name.
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
