//! Which files of `inputs/<P>/` are read: regular files only, listed
//! without following links. A symbolic link (it could point anywhere on
//! the machine, /etc/shadow included), a device, a pipe or a folder is
//! refused with a finding, and a name that is not valid Unicode is reported
//! by what it shows, never a crash. Hidden files and Office lock files
//! (`~$…`) are skipped.

use std::path::Path;

use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// The regular files of `dir` by name (sorted), and findings for the rest.
pub fn input_files(dir: &Path) -> Result<(Vec<String>, Vec<Finding>)> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "没有本期的输入目录 {0}: 把本月的表格放进去再运行 / no input folder {0}: put the month's spreadsheets there",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut names = Vec::new();
    let mut findings = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let raw = entry.file_name();
        let shown = raw.to_string_lossy().into_owned();
        if shown.starts_with('.') || shown.starts_with("~$") {
            continue;
        }
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        if kind.is_dir() {
            continue;
        }
        let refuse = |zh: &str, en: &str, hint_zh: &str, hint_en: &str| {
            Finding::about(
                "S020",
                Severity::Error,
                &shown,
                "",
                Text::new(zh, en),
                Text::new(hint_zh, hint_en),
            )
        };
        if kind.is_symlink() {
            findings.push(refuse(
                "这是一个符号链接 (快捷方式), 已拒绝读取",
                "this is a symbolic link; refused",
                "把真正的文件复制到 inputs 目录中, 不要放链接",
                "copy the real file into the inputs folder instead of a link",
            ));
        } else if !kind.is_file() {
            findings.push(refuse(
                "这不是普通文件 (设备、管道或套接字), 已拒绝读取",
                "this is not a regular file (a device, pipe or socket); refused",
                "只在 inputs 目录中放表格文件",
                "keep only spreadsheet files in the inputs folder",
            ));
        } else if raw.to_str().is_none() {
            findings.push(refuse(
                "文件名不是有效的 Unicode 文本 (可能是乱码), 已拒绝读取",
                "the file name is not valid Unicode (garbled); refused",
                "把文件改成正常的中文或英文名字",
                "rename the file to a plain Chinese or English name",
            ));
        } else {
            names.push(shown);
        }
    }
    names.sort();
    Ok((names, findings))
}
