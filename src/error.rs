//! The library's error type: every variant names the file (and where it can,
//! the line or cell) and renders a one-line message in Chinese or English
//! with a hint saying what to do.

use std::path::PathBuf;

use crate::i18n::Lang;

pub type Result<T, E = Error> = std::result::Result<T, E>;

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

    /// 2 for configuration and usage, 3 for input/output.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. } | Error::Usage(_) | Error::Rule { .. } | Error::RulesMissing { .. } => 2,
            Error::Locked { .. } => 4,
            Error::Closed { .. } => 5,
            _ => 3,
        }
    }

    /// One line, localised.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Error::Config { file, line, message } => {
                if zh {
                    format!("配置文件 {file} 第 {line} 行有误: {message}")
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
