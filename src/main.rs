//! The `paybatch` binary: parse arguments, set up logging, run, and turn
//! the outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use paybatch::cli::{self, Cli, ExitStatus};
use paybatch::i18n::Lang;

/// mimalloc: faster than the system allocator for the many small strings of
/// a large batch, and it hands freed memory from one phase (input tables)
/// to the next (results) across rayon's threads, which glibc's per-thread
/// arenas do not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> ExitCode {
    // Freed pages go back to the OS 10 ms after they are freed. Longer
    // (this mimalloc's default) lets the 1M peak reach 1.35-1.54 GiB, as
    // the freed input records are not handed back while the results grow;
    // at once (0, up to stop 19) cost about 50,000 more page faults a 1M
    // run and, in 3 runs of 14, a million more (4-5 s of kernel time). The
    // peak is 928-940 MiB at 10 ms, 921-926 at 0.
    // mimalloc's own MIMALLOC_PURGE_DELAY, when set, wins (for measuring).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads it on each purge.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let lang = cli.lang.unwrap_or_default();
    match cli::run(cli) {
        Ok(status) => ExitCode::from(status as u8),
        Err(err) => ExitCode::from(report(&err, lang)),
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .try_init();
}

/// Prints the error (localised when it is one of ours) and picks the code.
fn report(err: &anyhow::Error, lang: Lang) -> u8 {
    let broken_pipe = err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return 0;
    }
    let prefix = if lang == Lang::Zh { "错误" } else { "error" };
    if let Some(e) = err.downcast_ref::<paybatch::Error>() {
        eprintln!("{prefix}: {}", e.message(lang));
        if let Some(hint) = e.hint(lang) {
            let label = if lang == Lang::Zh { "提示" } else { "hint" };
            eprintln!("\n{label}: {hint}");
        }
        return e.exit_code();
    }
    eprintln!("{prefix}: {err:#}");
    ExitStatus::Io as u8
}
