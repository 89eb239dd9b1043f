//! Number normalisation, mainland plausibility and the import's rejected-rows report.

use hotline_campaign::{
    import_targets, is_mainland_plausible, normalise, ImportOptions, NumberError, RawRow,
    RejectedRow, RowError, TargetId,
};

#[test]
fn numbers_are_normalised_or_refused_with_a_reason() {
    assert_eq!(normalise(" +86 138-0013-8000 ").unwrap(), "+8613800138000");
    assert_eq!(normalise("(010) 6552.9988").unwrap(), "01065529988");
    assert_eq!(normalise("955 98").unwrap(), "95598");
    assert_eq!(normalise("110").unwrap(), "110");
    assert_eq!(normalise(""), Err(NumberError::Empty));
    assert_eq!(normalise(" - "), Err(NumberError::Empty));
    assert_eq!(normalise("12"), Err(NumberError::TooShort(2)));
    assert_eq!(normalise(&"1".repeat(21)), Err(NumberError::TooLong(21)));
    assert!(normalise(&"1".repeat(20)).is_ok());
    assert_eq!(normalise("138a"), Err(NumberError::BadChar('a')));
    assert_eq!(normalise("1+38000"), Err(NumberError::BadChar('+')));
    assert_eq!(normalise("++138000"), Err(NumberError::BadChar('+')));
    assert_eq!(
        normalise("１３８"),
        Err(NumberError::BadChar('１')),
        "full-width digits"
    );
}

#[test]
fn mainland_plausibility() {
    for ok in [
        "13800138000",
        "19912345678",
        "+8613800138000",
        "008613800138000",
        "8613800138000",
        "01065529988",
        "075512345678",
        "+861065529988",
    ] {
        assert!(is_mainland_plausible(ok), "{ok}");
    }
    for bad in [
        "12345678901",
        "1380013800",
        "95598",
        "+4930123456",
        "00123456789",
        "138001380001",
    ] {
        assert!(!is_mainland_plausible(bad), "{bad}");
    }
}

#[test]
fn import_reports_rejected_rows_and_removes_duplicates() {
    let mut row5 = RawRow::new(5, "c5", "139 0000 0005");
    row5.data.insert("amount_due_fen".into(), "12345".into());
    let rows = vec![
        RawRow::new(2, "c1", "13800000001"),
        RawRow::new(3, "c2", "138-0000-0001"),
        RawRow::new(4, "", "13800000004"),
        row5,
        RawRow::new(6, "c6", "call me"),
        RawRow::new(7, "c7", "95598"),
        RawRow::new(8, "c8", "13800000008"),
    ];
    let report = import_targets(
        rows.clone(),
        ImportOptions {
            mainland_only: false,
            first_id: 100,
        },
    );
    let accepted: Vec<_> = report
        .targets
        .iter()
        .map(|t| (t.id, t.customer.as_str(), t.number.as_str()))
        .collect();
    assert_eq!(
        accepted,
        vec![
            (TargetId(100), "c1", "13800000001"),
            (TargetId(101), "c5", "13900000005"),
            (TargetId(102), "c7", "95598"),
            (TargetId(103), "c8", "13800000008"),
        ]
    );
    assert_eq!(report.targets[1].data["amount_due_fen"], "12345");
    assert_eq!(
        report.rejected,
        vec![
            RejectedRow {
                row: 3,
                reason: RowError::Duplicate { of_row: 2 }
            },
            RejectedRow {
                row: 4,
                reason: RowError::NoCustomer
            },
            RejectedRow {
                row: 6,
                reason: RowError::Number(NumberError::BadChar('c'))
            },
        ]
    );
    assert_eq!(report.rejected[0].reason.to_string(), "duplicate of row 2");
    // Mainland only: the service number is refused too.
    let strict = import_targets(
        rows,
        ImportOptions {
            mainland_only: true,
            first_id: 1,
        },
    );
    assert_eq!(strict.targets.len(), 3);
    assert!(strict.rejected.contains(&RejectedRow {
        row: 7,
        reason: RowError::Number(NumberError::NotMainland)
    }));
}
