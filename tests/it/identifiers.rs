//! Every row of the acceptance identifier vectors (fixtures/identifiers.csv).

use paybatch::model::ids;

use crate::util::fixture;

#[test]
fn every_identifier_vector_holds() {
    let text = std::fs::read_to_string(fixture("identifiers.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut checked = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let (kind, value, expected, note) = (&row[0], &row[1], &row[2], &row[3]);
        let result = match kind {
            "resident_id" => ids::resident_id(value),
            "uscc" => ids::uscc(value),
            "bank_card" => ids::bank_card(value),
            other => panic!("unknown kind {other}"),
        };
        match expected {
            "valid" => {
                let got = result.unwrap_or_else(|p| panic!("{value} ({note}) should be valid: {p:?}"));
                assert_eq!(got, value.to_ascii_uppercase(), "{note}");
            }
            "invalid" => assert!(result.is_err(), "{value} ({note}) should be invalid"),
            e if e.starts_with("convert:") => {
                assert_eq!(result.as_deref(), Ok(&e["convert:".len()..]), "{note}");
            }
            other => panic!("unknown expectation {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 16);
}

#[test]
fn reasons_are_specific() {
    assert_eq!(ids::resident_id("110105194912310021"), Err(ids::IdProblem::CheckChar));
    assert_eq!(ids::resident_id("110105194902300020"), Err(ids::IdProblem::BirthDate));
    assert_eq!(ids::resident_id("11010519491231002"), Err(ids::IdProblem::Length));
    assert_eq!(ids::uscc("9111000060003734IL"), Err(ids::IdProblem::Characters));
    assert_eq!(ids::bank_card("6222020200112233447"), Err(ids::IdProblem::CheckChar));
    assert_eq!(ids::bank_card("622202020011"), Err(ids::IdProblem::Length));
    assert_eq!(
        ids::bank_card("6222 0202 0011 2233 446").as_deref(),
        Ok("6222020200112233446")
    );
}
