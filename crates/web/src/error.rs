//! Request errors: an HTTP status with a message, shown in the page (HTML handlers) or as
//! `{"error": "..."}` (the JSON API). Bad input is 400, a full queue 503, a failed worker 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answered to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct WebError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message shown to the user.
    pub message: String,
}

impl WebError {
    /// Bad input (HTTP 400).
    pub fn bad(message: impl Into<String>) -> Self {
        WebError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A server-side failure (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        WebError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }

    /// Too many simulations waiting (HTTP 503).
    pub fn busy() -> Self {
        WebError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the server is busy with other simulations; try again in a moment".into(),
        }
    }

    /// The JSON form: `{"error": message}` with the status.
    pub fn json(&self) -> Response {
        crate::api::json_response(self.status, &serde_json::json!({ "error": self.message }))
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.json()
    }
}
