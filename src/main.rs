//! The `paybatch` binary: parse arguments, set up logging, run, and turn
//! the outcome into an exit code. Everything else lives in the library.

use std::ops::Not;
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

fn main() -> ExitCode {
    paybatch::allocator::set_purge_delay();
    // A panic inside a reader is caught and reported as an error naming
    // the file; its raw text never reaches the clerk (it goes to the debug
    // log). The umask is read once, before any thread starts.
    paybatch::error::install_panic_hook();
    paybatch::emit::atomic::init_file_mode();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    init_logging(cli.verbose);
    let lang = cli.effective_lang();
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
    let masked = |s: &str| paybatch::model::ids::mask_numbers_in(s).into_owned();
    if let Some(e) = err.downcast_ref::<paybatch::Error>() {
        eprintln!("{prefix}: {}", masked(&e.message(lang)));
        if let Some(hint) = e.hint(lang) {
            let label = if lang == Lang::Zh { "提示" } else { "hint" };
            eprintln!("\n{label}: {hint}");
        }
        return e.exit_status() as u8;
    }
    eprintln!("{prefix}: {}", masked(&format!("{err:#}")));
    ExitStatus::Io as u8
}

/// A command-line mistake, in the user's language (Chinese unless
/// `--lang en` is on the command line), with clap's own text as detail.
/// Help and version requests print as clap renders them.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || e.use_stderr().not() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let args: Vec<String> = std::env::args().collect();
    let en = args.windows(2).any(|w| w[0] == "--lang" && w[1] == "en") || args.iter().any(|a| a == "--lang=en");
    let detail = e.to_string();
    let detail = detail.trim().trim_start_matches("error: ");
    if en {
        eprintln!("error: {detail}");
    } else {
        let what = match e.kind() {
            ErrorKind::InvalidValue | ErrorKind::ValueValidation => "参数值无效",
            ErrorKind::UnknownArgument => "不认识的参数",
            ErrorKind::InvalidSubcommand => "不认识的命令",
            ErrorKind::MissingRequiredArgument => "缺少必需的参数",
            ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "缺少命令",
            ErrorKind::ArgumentConflict => "参数不能同时使用",
            ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => "参数值个数不对",
            _ => "命令行有误",
        };
        eprintln!(
            "错误: {what}\n\n详情 (clap): {detail}\n\n提示: 运行 paybatch --help 或 paybatch <命令> --help 查看用法"
        );
    }
    ExitCode::from(ExitStatus::Usage as u8)
}
