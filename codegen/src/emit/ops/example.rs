//! The short example in each operation method's doc: the call with its
//! required arguments and one optional setter, as a `no_run` doctest when the
//! generator knows the crate that exposes the client
//! ([`crate::Options::doc_crate`]), else as inline code in the doc's
//! method line (the file may be included anywhere, so no path can be assumed
//! to compile, and a block that is never compiled is not worth five lines).

use super::Input;
use crate::model::{Api, Op, Ty, TypeKind};

/// The example's lines, or `None` when an argument's value cannot be written
/// as a literal (a struct with required fields: no `Default`).
pub(super) fn example(
    api: &Api,
    op: &Op,
    module: &str,
    all: &[Input],
    doc_crate: Option<&str>,
) -> Option<String> {
    let args: Vec<String> = all
        .iter()
        .filter(|i| i.required)
        .map(|i| literal(api, &i.ty, doc_crate))
        .collect::<Option<_>>()?;
    let setter = all
        .iter()
        .filter(|i| !i.required)
        .find_map(|i| {
            let value = literal(api, &i.ty, doc_crate)?;
            Some(format!(".{}({value})", i.rust))
        })
        .unwrap_or_default();
    let call = format!(
        "client.{module}().{}({}){setter}.await?",
        op.method_name,
        args.join(", ")
    );
    let Some(krate) = doc_crate else {
        return Some(call);
    };
    Some(format!(
        "```no_run\n\
         # async fn run(client: {krate}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n\
         let response = {call};\n\
         # Ok(()) }}\n\
         ```"
    ))
}

/// A plausible literal of `ty` that converts into the argument's type.
fn literal(api: &Api, ty: &Ty, doc_crate: Option<&str>) -> Option<String> {
    let krate = doc_crate.unwrap_or("my_api");
    Some(match api.underlying(ty) {
        Ty::String | Ty::Secret => "\"...\"".to_owned(),
        Ty::Bool => "true".to_owned(),
        Ty::I32 | Ty::I64 | Ty::U64 => "0".to_owned(),
        Ty::F32 | Ty::F64 => "0.0".to_owned(),
        Ty::Vec(_) => "Vec::new()".to_owned(),
        Ty::Option(_) => "None".to_owned(),
        Ty::Boxed(inner) => literal(api, &inner, doc_crate)?,
        Ty::Value | Ty::Map(_) => return None,
        Ty::Named(name) => {
            let path = format!("{krate}::models::{name}");
            match &api.type_def(&name)?.kind {
                TypeKind::StringEnum { variants, .. } => match variants.first() {
                    Some((v, _)) => format!("{path}::{}", v.trim_start_matches("r#")),
                    None => format!("{path}::Other(\"...\".into())"),
                },
                TypeKind::Struct { fields, .. } if fields.iter().all(|f| f.optional) => {
                    format!("{path}::default()")
                }
                _ => return None,
            }
        }
    })
}
