//! `multipart/form-data` request bodies.
//!
//! A [`Form`] is a list of named parts, in order: text fields and file parts
//! (bytes with an optional file name and content type). A name may repeat,
//! which is how an array of parts travels. Every part is held in memory, so
//! the body can be written again byte for byte: a retried request sends the
//! same parts (a new boundary each attempt), and nothing in a [`Form`] is a
//! one-shot stream that a retry could lose. The wire encoding (boundary,
//! part headers, escaping of names and file names) is reqwest's.
//!
//! ```
//! use oapi_client_runtime::multipart::{FilePart, Form};
//! let form = Form::new()
//!     .text("title", "holiday")
//!     .file("photo", FilePart::new(vec![0xff, 0xd8]).file_name("a.jpg").content_type("image/jpeg"));
//! assert_eq!(form.len(), 2);
//! ```

use bytes::Bytes;

/// One file part: its bytes, and optionally a file name and content type.
#[derive(Clone)]
pub struct FilePart {
    data: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file part holding `data` (no file name, no content type: the
    /// spec's `encoding` or `application/octet-stream` applies).
    pub fn new(data: impl Into<Bytes>) -> Self {
        FilePart {
            data: data.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// Sets the `filename` of the part's `Content-Disposition`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes are the caller's data: their length is enough.
        f.debug_struct("FilePart")
            .field("len", &self.data.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

#[derive(Clone)]
enum Value {
    Text(String, Option<String>),
    File(FilePart),
}

/// A `multipart/form-data` body: named parts in order.
#[derive(Clone, Default)]
pub struct Form {
    parts: Vec<(String, Value)>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds a text part.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts
            .push((name.into(), Value::Text(value.into(), None)));
        self
    }

    /// Adds a part holding `value` as JSON text (`Content-Type:
    /// application/json`), for an object or array field.
    pub fn json<T: serde::Serialize + ?Sized>(
        mut self,
        name: impl Into<String>,
        value: &T,
    ) -> Result<Self, serde_json::Error> {
        let text = serde_json::to_string(value)?;
        self.parts.push((
            name.into(),
            Value::Text(text, Some("application/json".to_owned())),
        ));
        Ok(self)
    }

    /// Adds a file part.
    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Self {
        self.parts.push((name.into(), Value::File(file)));
        self
    }

    /// Adds one file part per file, all under `name` (an array of files).
    pub fn files(mut self, name: &str, files: impl IntoIterator<Item = FilePart>) -> Self {
        for file in files {
            self = self.file(name, file);
        }
        self
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the form has no part.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Applies the `encoding` object of the spec: `(part name, content type)`
    /// pairs giving the `Content-Type` of the named parts that do not set one.
    /// Generated code calls this.
    #[doc(hidden)]
    pub fn with_encoding(mut self, encoding: &[(&str, &str)]) -> Self {
        for (name, value) in &mut self.parts {
            let Some((_, ct)) = encoding.iter().find(|(n, _)| n == name) else {
                continue;
            };
            match value {
                Value::Text(_, slot @ None) => *slot = Some((*ct).to_owned()),
                Value::File(f) if f.content_type.is_none() => {
                    f.content_type = Some((*ct).to_owned())
                }
                _ => {}
            }
        }
        self
    }

    /// The body's `Content-Type` (with its boundary) and bytes.
    pub(crate) fn encode(&self) -> Result<(String, Bytes), String> {
        use futures_util::{FutureExt, TryStreamExt};
        use reqwest::multipart::{Form as RForm, Part};
        let mut form = RForm::new();
        for (name, value) in &self.parts {
            let part = match value {
                Value::Text(text, ct) => {
                    let part = Part::text(text.clone());
                    match ct {
                        Some(ct) => part
                            .mime_str(ct)
                            .map_err(|e| format!("part `{name}`: {e}"))?,
                        None => part,
                    }
                }
                Value::File(file) => {
                    let mut part = Part::bytes(file.data.to_vec());
                    if let Some(n) = &file.file_name {
                        part = part.file_name(n.clone());
                    }
                    let ct = file
                        .content_type
                        .as_deref()
                        .unwrap_or("application/octet-stream");
                    part.mime_str(ct)
                        .map_err(|e| format!("part `{name}`: {e}"))?
                }
            };
            form = form.part(name.clone(), part);
        }
        let content_type = format!("multipart/form-data; boundary={}", form.boundary());
        // Every part is in memory, so the stream is ready at once.
        let chunks: Vec<Bytes> = form
            .into_stream()
            .map_err(|e| e.to_string())
            .try_collect::<Vec<Bytes>>()
            .now_or_never()
            .ok_or("multipart body not ready")??;
        Ok((content_type, Bytes::from(chunks.concat())))
    }
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in &self.parts {
            match value {
                Value::Text(_, _) if crate::redact::is_secret_name(name) => {
                    list.entry(&(name, "[redacted]"))
                }
                Value::Text(text, _) => list.entry(&(name, text)),
                Value::File(file) => list.entry(&(name, file)),
            };
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_text_file_and_repeated_parts_with_encoding_defaults() {
        let form = Form::new()
            .text("title", "a \"b\"")
            .files(
                "files",
                [
                    FilePart::new(&b"one"[..]).file_name("1.txt"),
                    FilePart::new(&b"two"[..]).content_type("text/plain"),
                ],
            )
            .with_encoding(&[("files", "image/png")]);
        let (ct, body) = form.encode().expect("encodes");
        let boundary = ct
            .strip_prefix("multipart/form-data; boundary=")
            .expect("boundary");
        let text = String::from_utf8(body.to_vec()).expect("utf-8");
        let parts: Vec<&str> = text.split(&format!("--{boundary}")).collect();
        assert_eq!(parts.len(), 5, "{text}");
        assert!(parts[1].contains("name=\"title\"") && parts[1].ends_with("\r\n\r\na \"b\"\r\n"));
        assert!(parts[2].contains("filename=\"1.txt\"") && parts[2].contains("image/png"));
        assert!(parts[2].ends_with("\r\n\r\none\r\n"));
        assert!(
            parts[3]
                .to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{}",
            parts[3]
        );
        assert_eq!(parts[4], "--\r\n");
    }

    #[test]
    fn debug_hides_secret_text_and_file_bytes() {
        let form = Form::new()
            .text("client_secret", "hunter2")
            .file("f", FilePart::new(vec![1, 2, 3]));
        let shown = format!("{form:?}");
        assert!(!shown.contains("hunter2") && shown.contains("[redacted]"));
        assert!(shown.contains("len: 3"));
    }
}
