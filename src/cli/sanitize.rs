//! `harx sanitize`: a streaming, byte-preserving sanitizer; `--verify` checks a file.

use super::ExitStatus;
use crate::sanitize::engine::Policy;
use crate::sanitize::rules::{DEFAULT_RULES, Replacement, Rules};
use crate::sanitize::{self, Outcome};
use crate::sink::AtomicFile;
use anyhow::{Context, bail, ensure};
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Arguments of `harx sanitize`.
#[derive(Debug, Args)]
pub struct SanitizeArgs {
    /// The HAR to sanitize (plain, gzip, zlib or zstd).
    #[arg(value_name = "INPUT", required_unless_present_any = ["verify", "print_default_rules"])]
    pub input: Option<PathBuf>,
    /// The sanitized HAR to write (created 0600, appears only when complete).
    #[arg(short, long, value_name = "OUTPUT", required_unless_present_any = ["verify", "print_default_rules"])]
    pub output: Option<PathBuf>,
    /// A TOML rules file (see --print-default-rules).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Write a JSON report of what was redacted: counts by rule and location, never values.
    #[arg(long, value_name = "REPORT.json")]
    pub report: Option<PathBuf>,
    /// Replace values by keyed pseudonyms `[REDACTED:<8 hex>]` (equal values stay equal)
    /// instead of `[REDACTED]`.
    #[arg(long)]
    pub pseudonymize: bool,
    /// The pseudonym key (any bytes; hashed to 32). Default: random for each run.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// After sanitizing, encrypt the untouched original to this OpenPGP public key
    /// (armored or binary) as INPUT.gpg, in process (no gpg needed).
    #[arg(long, value_name = "PUBKEY.asc")]
    pub encrypt_original_to: Option<PathBuf>,
    /// With --encrypt-original-to: delete the plaintext original once encrypted.
    #[arg(long, requires = "encrypt_original_to")]
    pub delete_original: bool,
    /// Check FILE instead: exit 1 and list where secrets remain (never the values).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["input", "output"])]
    pub verify: Option<PathBuf>,
    /// With --verify: one JSON object a line (entry, offset, line, column, location,
    /// confidence, what) instead of text.
    #[arg(long, requires = "verify")]
    pub json: bool,
    /// Print the default rules as a TOML rules file, and exit.
    #[arg(long)]
    pub print_default_rules: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

fn random_key() -> anyhow::Result<[u8; 32]> {
    sanitize::report::random_key().context("reading /dev/urandom for the pseudonym key")
}

fn key_from_file(p: &Path) -> anyhow::Result<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).with_context(|| format!("{}: reading the key", p.display()))?;
    ensure!(!bytes.is_empty(), "{}: the key file is empty", p.display());
    Ok(Sha256::digest(&bytes).into())
}

/// Runs `harx sanitize`.
///
/// # Errors
/// Bad rules, unreadable or invalid input (no output is left), unwritable output.
pub fn run(args: &SanitizeArgs) -> anyhow::Result<ExitStatus> {
    if args.print_default_rules {
        std::io::stdout()
            .lock()
            .write_all(DEFAULT_RULES.as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let user_rules = args
        .rules
        .as_ref()
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| format!("{}: reading rules", p.display()))
        })
        .transpose()?;
    let mut rules = Rules::load(user_rules.as_deref()).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}",
            args.rules
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string())
        )
    })?;
    if args.pseudonymize {
        rules.replacement = Replacement::Pseudonym;
    }
    let key = match &args.key_file {
        Some(p) => key_from_file(p)?,
        None => random_key()?,
    };
    let policy = Policy { rules: &rules, key };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .thread_name(|i| format!("harx-sanitize-{i}"))
        .build()
        .context("starting worker threads")?;
    if let Some(file) = &args.verify {
        return verify(file, &policy, &pool, args);
    }
    let (Some(input), Some(output)) = (&args.input, &args.output) else {
        return Err(super::usage(anyhow::anyhow!(
            "INPUT and -o OUTPUT are required"
        )));
    };
    let mut outputs = vec![output.as_path()];
    outputs.extend(args.report.as_deref());
    super::common::check_outputs(&[input.as_path()], &outputs)?;
    let started = std::time::Instant::now();
    let meta = |o: &Outcome| sanitize::report::meta(o, &rules);
    let outcome = sanitize::write_sanitized(input, output, &policy, &pool, &meta)
        .map_err(anyhow::Error::from)?;
    if let Some(r) = &args.report {
        let report = sanitize::report::report(
            &outcome,
            &rules,
            &input.display().to_string(),
            &output.display().to_string(),
        );
        let mut rf = AtomicFile::create(r)?;
        rf.file()
            .write_all(serde_json::to_string_pretty(&report)?.as_bytes())?;
        rf.commit()?;
    }
    if let Some(key) = &args.encrypt_original_to {
        let encrypted = encrypt(input, key)?;
        if args.delete_original {
            // Only when both outputs are complete and check out: the sanitized file verifies
            // clean, and the encrypted copy parses as an OpenPGP message.
            let check = sanitize::verify(output, &policy, &pool)?;
            let high = check
                .findings
                .iter()
                .filter(|f| f.rules.first().is_some_and(|c| c == "high"))
                .count();
            ensure!(
                high == 0,
                "{}: {high} strings still hold secrets (see `harx sanitize --verify`); the original was kept",
                output.display(),
            );
            pgp::composed::Message::from_file(&encrypted).map_err(|e| {
                anyhow::anyhow!(
                    "{}: not a readable OpenPGP message ({e}); the original was kept",
                    encrypted.display()
                )
            })?;
            std::fs::remove_file(input).with_context(|| format!("deleting {}", input.display()))?;
        }
    }
    if !args.quiet {
        let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "harx: {}: {} entries, {} values redacted in {} strings, {:.0} MB/s -> {}",
            input.display(),
            outcome.entries,
            outcome.total,
            outcome.findings.len(),
            if secs > 0.0 {
                bytes as f64 / 1e6 / secs
            } else {
                0.0
            },
            output.display()
        );
    }
    Ok(ExitStatus::Success)
}

/// `--verify FILE`: the independent verifier's findings, locations and detectors only
/// (never values); exit 1 when any is `high`.
fn verify(
    file: &Path,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    args: &SanitizeArgs,
) -> anyhow::Result<ExitStatus> {
    let o = sanitize::verify(file, policy, pool)?;
    let mut out = std::io::stdout().lock();
    let mut high = 0;
    for f in &o.findings {
        let confidence = f.rules.first().map_or("high", String::as_str);
        let what = f.rules.get(1).map_or("", String::as_str);
        if confidence == "high" {
            high += 1;
        }
        if args.json {
            writeln!(out, "{}", sanitize::report::finding(f))?;
            continue;
        }
        let where_ = if f.entry >= 0 {
            format!("entry {}", f.entry)
        } else {
            "log.pages".to_owned()
        };
        let label = if confidence == "high" {
            "secret"
        } else {
            "possible secret (may be a false positive)"
        };
        writeln!(
            out,
            "{}: {where_}, {}: {label}: {what} (byte {}, line {}, column {})",
            file.display(),
            if f.location.is_empty() {
                "entry"
            } else {
                &f.location
            },
            f.offset,
            f.line,
            f.column
        )?;
    }
    if !args.quiet {
        eprintln!(
            "harx: {}: {} entries checked, {} secrets, {} possible secrets",
            file.display(),
            o.entries,
            high,
            o.findings.len() - high
        );
    }
    Ok(if high == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Sanitizes `input` into `output` with the built-in rules plus `rules_file`: what
/// commands that write HAR files from other sources (`convert`) call.
///
/// # Errors
/// Bad rules, unreadable input, unwritable output.
pub fn sanitize_with_rules(
    input: &Path,
    output: &Path,
    rules_file: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let user = rules_file
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| format!("{}: reading rules", p.display()))
        })
        .transpose()?;
    let rules = Rules::load(user.as_deref()).map_err(|e| anyhow::anyhow!("rules: {e}"))?;
    let policy = Policy {
        rules: &rules,
        key: random_key()?,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("harx-sanitize-{i}"))
        .build()
        .context("starting worker threads")?;
    let meta = |o: &Outcome| sanitize::report::meta(o, &rules);
    sanitize::write_sanitized(input, output, &policy, &pool, &meta).map_err(anyhow::Error::from)
}

/// Encrypts `input` to the OpenPGP public key in `key` (armored or binary) as
/// `input.gpg` (0600, atomically): SEIPD v1 with AES-256, streamed, in process (rPGP).
fn encrypt(input: &Path, key: &Path) -> anyhow::Result<PathBuf> {
    use pgp::composed::{Deserializable, MessageBuilder, SignedPublicKey};
    use pgp::crypto::sym::SymmetricKeyAlgorithm;
    use pgp::types::KeyDetails;
    let bytes =
        std::fs::read(key).with_context(|| format!("{}: reading the public key", key.display()))?;
    let cert = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        SignedPublicKey::from_armor_single(&bytes[..]).map(|(k, _)| k)
    } else {
        SignedPublicKey::from_bytes(&bytes[..])
    }
    .map_err(|e| anyhow::anyhow!("{}: not an OpenPGP public key: {e}", key.display()))?;
    let mut target = input.as_os_str().to_owned();
    target.push(".gpg");
    let target = PathBuf::from(target);
    let mut rng = rand::thread_rng();
    let file =
        std::fs::File::open(input).with_context(|| format!("{}: reading", input.display()))?;
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut builder = MessageBuilder::from_reader(name, std::io::BufReader::new(file))
        .seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
    let sub = cert
        .public_subkeys
        .iter()
        .find(|k| k.algorithm().can_encrypt());
    let pgp_err = |e: pgp::errors::Error| anyhow::anyhow!("{}: OpenPGP: {e}", key.display());
    match sub {
        Some(sub) => builder.encrypt_to_key(&mut rng, sub).map_err(pgp_err)?,
        None if cert.primary_key.algorithm().can_encrypt() => builder
            .encrypt_to_key(&mut rng, &cert.primary_key)
            .map_err(pgp_err)?,
        None => bail!(
            "{}: the key has no encryption-capable (sub)key",
            key.display()
        ),
    };
    let mut out = AtomicFile::create(&target)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, out.file());
        builder.to_writer(&mut rng, &mut w).map_err(pgp_err)?;
        w.flush()
            .with_context(|| format!("writing {}", target.display()))?;
    }
    out.commit()?;
    Ok(target)
}
