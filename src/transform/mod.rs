//! Transform: pure per-entry functions applied before data reaches any output.

pub mod base64;
pub mod names;
pub mod propagate;
pub mod redact;
pub mod tracking;
