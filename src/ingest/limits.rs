//! Resource limits for workbooks, checked before a reader opens them: an
//! xlsx or ods is a zip whose parts may inflate a thousand-fold (a 7 MB
//! file that is 3 GB of shared strings), or declare counts no machine
//! holds (`uniqueCount="1000000000000000000"`). Each limit is generous
//! (sized from the million-employee month, whose largest part is about
//! 700 MB of sheet XML at a ratio near 8) and over it the file is refused
//! with exit 3, naming the file and the limit; nothing is inflated.
//!
//! The sizes checked are those the zip declares; a part that inflates
//! past its declared size is cut by the zip reader's checks when read.

use std::io::{Read, Seek};

use crate::error::{Error, Result};

pub use crate::workspace::{Limits, current_limits as current};

fn refused(file: &str, what: String) -> Error {
    Error::Workbook {
        file: file.into(),
        reason: format!("超出读取限制 (limit exceeded): {what}"),
    }
}

/// Checks a zip-based workbook's parts against the limits.
pub fn check_zip<R: Read + Seek>(input: R, file: &str) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(input) else {
        // Not a readable zip: the reader says so in its own words.
        return Ok(());
    };
    let limits = current();
    let mb = |n: u64| n.saturating_mul(1 << 20);
    let mut total: u64 = 0;
    let mut strings_part = None;
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else { continue };
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        if size > mb(limits.part_mb) {
            return Err(refused(
                file,
                format!(
                    "{name} 解压后 {} MB, 上限 {} MB ([limits] part_mb)",
                    size >> 20,
                    limits.part_mb
                ),
            ));
        }
        if size > mb(limits.ratio_from_mb) && size / packed > limits.ratio {
            return Err(refused(
                file,
                format!(
                    "{name} 压缩比 {}:1 (解压后 {} MB), 上限 {}:1 ([limits] ratio); 疑似压缩炸弹 (zip bomb)",
                    size / packed,
                    size >> 20,
                    limits.ratio
                ),
            ));
        }
        total = total.saturating_add(size);
        if name.ends_with("sharedStrings.xml") {
            strings_part = Some(i);
        }
    }
    if total > mb(limits.total_mb) {
        return Err(refused(
            file,
            format!(
                "解压后共 {} MB, 上限 {} MB ([limits] total_mb)",
                total >> 20,
                limits.total_mb
            ),
        ));
    }
    if let Some(i) = strings_part {
        let mut head = Vec::with_capacity(4096);
        if let Ok(part) = zip.by_index(i) {
            let _ = part.take(4096).read_to_end(&mut head);
        }
        check_declared_counts(&String::from_utf8_lossy(&head), file)?;
    }
    Ok(())
}

/// The `count`/`uniqueCount` an `<sst>` element declares, bounded.
fn check_declared_counts(head: &str, file: &str) -> Result<()> {
    let Some(start) = head.find("<sst") else { return Ok(()) };
    let tag = &head[start..head[start..].find('>').map_or(head.len(), |e| start + e)];
    for attr in ["uniqueCount=\"", " count=\""] {
        let Some(at) = tag.find(attr) else { continue };
        let digits: String = tag[at + attr.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let most = current().declared_count;
        let too_many = digits.len() > 18 || digits.parse::<u64>().is_ok_and(|n| n > most);
        if too_many {
            return Err(refused(
                file,
                format!("共享字符串声明了 {digits} 个, 上限 {most} ([limits] declared_count)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            out.start_file(*name, options).unwrap();
            out.write_all(bytes).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn bombs_and_huge_counts_are_refused_before_reading() {
        let bomb = zip_with(&[("xl/sharedStrings.xml", vec![b'a'; 80 << 20])]);
        let err = check_zip(std::io::Cursor::new(bomb), "炸弹.xlsx")
            .err()
            .map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("zip bomb")), "{err:?}");
        let counts = zip_with(&[(
            "xl/sharedStrings.xml",
            br#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="1000000000000000000"><si><t>a</t></si></sst>"#.to_vec(),
        )]);
        let err = check_zip(std::io::Cursor::new(counts), "f.xlsx")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("1000000000000000000")),
            "{err:?}"
        );
        let fine = zip_with(&[(
            "xl/sharedStrings.xml",
            br#"<sst count="3" uniqueCount="2"><si><t>a</t></si></sst>"#.to_vec(),
        )]);
        assert!(check_zip(std::io::Cursor::new(fine), "f.xlsx").is_ok());
    }
}
