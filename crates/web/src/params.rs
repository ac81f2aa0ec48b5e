//! Request parameters as name/value pairs, read the same way from a query string, a
//! url-encoded or multipart form, or a JSON object (arrays give repeated names, numbers their
//! text), so every page and API endpoint checks one representation.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;

use crate::WebError;

/// Name/value pairs in request order (names may repeat).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    /// From a query string (`None` = no query).
    pub fn from_query(q: Option<&str>) -> Params {
        Params::from_urlencoded(q.unwrap_or("").as_bytes())
    }

    /// From `application/x-www-form-urlencoded` bytes.
    pub fn from_urlencoded(bytes: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// From a JSON object: strings as given, numbers and booleans as text, arrays as repeated
    /// names; `null` is left out.
    pub fn from_json(bytes: &[u8]) -> Result<Params, WebError> {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| WebError::bad(format!("the request body is not valid JSON: {e}")))?;
        let serde_json::Value::Object(map) = v else {
            return Err(WebError::bad("the request body must be a JSON object"));
        };
        let mut out = Vec::new();
        for (k, v) in map {
            let items = match v {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            for item in items {
                let text = match item {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(WebError::bad(format!(
                            "{k}: expected a string, number or list, got {other}"
                        )))
                    }
                };
                out.push((k.clone(), text));
            }
        }
        Ok(Params(out))
    }

    /// From a request body: multipart form, JSON, or url-encoded form (by content type).
    /// Uploaded files must be UTF-8 text; a body over the limit is HTTP 413.
    pub async fn from_body(req: Request) -> Result<Params, WebError> {
        let ctype = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ctype.starts_with("multipart/form-data") {
            let mut mp = Multipart::from_request(req, &())
                .await
                .map_err(|e| WebError {
                    status: e.status(),
                    message: e.body_text(),
                })?;
            let mut out = Vec::new();
            loop {
                let field = mp.next_field().await.map_err(multipart_error)?;
                let Some(field) = field else { break };
                let name = field.name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    WebError::bad(format!("{name}: the uploaded data is not UTF-8 text"))
                })?;
                out.push((name, text));
            }
            return Ok(Params(out));
        }
        let bytes = axum::body::Bytes::from_request(req, &())
            .await
            .map_err(|e| WebError {
                status: e.status(),
                message: e.body_text(),
            })?;
        if ctype.starts_with("application/json") {
            Params::from_json(&bytes)
        } else {
            Ok(Params::from_urlencoded(&bytes))
        }
    }

    /// The first non-blank value of `name` (trimmed).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every non-blank value of any of `names`, in order, trimmed.
    pub fn all(&self, names: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Whether any parameter was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A number parameter: `default` when absent; an error naming it when not a finite number.
    pub fn number(&self, name: &str, default: f64) -> Result<f64, WebError> {
        match self.get(name) {
            None => Ok(default),
            Some(t) => t
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| WebError::bad(format!("{name}: {t:?} is not a finite number"))),
        }
    }

    /// The pairs as a query string (for links that repeat a request).
    pub fn to_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !v.trim().is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> WebError {
    WebError {
        status: e.status(),
        message: e.body_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_json_and_round_trip() {
        let p = Params::from_query(Some(
            "cell_line=BT474&modifier=pten-loss&modifier=p95her2&days=+5+&x=",
        ));
        assert_eq!(p.get("cell_line"), Some("BT474"));
        assert_eq!(p.all(&["modifier"]), ["pten-loss", "p95her2"]);
        assert_eq!(p.number("days", 1.0), Ok(5.0));
        assert_eq!(p.get("x"), None);
        assert!(p.number("cell_line", 1.0).is_err());
        let q = Params::from_query(Some(&p.to_query()));
        assert_eq!(q.all(&["modifier"]), p.all(&["modifier"]));
        let j = Params::from_json(br#"{"modifiers": ["a", "b"], "days": 3, "x": null}"#).unwrap();
        assert_eq!(j.all(&["modifiers"]), ["a", "b"]);
        assert_eq!(j.get("days"), Some("3"));
        assert!(Params::from_json(b"[1]").is_err());
        assert!(Params::from_json(br#"{"a": {"b": 1}}"#).is_err());
    }
}
