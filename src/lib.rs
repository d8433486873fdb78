#![doc = include_str!("../README.md")]

pub mod analyze;
pub mod engine;
pub mod error;
pub mod har;
pub mod ingest;
pub mod parse;
pub mod pipeline;
pub mod sanitize;
pub mod sink;
pub mod source;
pub mod split;
pub mod synth;
pub mod transform;
pub mod validate;
