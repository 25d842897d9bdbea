//! The library's error type: every variant names the file (and where it can,
//! the line or cell) and renders a one-line message in Chinese or English
//! with a hint saying what to do.

use std::path::PathBuf;

use crate::i18n::Lang;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a command ended: the process exit code (README, "Exit codes"),
/// defined once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done (warnings allowed).
    Ok = 0,
    /// At least one finding of severity error.
    Findings = 1,
    /// Bad arguments, configuration, rules or ledger state.
    Usage = 2,
    /// A file or the mail relay could not be read or written.
    Io = 3,
    /// Another paybatch holds the workspace lock.
    Locked = 4,
    /// The period is closed.
    Closed = 5,
}

/// What can stop paybatch before or while it reads and writes files.
/// Data problems inside rows are not errors: they are findings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration or rule file is malformed (exit 2).
    #[error("{file}:{line}: {message}")]
    Config { file: String, line: usize, message: String },
    /// Something the user asked for does not exist or makes no sense (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written (exit 3).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A workbook is corrupt or in a format calamine cannot read (exit 3).
    #[error("{file}: {reason}")]
    Workbook { file: String, reason: String },
    /// A workbook is encrypted with a password (exit 3).
    #[error("{file}: password-protected workbook")]
    Protected { file: String },
    /// A CSV file is neither UTF-8 nor GBK (exit 3).
    #[error("{file}: neither UTF-8 nor GBK")]
    Encoding { file: String },
    /// A CSV file that starts as UTF-8 has a row that is not (exit 3).
    #[error("{file}: row {row} is not UTF-8 text")]
    NotText { file: String, row: usize },
    /// A configured sheet is not in the workbook (exit 3).
    #[error("{file}: no sheet `{sheet}`")]
    SheetMissing {
        file: String,
        sheet: String,
        available: Vec<String>,
    },
    /// A file extension paybatch does not read (exit 3).
    #[error("{file}: unsupported file type")]
    UnsupportedFile { file: String },
    /// A formula or rule could not be evaluated (exit 2).
    #[error("{file}: {message}")]
    Rule { file: String, message: String },
    /// A rule set paybatch cannot run without is missing (exit 2): with no
    /// validation rules every check would be silently off.
    #[error("rules/{folder}: no rule files")]
    RulesMissing { folder: String },
    /// A period with sealed versions has no readable state pointer (exit 2):
    /// never treated as open; `paybatch repair` rebuilds it from the log.
    #[error("ledger/{period}/state.json: {reason}")]
    StateLost { period: String, reason: String },
    /// The ledger disagrees with itself (exit 2): package, state and log.
    #[error("ledger: {0}")]
    Ledger(String),
    /// An output paybatch writes could not be written or re-read for its
    /// self-check (exit 3): not a problem of the clerk's spreadsheets.
    #[error("{file}: {reason}")]
    Output { file: String, reason: String },
    /// The mail relay failed (exit 3): not a spreadsheet problem.
    #[error("smtp://{server}: {reason}")]
    Mail { server: String, reason: String },
    /// Another paybatch holds the workspace lock (exit 4).
    #[error("workspace locked by {holder}")]
    Locked { holder: String },
    /// The period is closed; reopen it first (exit 5).
    #[error("period {period} is closed")]
    Closed { period: String },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds a config error from a TOML parse error, with its line.
    pub fn toml(file: &str, text: &str, err: &toml::de::Error) -> Self {
        let line = err
            .span()
            .map_or(0, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        Error::Config {
            file: file.into(),
            line,
            message: err.message().to_string(),
        }
    }

    /// How a command that failed with this error ends: usage for
    /// configuration, rules and the ledger, I/O for files and mail.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Config { .. }
            | Error::Usage(_)
            | Error::Rule { .. }
            | Error::RulesMissing { .. }
            | Error::StateLost { .. }
            | Error::Ledger(_) => ExitStatus::Usage,
            Error::Locked { .. } => ExitStatus::Locked,
            Error::Closed { .. } => ExitStatus::Closed,
            _ => ExitStatus::Io,
        }
    }

    /// One line, localised.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Error::Config { file, line, message } => {
                if zh {
                    let said = serde_in_chinese(message)
                        .map_or_else(|| message.clone(), |zh| format!("{zh} (原文: {message})"));
                    format!("配置文件 {file} 第 {line} 行有误: {said}")
                } else {
                    format!("config file {file}, line {line}: {message}")
                }
            }
            Error::Usage(m) => m.clone(),
            Error::Io { path, source } => {
                if zh {
                    format!("无法读写文件 {}: {source}", path.display())
                } else {
                    format!("cannot read or write {}: {source}", path.display())
                }
            }
            Error::Workbook { file, reason } => {
                if zh {
                    format!("无法打开表格 {file}: {reason}")
                } else {
                    format!("cannot open spreadsheet {file}: {reason}")
                }
            }
            Error::Protected { file } => {
                if zh {
                    format!("表格 {file} 设有打开密码, 无法读取")
                } else {
                    format!("spreadsheet {file} is password-protected")
                }
            }
            Error::Encoding { file } => {
                if zh {
                    format!("CSV 文件 {file} 既不是 UTF-8 也不是 GBK 编码")
                } else {
                    format!("CSV file {file} is neither UTF-8 nor GBK")
                }
            }
            Error::NotText { file, row } => {
                if zh {
                    format!("CSV 文件 {file} 以 UTF-8 开头, 但第 {row} 行不是 UTF-8 文本")
                } else {
                    format!("CSV file {file} starts as UTF-8, but row {row} is not UTF-8 text")
                }
            }
            Error::SheetMissing { file, sheet, available } => {
                if zh {
                    format!(
                        "表格 {file} 中没有名为「{sheet}」的工作表, 现有: {}",
                        available.join("、")
                    )
                } else {
                    format!("{file} has no sheet `{sheet}`; it has: {}", available.join(", "))
                }
            }
            Error::UnsupportedFile { file } => {
                if zh {
                    format!("不支持的文件类型: {file}")
                } else {
                    format!("unsupported file type: {file}")
                }
            }
            Error::Rule { file, message } => {
                if zh {
                    format!("规则文件 {file} 有误: {message}")
                } else {
                    format!("rule file {file}: {message}")
                }
            }
            Error::RulesMissing { folder } => {
                if zh {
                    format!("规则目录 rules/{folder} 缺失或没有规则文件, 不能在缺少这组规则的情况下运行")
                } else {
                    format!(
                        "rules/{folder} is missing or holds no rule files; paybatch does not run without this rule set"
                    )
                }
            }
            Error::StateLost { period, reason } => {
                if zh {
                    format!(
                        "期间 {period} 有封存版本, 但状态文件 ledger/{period}/state.json {reason}; 不会把它当作未关账期间处理"
                    )
                } else {
                    format!(
                        "period {period} has sealed versions but ledger/{period}/state.json {reason}; it is not treated as open"
                    )
                }
            }
            Error::Ledger(message) => {
                if zh {
                    format!("账本不一致: {message}")
                } else {
                    format!("the ledger disagrees with itself: {message}")
                }
            }
            Error::Output { file, reason } => {
                if zh {
                    format!("无法写出输出文件 {file}: {reason}")
                } else {
                    format!("cannot write output file {file}: {reason}")
                }
            }
            Error::Mail { server, reason } => {
                if zh {
                    format!("邮件服务器 {server} 出错: {reason}")
                } else {
                    format!("mail relay {server} failed: {reason}")
                }
            }
            Error::Locked { holder } => {
                if zh {
                    format!("另一个 paybatch 正在处理此工作区 ({holder})")
                } else {
                    format!("another paybatch is working on this workspace ({holder})")
                }
            }
            Error::Closed { period } => {
                if zh {
                    format!("期间 {period} 已关账, 不能再修改")
                } else {
                    format!("period {period} is closed and cannot be changed")
                }
            }
        }
    }

    /// What to do about it.
    pub fn hint(&self, lang: Lang) -> Option<String> {
        let zh = lang == Lang::Zh;
        let text = match self {
            Error::Config { .. } => {
                if zh {
                    "请按提示修改该行后重试; 规则文件格式见 README「规则文件」一节"
                } else {
                    "fix that line and retry; see README, section \"Rule files\""
                }
            }
            Error::Workbook { .. } => {
                if zh {
                    "请用 Excel/WPS 打开后另存为 .xlsx 或 UTF-8 CSV 再试"
                } else {
                    "open it in Excel/WPS and save it again as .xlsx or UTF-8 CSV"
                }
            }
            Error::Protected { .. } => {
                if zh {
                    "请在 Excel 中取消文件密码 (文件 > 信息 > 保护工作簿) 后另存"
                } else {
                    "remove the password in Excel (File > Info > Protect Workbook) and save again"
                }
            }
            Error::Encoding { .. } | Error::NotText { .. } => {
                if zh {
                    "请用 Excel 另存为「CSV UTF-8 (逗号分隔)」"
                } else {
                    "save it from Excel as \"CSV UTF-8 (Comma delimited)\""
                }
            }
            Error::SheetMissing { .. } => {
                if zh {
                    "请检查 paybatch.toml 中 [inputs] 的 sheet 设置"
                } else {
                    "check the sheet name under [inputs] in paybatch.toml"
                }
            }
            Error::UnsupportedFile { .. } => {
                if zh {
                    "支持 .xlsx .xls .xlsm .ods .csv"
                } else {
                    "paybatch reads .xlsx .xls .xlsm .ods .csv"
                }
            }
            Error::RulesMissing { .. } => {
                if zh {
                    "从备份恢复该目录, 或在新目录运行 paybatch init 后把默认规则复制过来"
                } else {
                    "restore the folder from a backup, or run paybatch init in a new folder and copy the default rules over"
                }
            }
            Error::StateLost { .. } => {
                if zh {
                    "运行 paybatch repair --period <期间> 从 ledger/log.jsonl 重建状态 (修复本身也会记入日志)"
                } else {
                    "run paybatch repair --period <P> to rebuild the state from ledger/log.jsonl (the repair is logged too)"
                }
            }
            Error::Ledger(_) => {
                if zh {
                    "运行 paybatch audit --year <年> 查看哪里不一致; 不要手工修改 ledger 目录"
                } else {
                    "run paybatch audit --year <Y> to see what disagrees; do not edit the ledger folder by hand"
                }
            }
            Error::Output { .. } => {
                if zh {
                    "检查磁盘空间和 ledger、reports 目录的写权限后重试; 已发布的结果不受影响"
                } else {
                    "check the free disk space and write access to the ledger and reports folders, then retry; published results are untouched"
                }
            }
            Error::Mail { .. } => {
                if zh {
                    "检查 paybatch.toml 中 [payslips] 的 smtp 设置和网络; 已发出的邮件记录在 reports/<期间>/payslips-sent.jsonl, 重试只发送其余的"
                } else {
                    "check the smtp relay under [payslips] in paybatch.toml and the network; mails already sent are recorded in reports/<P>/payslips-sent.jsonl and a retry sends only the rest"
                }
            }
            Error::Locked { .. } => {
                if zh {
                    "等它结束后再运行; 若该进程已不存在, 锁会自动失效"
                } else {
                    "run again when it has finished; a lock left by a dead process is ignored"
                }
            }
            Error::Closed { .. } => {
                if zh {
                    "如需更正, 先运行 paybatch reopen --period <期间> --reason \"原因\""
                } else {
                    "to correct it, run paybatch reopen --period <P> --reason \"why\" first"
                }
            }
            _ => return None,
        };
        Some(text.to_string())
    }
}

thread_local! {
    /// How many [`catch_quietly`] calls this thread is inside.
    static CATCHING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Runs `f`, catching a panic (a third-party reader's, on a malformed
/// file) without its text reaching the user: the caller turns it into an
/// error naming the file.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    CATCHING.with(|c| c.set(c.get() + 1));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
    out
}

/// The process's panic hook: a panic being caught by [`catch_quietly`]
/// goes to the debug log only; any other (a defect in paybatch) prints one
/// line saying so, in both languages, without a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tracing::debug!(panic = %info, "panic");
        if CATCHING.with(std::cell::Cell::get) == 0 {
            eprintln!(
                "错误: paybatch 内部错误, 请用 -vv 重新运行并把输出报告给维护者 / internal error in paybatch: run again with -vv and report the output"
            );
        }
    }));
}

/// The usual TOML/serde complaints in Chinese (the original is kept
/// beside it): an unknown or missing key, an unknown choice, a wrong type,
/// a key given twice. `None` for anything else.
fn serde_in_chinese(message: &str) -> Option<String> {
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string);
    let choices = |s: &str| {
        s.split_once("expected one of ")
            .map(|(_, list)| list.trim().to_string())
            .or_else(|| s.split_once("expected ").map(|(_, e)| e.trim().to_string()))
    };
    let m = message.trim();
    if m.starts_with("unknown field") {
        let name = quoted(m)?;
        return Some(match choices(m) {
            Some(list) => format!("不认识的键 `{name}` (拼写错误?), 可用的键: {list}"),
            None => format!("不认识的键 `{name}` (拼写错误?)"),
        });
    }
    if m.starts_with("missing field") {
        return Some(format!("缺少必填的键 `{}`", quoted(m)?));
    }
    if m.starts_with("unknown variant") {
        let name = quoted(m)?;
        return Some(match choices(m) {
            Some(list) => format!("不认识的取值 `{name}`, 可选: {list}"),
            None => format!("不认识的取值 `{name}`"),
        });
    }
    if m.starts_with("invalid type") {
        let expected = choices(m).unwrap_or_default();
        return Some(format!("值的类型不对, 应为 {expected}"));
    }
    if let Some(wanted) = m.strip_prefix("wanted ") {
        return Some(format!("值的类型不对, 应为 {wanted}"));
    }
    if m.starts_with("duplicate key") {
        return Some(match quoted(m) {
            Some(name) => format!("键 `{name}` 写了两次"),
            None => "同一个键写了两次".to_string(),
        });
    }
    None
}

#[cfg(test)]
mod serde_text {
    use super::serde_in_chinese;

    #[test]
    fn the_usual_complaints_are_said_in_chinese() {
        assert_eq!(
            serde_in_chinese("unknown field `fromm`, expected one of `from`, `eml`").as_deref(),
            Some("不认识的键 `fromm` (拼写错误?), 可用的键: `from`, `eml`")
        );
        assert_eq!(
            serde_in_chinese("missing field `monthly`").as_deref(),
            Some("缺少必填的键 `monthly`")
        );
        assert_eq!(
            serde_in_chinese("unknown variant `cheap`, expected one of `cheaper`, `separate`, `merged`").as_deref(),
            Some("不认识的取值 `cheap`, 可选: `cheaper`, `separate`, `merged`")
        );
        assert_eq!(serde_in_chinese("something else"), None);
    }
}
