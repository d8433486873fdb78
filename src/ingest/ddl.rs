//! `harx schema --ddl ENGINE`: what each engine needs to read an ingested dataset with no
//! other glue, generated from the same Arrow schemas the writers use.

use super::partition::Key;
use crate::sink::schema::entries_schema;
use arrow_schema::{DataType, SchemaRef};

/// Engines `harx schema --ddl` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Engine {
    /// DuckDB views over `read_parquet(…, hive_partitioning = true)`.
    Duckdb,
    /// Spark SQL tables (`USING parquet`, partitioned, `MSCK REPAIR`).
    Spark,
    /// Trino Hive-connector tables with `sync_partition_metadata`.
    Trino,
    /// Athena external tables with partition projection.
    Athena,
    /// BigQuery external tables with hive partitioning.
    Bigquery,
}

/// The tables of a dataset and their schemas.
fn tables() -> [(&'static str, SchemaRef, bool); 3] {
    [
        ("entries", entries_schema(), true),
        ("pages", super::tables::pages_schema(), true),
        ("files", super::tables::files_schema(), false),
    ]
}

fn ty(engine: Engine, t: &DataType) -> String {
    use DataType as D;
    match (engine, t) {
        (Engine::Duckdb, D::Utf8) => "VARCHAR".into(),
        (Engine::Spark | Engine::Bigquery, D::Utf8) => "STRING".into(),
        (Engine::Athena, D::Utf8) => "string".into(),
        (Engine::Trino, D::Utf8) => "varchar".into(),
        (Engine::Athena | Engine::Trino, D::Int64) => "bigint".into(),
        (Engine::Bigquery, D::Int64 | D::Int32) => "INT64".into(),
        (_, D::Int64) => "BIGINT".into(),
        (Engine::Athena, D::Int32) => "int".into(),
        (Engine::Trino, D::Int32) => "integer".into(),
        (_, D::Int32) => "INTEGER".into(),
        (Engine::Athena | Engine::Trino, D::Float64) => "double".into(),
        (Engine::Bigquery, D::Float64) => "FLOAT64".into(),
        (_, D::Float64) => "DOUBLE".into(),
        (Engine::Athena | Engine::Trino, D::Boolean) => "boolean".into(),
        (Engine::Bigquery, D::Boolean) => "BOOL".into(),
        (_, D::Boolean) => "BOOLEAN".into(),
        (Engine::Duckdb, D::Timestamp(..)) => "TIMESTAMPTZ".into(),
        (Engine::Athena, D::Timestamp(..)) => "timestamp".into(),
        // The Hive connector stores timestamps without a zone; the values are UTC.
        (Engine::Trino, D::Timestamp(..)) => "timestamp(6)".into(),
        (_, D::Timestamp(..)) => "TIMESTAMP".into(),
        (_, D::List(f)) => {
            let inner = ty(engine, f.data_type());
            match engine {
                Engine::Duckdb => format!("{inner}[]"),
                Engine::Trino => format!("array({inner})"),
                Engine::Athena => format!("array<{inner}>"),
                _ => format!("ARRAY<{inner}>"),
            }
        }
        (_, D::Struct(fields)) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let t = ty(engine, f.data_type());
                    match engine {
                        Engine::Duckdb => format!("\"{}\" {t}", f.name()),
                        Engine::Trino => format!("\"{}\" {t}", f.name()),
                        Engine::Athena => format!("{}:{t}", f.name()),
                        _ => format!("{}: {t}", f.name()),
                    }
                })
                .collect();
            match engine {
                Engine::Duckdb => format!("STRUCT({})", parts.join(", ")),
                Engine::Trino => format!("row({})", parts.join(", ")),
                Engine::Athena => format!("struct<{}>", parts.join(",")),
                _ => format!("STRUCT<{}>", parts.join(", ")),
            }
        }
        (_, other) => format!("{other}"),
    }
}

fn partition_cols(engine: Engine, keys: &[Key]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| {
            let t = match (k, engine) {
                (Key::Tenant, Engine::Duckdb) => "VARCHAR",
                (Key::Tenant, Engine::Athena) => "string",
                (Key::Tenant, Engine::Trino) => "varchar",
                (Key::Tenant, _) => "STRING",
                (Key::Date, Engine::Athena | Engine::Trino) => "date",
                (Key::Date, _) => "DATE",
            };
            (k.name().to_owned(), t.to_owned())
        })
        .collect()
}

fn quote(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Duckdb | Engine::Trino => format!("\"{name}\""),
        _ => format!("`{name}`"),
    }
}

/// The DDL for `engine`, reading the dataset at `location` (a directory or URL; a
/// placeholder when `None`) laid out by `keys`.
pub fn ddl(engine: Engine, location: Option<&str>, keys: &[Key]) -> String {
    let loc = location
        .map(|l| l.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| match engine {
            Engine::Duckdb => "/path/to/dataset".to_owned(),
            Engine::Bigquery => "gs://bucket/prefix".to_owned(),
            _ => "s3://bucket/prefix".to_owned(),
        });
    let mut out = format!(
        "-- harx {} dataset, schema version {} ({})\n",
        env!("CARGO_PKG_VERSION"),
        crate::sink::schema::SCHEMA_VERSION,
        match engine {
            Engine::Duckdb => "DuckDB",
            Engine::Spark => "Spark SQL",
            Engine::Trino => "Trino, Hive connector",
            Engine::Athena => "Amazon Athena",
            Engine::Bigquery => "BigQuery",
        }
    );
    if engine == Engine::Duckdb && loc.starts_with("s3://") {
        out.push_str(
            "INSTALL httpfs; LOAD httpfs;\n-- credentials: CREATE SECRET (TYPE s3, PROVIDER credential_chain);\n",
        );
    }
    if engine == Engine::Trino {
        out.push_str("CREATE SCHEMA IF NOT EXISTS hive.harx;\n");
    }
    for (table, schema, partitioned) in tables() {
        let parts = if partitioned {
            partition_cols(engine, keys)
        } else {
            Vec::new()
        };
        let dir = format!("{loc}/{table}");
        let cols: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| {
                format!(
                    "  {} {}",
                    quote(engine, f.name()),
                    ty(engine, f.data_type())
                )
            })
            .collect();
        match engine {
            Engine::Duckdb => {
                let glob = if parts.is_empty() {
                    format!("{dir}/*.parquet")
                } else {
                    format!("{dir}/**/*.parquet")
                };
                let hive = if parts.is_empty() {
                    String::new()
                } else {
                    let types: Vec<String> =
                        parts.iter().map(|(n, t)| format!("'{n}': {t}")).collect();
                    format!(
                        ", hive_partitioning = true, hive_types = {{{}}}",
                        types.join(", ")
                    )
                };
                out.push_str(&format!(
                    "CREATE OR REPLACE VIEW {table} AS\n  SELECT * FROM read_parquet('{glob}'{hive}, union_by_name = true);\n"
                ));
            }
            Engine::Spark => {
                let loc = dir.replacen("s3://", "s3a://", 1);
                let mut all = cols.clone();
                all.extend(
                    parts
                        .iter()
                        .map(|(n, t)| format!("  {} {t}", quote(engine, n))),
                );
                out.push_str(&format!(
                    "CREATE TABLE IF NOT EXISTS harx_{table} (\n{}\n) USING parquet",
                    all.join(",\n")
                ));
                if !parts.is_empty() {
                    let names: Vec<String> = parts.iter().map(|(n, _)| quote(engine, n)).collect();
                    out.push_str(&format!(" PARTITIONED BY ({})", names.join(", ")));
                }
                out.push_str(&format!("\nLOCATION '{loc}';\n"));
                if !parts.is_empty() {
                    out.push_str(&format!("MSCK REPAIR TABLE harx_{table};\n"));
                }
            }
            Engine::Trino => {
                let mut all = cols.clone();
                all.extend(
                    parts
                        .iter()
                        .map(|(n, t)| format!("  {} {t}", quote(engine, n))),
                );
                let mut with = vec![
                    format!("external_location = '{dir}'"),
                    "format = 'PARQUET'".to_owned(),
                ];
                if !parts.is_empty() {
                    let names: Vec<String> = parts.iter().map(|(n, _)| format!("'{n}'")).collect();
                    with.push(format!("partitioned_by = ARRAY[{}]", names.join(", ")));
                }
                out.push_str(&format!(
                    "CREATE TABLE IF NOT EXISTS hive.harx.{table} (\n{}\n) WITH (\n  {}\n);\n",
                    all.join(",\n"),
                    with.join(",\n  ")
                ));
                if !parts.is_empty() {
                    out.push_str(&format!(
                        "CALL hive.system.sync_partition_metadata('harx', '{table}', 'FULL');\n"
                    ));
                }
            }
            Engine::Athena => athena_table(&mut out, table, &dir, &cols, &parts, keys),
            Engine::Bigquery => {
                let dir = dir.replacen("s3://", "gs://", 1);
                if parts.is_empty() {
                    out.push_str(&format!(
                        "CREATE OR REPLACE EXTERNAL TABLE harx.{table}\nOPTIONS (\n  format = 'PARQUET',\n  uris = ['{dir}/*.parquet'],\n  enable_list_inference = true\n);\n"
                    ));
                } else {
                    let p: Vec<String> = parts.iter().map(|(n, t)| format!("{n} {t}")).collect();
                    out.push_str(&format!(
                        "CREATE OR REPLACE EXTERNAL TABLE harx.{table}\nWITH PARTITION COLUMNS ({})\nOPTIONS (\n  format = 'PARQUET',\n  uris = ['{dir}/*'],\n  hive_partition_uri_prefix = '{dir}',\n  enable_list_inference = true\n);\n",
                        p.join(", ")
                    ));
                }
            }
        }
    }
    if engine == Engine::Athena && keys.contains(&Key::Tenant) {
        out.push_str("-- tenant is injected: queries name it (WHERE tenant = '…'), with the value as it appears, percent-encoded, in the path.\n");
    }
    out
}

/// The Athena table of one dataset table, with partition projection.
fn athena_table(
    out: &mut String,
    table: &str,
    dir: &str,
    cols: &[String],
    parts: &[(String, String)],
    keys: &[Key],
) {
    let engine = Engine::Athena;
    out.push_str(&format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS harx_{table} (\n{}\n)",
        cols.join(",\n")
    ));
    if !parts.is_empty() {
        let p: Vec<String> = parts
            .iter()
            .map(|(n, t)| format!("{} {t}", quote(engine, n)))
            .collect();
        out.push_str(&format!("\nPARTITIONED BY ({})", p.join(", ")));
    }
    out.push_str(&format!("\nSTORED AS PARQUET\nLOCATION '{dir}/'"));
    if !parts.is_empty() {
        // Partition projection: no MSCK REPAIR, no Glue partition listing.
        let mut props = vec!["'projection.enabled' = 'true'".to_owned()];
        let mut template = dir.to_owned();
        for k in keys {
            match k {
                Key::Tenant => props.push("'projection.tenant.type' = 'injected'".into()),
                Key::Date => {
                    props.push("'projection.date.type' = 'date'".into());
                    props.push("'projection.date.format' = 'yyyy-MM-dd'".into());
                    props.push("'projection.date.range' = '2000-01-01,NOW'".into());
                    props.push("'projection.date.interval' = '1'".into());
                    props.push("'projection.date.interval.unit' = 'DAYS'".into());
                }
            }
            template.push_str(&format!("/{0}=${{{0}}}", k.name()));
        }
        props.push(format!("'storage.location.template' = '{template}'"));
        out.push_str(&format!("\nTBLPROPERTIES (\n  {}\n)", props.join(",\n  ")));
    }
    out.push_str(";\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_declared_with_its_type() {
        let keys = [Key::Tenant, Key::Date];
        for engine in [Engine::Spark, Engine::Trino, Engine::Athena] {
            let d = ddl(engine, Some("s3://b/p"), &keys);
            for f in entries_schema().fields() {
                let col = format!("{} {}", quote(engine, f.name()), ty(engine, f.data_type()));
                assert!(d.contains(&col), "{engine:?} lacks {col}");
            }
        }
        let spark = ddl(Engine::Spark, Some("s3://b/p"), &keys);
        assert!(spark.contains("`request_headers` ARRAY<STRUCT<name: STRING, value: STRING>>"));
        assert!(spark.contains("LOCATION 's3a://b/p/entries'"));
        let athena = ddl(Engine::Athena, Some("s3://b/p"), &keys);
        assert!(athena.contains(
            "'storage.location.template' = 's3://b/p/entries/tenant=${tenant}/date=${date}'"
        ));
        assert!(athena.contains("`request_headers` array<struct<name:string,value:string>>"));
        let trino = ddl(Engine::Trino, Some("s3://b/p"), &keys);
        assert!(
            trino.contains("\"request_headers\" array(row(\"name\" varchar, \"value\" varchar))")
        );
        assert!(trino.contains("partitioned_by = ARRAY['tenant', 'date']"));
        let bq = ddl(Engine::Bigquery, Some("gs://b/p"), &keys);
        assert!(bq.contains("WITH PARTITION COLUMNS (tenant STRING, date DATE)"));
        assert!(bq.contains("hive_partition_uri_prefix = 'gs://b/p/entries'"));
    }
}
