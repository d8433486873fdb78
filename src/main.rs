//! The `harx` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = harx::cli::Cli::parse();
    match harx::cli::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            for cause in err.chain() {
                if let Some(io) = cause.downcast_ref::<std::io::Error>()
                    && io.kind() == std::io::ErrorKind::BrokenPipe
                {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("harx: error: {err:#}");
            ExitCode::from(harx::cli::ExitStatus::Failure.code())
        }
    }
}
