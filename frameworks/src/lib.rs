//! Tests only (not published): clients generated from the OpenAPI 3.1
//! documents that FastAPI and utoipa write, compiled and called against those
//! running servers (`tests/fastapi.rs`, `tests/utoipa.rs`).
//!
//! [`harness`] generates a client crate, builds a driver program against it
//! and runs it; [`utoipa_app`] is the axum service utoipa describes.

pub mod harness;
pub mod utoipa_app;
