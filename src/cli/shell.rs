//! `harx completions SHELL` and `harx man`: shell completion scripts and manual pages,
//! generated from the same definitions as the parser, so they never fall behind it.

use super::ExitStatus;
use anyhow::Context;
use clap::{Args, CommandFactory};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Arguments of `harx completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `harx man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `harx.1` and one page per subcommand (`harx-export.1`…) into this
    /// directory instead of printing `harx.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `harx completions`.
///
/// # Errors
/// Standard output closed.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "harx", &mut out);
    std::io::stdout()
        .lock()
        .write_all(&out)
        .context("writing output")?;
    Ok(ExitStatus::Success)
}

fn render(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .context("rendering the manual page")?;
    Ok(page)
}

/// Runs `harx man`.
///
/// # Errors
/// Standard output closed, or a page that cannot be written.
pub fn man(args: &ManArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = super::Cli::command();
    cmd.build();
    let Some(dir) = &args.dir else {
        std::io::stdout()
            .lock()
            .write_all(&render(cmd)?)
            .context("writing output")?;
        return Ok(ExitStatus::Success);
    };
    let mut pages = vec![("harx.1".to_owned(), render(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("harx-{}", sub.get_name());
        let page = render(
            sub.clone()
                .display_name(name.clone())
                .bin_name(name.clone()),
        )?;
        pages.push((format!("{name}.1"), page));
    }
    for (file, page) in pages {
        let path = dir.join(&file);
        let mut f = crate::sink::AtomicFile::create(&path)?;
        let werr = |e| format!("{}: cannot write: {e}", path.display());
        f.file()
            .write_all(&page)
            .map_err(|e| anyhow::anyhow!(werr(e)))?;
        // a manual page holds no HAR data: readable by all, as man(1) expects
        f.file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| anyhow::anyhow!(werr(e)))?;
        f.commit()?;
    }
    Ok(ExitStatus::Success)
}
