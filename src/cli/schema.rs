//! `harx schema --ddl ENGINE`: the DDL each engine needs to read an ingested dataset.

use super::ExitStatus;
use crate::ingest::ddl::{Engine, ddl};
use clap::Args;
use std::io::Write;

/// Arguments of `harx schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The engine to write DDL for.
    #[arg(long, value_enum)]
    pub ddl: Engine,
    /// Where the dataset is (directory or URL); a placeholder when absent.
    #[arg(long, value_name = "DIR_OR_URL")]
    pub dataset: Option<String>,
    /// The dataset's partition keys (as given to `harx ingest --partition-by`).
    #[arg(long, default_value = "tenant,date", value_name = "KEYS", value_parser = super::common::partition_keys)]
    pub partition_by: super::common::PartitionKeys,
}

/// Runs `harx schema`.
///
/// # Errors
/// Bad options, or standard output closed.
pub fn run(args: &SchemaArgs) -> anyhow::Result<ExitStatus> {
    let keys = args.partition_by.0.clone();
    let location = args.dataset.as_deref().map(|d| {
        if d.contains("://") {
            d.to_owned()
        } else {
            std::fs::canonicalize(d).map_or_else(|_| d.to_owned(), |p| p.display().to_string())
        }
    });
    let text = ddl(args.ddl, location.as_deref(), &keys);
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}
