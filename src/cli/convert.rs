//! `harx convert`: a Fiddler session archive (.saz) to a HAR 1.2 file.

use super::ExitStatus;
use crate::sink::AtomicFile;
use crate::source::saz::{SazOptions, to_har};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `harx convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The Fiddler archive (.saz).
    #[arg(value_name = "IN.saz")]
    pub input: PathBuf,
    /// The HAR file to write (`-` for standard output).
    #[arg(short, long, value_name = "OUT.har")]
    pub output: PathBuf,
    /// Leave request and response bodies out (sizes are kept).
    #[arg(long)]
    pub no_bodies: bool,
    /// Write the archive as it is: cookies, tokens and passwords included. By default
    /// the HAR is sanitized as `harx sanitize` does.
    #[arg(long)]
    pub no_sanitize: bool,
    /// A TOML rules file for the sanitizer (see `harx sanitize --print-default-rules`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_sanitize")]
    pub rules: Option<PathBuf>,
    /// Password-protected archives.
    #[command(flatten)]
    pub saz: super::common::SazArgs,
    /// No summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `harx convert`.
///
/// # Errors
/// When the archive cannot be read or the output written.
pub fn run(args: &ConvertArgs) -> anyhow::Result<ExitStatus> {
    super::common::check_outputs(&[args.input.as_path()], &[args.output.as_path()])?;
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("{}: cannot open", args.input.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{}: not a zip archive (.saz)", args.input.display()))?;
    let plan = crate::source::inputs::zip_plan(&mut archive)
        .with_context(|| format!("{}: not a readable zip archive", args.input.display()))?;
    anyhow::ensure!(
        plan.saz,
        "{}: not a Fiddler session archive (no raw/NN_c.txt members)",
        args.input.display()
    );
    let opts = SazOptions {
        bodies: !args.no_bodies,
        password: args.saz.saz_password.clone(),
    };
    let cap = crate::source::Limits::default().max_bytes;
    let stats = if !args.no_sanitize {
        // The archive's HAR goes to a private temporary file (0600, removed on drop), and
        // only its sanitized copy to the output.
        let dir = match args.output.parent() {
            Some(d) if !d.as_os_str().is_empty() && args.output.as_os_str() != "-" => {
                d.to_path_buf()
            }
            _ => std::env::temp_dir(),
        };
        let raw = tempfile::Builder::new()
            .prefix(".harx-convert.")
            .suffix(".harx-tmp")
            .tempfile_in(&dir)
            .map_err(|e| crate::sink::temp_error(e, &dir))
            .with_context(|| format!("{}: creating a temporary file", args.output.display()))?;
        let _live = crate::sink::TempGuard::new(raw.path());
        let s = {
            let mut out = std::io::BufWriter::new(raw.as_file());
            let s = to_har(&mut archive, &opts, cap, &mut out)
                .with_context(|| args.input.display().to_string())?;
            out.flush()?;
            s
        };
        if args.output.as_os_str() == "-" {
            let clean = tempfile::Builder::new()
                .prefix(".harx-convert.")
                .suffix(".har")
                .tempfile_in(&dir)?;
            let path = clean.path().to_path_buf();
            super::sanitize::sanitize_with_rules(raw.path(), &path, args.rules.as_deref())?;
            let mut f = std::fs::File::open(&path)?;
            std::io::copy(&mut f, &mut std::io::stdout().lock())?;
            drop(clean);
            std::fs::remove_file(&path).ok();
        } else {
            super::sanitize::sanitize_with_rules(raw.path(), &args.output, args.rules.as_deref())?;
        }
        s
    } else if args.output.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let s = to_har(&mut archive, &opts, cap, &mut out)
            .with_context(|| args.input.display().to_string())?;
        out.flush()?;
        s
    } else {
        let mut file = AtomicFile::create(&args.output)?;
        let s = {
            let mut out = std::io::BufWriter::new(file.file());
            let s = to_har(&mut archive, &opts, cap, &mut out)
                .with_context(|| args.input.display().to_string())?;
            out.flush()?;
            s
        };
        file.commit()?;
        s
    };
    for why in &stats.skipped {
        eprintln!("harx: warning: {}: {why}", args.input.display());
    }
    if !args.quiet {
        eprintln!(
            "harx: {} sessions ({} CONNECT tunnels, {} without a response) -> {}",
            stats.sessions,
            stats.tunnels,
            stats.aborted,
            args.output.display()
        );
    }
    Ok(if stats.skipped.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Incomplete
    })
}
