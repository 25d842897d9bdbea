//! Random bytes and truncated real files never make a reader panic.

use paybatch::ingest::grid::{read_csv_bytes, read_workbook_bytes};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_csv_bytes(&bytes, "x.csv");
    }

    #[test]
    fn workbook_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), ext in prop::sample::select(vec!["x.xlsx", "x.xls", "x.ods"])) {
        let _ = read_workbook_bytes(bytes, ext);
    }

    #[test]
    fn zip_like_garbage_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let _ = read_workbook_bytes(bytes, "x.xlsx");
    }
}

#[test]
fn truncated_real_files_never_panic() {
    let dir = crate::util::tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let month = dir.path().join("inputs/2026-03");
    for name in ["花名册.xlsx", "变动项.xlsx", "考勤.csv"] {
        let full = std::fs::read(month.join(name)).unwrap();
        let step = (full.len() / 97).max(1);
        for len in (0..full.len()).step_by(step) {
            let cut = full[..len].to_vec();
            if name.ends_with(".csv") {
                let _ = read_csv_bytes(&cut, name);
            } else {
                let _ = read_workbook_bytes(cut, name);
            }
        }
        // Flipped bytes in the middle of a real file.
        let mut flipped = full.clone();
        for i in (0..flipped.len()).step_by(step * 3) {
            flipped[i] ^= 0x5A;
        }
        let _ = read_workbook_bytes(flipped, name);
    }
}
