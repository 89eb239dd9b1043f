//! Customer information through the store and the `CustomerSource` seam: lookups, bills,
//! arrears with late fees, meter readings by rule, notices; on SQLite and PostgreSQL.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::*;

#[tokio::test]
async fn lookups_by_phone_account_and_name() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        for phone in [
            "13800001111",
            "+8613800001111",
            "0086 138 0000 1111",
            "020-88881234",
        ] {
            let found = s.customers_by_phone(phone).await.unwrap();
            assert_eq!(
                found.iter().map(|c| c.id).collect::<Vec<_>>(),
                vec![f.customer],
                "{phone}"
            );
        }
        assert!(s
            .customers_by_phone("13800001112")
            .await
            .unwrap()
            .is_empty());
        assert!(s
            .customers_by_phone("' OR 1=1 --")
            .await
            .unwrap()
            .is_empty());
        let c = s.customer_by_account("1000000001").await.unwrap().unwrap();
        assert_eq!(
            (c.tier.as_str(), c.credit_flag.as_str()),
            ("key_account", "dunning")
        );
        assert_eq!(c.manager_agent_id, Some(f.agent));
        assert_eq!(s.customer_by_account("1000000001' --").await.unwrap(), None);
        let q = CustomerQuery {
            name: Some("陈".into()),
            ..CustomerQuery::default()
        };
        assert_eq!(s.search_customers(&q, 10).await.unwrap().len(), 1);
        for name in ["%", "_", "陈%", "' OR ''='"] {
            let q = CustomerQuery {
                name: Some(name.into()),
                ..CustomerQuery::default()
            };
            assert!(
                s.search_customers(&q, 10).await.unwrap().is_empty(),
                "{name}"
            );
        }
        let none = s.search_customers(&CustomerQuery::default(), 10).await;
        assert!(matches!(none, Err(StoreError::Invalid { field: "q", .. })));
        // A second account on the same phone: both are found.
        s.insert_customer(
            &NewCustomer {
                account_no: "1000000002".into(),
                name: "陈小明".into(),
                address: "城东区解放路12号3单元502室".into(),
                district_id: Some(f.district),
                language: "zh".into(),
                tier: "standard".into(),
                manager_agent_id: None,
                credit_flag: "none".into(),
                credit_note: String::new(),
                phones: vec!["13800001111".into()],
                meters: vec![],
            },
            NOW,
        )
        .await
        .unwrap();
        assert_eq!(s.customers_by_phone("13800001111").await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn bills_of_twelve_months_and_arrears_of_two_years_with_late_fees() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let bills = s.bills(f.customer, 12, NOW).await.unwrap();
        assert_eq!(bills.len(), 12);
        assert_eq!(bills[0].period, calendar::period_back(NOW, 0));
        assert_eq!(bills[11].period, calendar::period_back(NOW, 11));
        // Without a bill for the current month yet, the year back is still 12 bills.
        let month_later = NOW + 31 * DAY;
        let bills = s.bills(f.customer, 12, month_later).await.unwrap();
        assert_eq!(bills.len(), 12);
        assert_eq!(bills[0].period, calendar::period_back(month_later, 1));
        // Unpaid: periods 0, 1, 2 back. The current one (due at NOW - 15 days) is overdue too.
        let a = s.arrears(f.customer, NOW).await.unwrap();
        assert_eq!(a.items.len(), 3);
        assert_eq!(a.principal_fen, 3 * 6900);
        // 15, 45, 75 days overdue at 0.1 % a day of 69.00 yuan: 1.03 + 3.10 + 5.17 yuan.
        let days: Vec<i64> = a.items.iter().map(|i| i.days_overdue).collect();
        assert_eq!(days, vec![75, 45, 15]);
        let fees: Vec<i64> = a.items.iter().map(|i| i.late_fee_fen).collect();
        assert_eq!(fees, vec![517, 310, 103]);
        assert_eq!(a.total_fen, 3 * 6900 + 517 + 310 + 103);
        // Bills older than two years are not arrears even if unpaid.
        s.insert_bill(&NewBill {
            customer_id: f.customer,
            period: calendar::period_back(NOW, 25),
            volume: 20,
            amount_fen: 5000,
            due_at: NOW - 900 * DAY,
            paid_fen: 0,
            paid_at: None,
        })
        .await
        .unwrap();
        assert_eq!(s.arrears(f.customer, NOW).await.unwrap().items.len(), 3);
        // Through the seam, keyed by account number.
        let src: &dyn CustomerSource = &s;
        assert_eq!(src.bills("1000000001", 12, NOW).await.unwrap().len(), 12);
        assert_eq!(src.arrears("1000000001", NOW).await.unwrap(), a);
        assert!(matches!(
            src.arrears("nope", NOW).await,
            Err(SourceError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn readings_are_accepted_or_queried_with_a_meter_ticket() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let src: &dyn CustomerSource = &s;
        let sub = |value| ReadingSubmission {
            account_no: "1000000001".into(),
            meter_serial: None,
            value,
            source: ReadingSource::Ivr,
            reporter_phone: Some("+86 138 0000 1111".into()),
        };
        // Usual 20 a month, factor 3: 1000 -> 1050 a month later is plausible.
        let ok = src.submit_reading(&sub(1050), NOW).await.unwrap();
        assert_eq!(
            (ok.status.as_str(), ok.consumption, ok.ticket_id),
            ("accepted", Some(50), None)
        );
        // Below the last accepted one (now 1050): queried, a meter ticket opened.
        let low = src.submit_reading(&sub(1049), NOW + DAY).await.unwrap();
        assert_eq!(low.status, "queried");
        let tid = low.ticket_id.expect("meter ticket");
        let t = s.ticket(tid, NOW).await.unwrap().unwrap();
        assert_eq!((t.kind.as_str(), t.created_via.as_str()), ("meter", "ivr"));
        assert_eq!(
            t.reporter_phone, "13800001111",
            "staff call the reporter back"
        );
        assert_eq!(
            t.summary,
            "客户语音自报读数 1049（水表 W-0001）存疑：低于上次确认读数 1050"
        );
        assert_eq!(t.summaries.get("zh"), Some(&t.summary));
        assert_eq!(
            t.summaries.get("en").map(String::as_str),
            Some("IVR self-reported reading 1049 of meter W-0001 queried: below the last accepted reading 1050")
        );
        // Far above usual: queried.
        let high = src.submit_reading(&sub(1500), NOW + 2 * DAY).await.unwrap();
        assert_eq!(high.status, "queried");
        assert!(
            high.reason.contains("above the plausible"),
            "{}",
            high.reason
        );
        // The meter's last accepted reading did not move.
        let readings = s.readings(f.customer, 10).await.unwrap();
        let statuses: Vec<(&str, i64)> = readings
            .iter()
            .map(|r| (r.status.as_str(), r.value))
            .collect();
        assert_eq!(
            statuses,
            vec![("queried", 1500), ("queried", 1049), ("accepted", 1050)]
        );
        let again = src.submit_reading(&sub(1060), NOW + 3 * DAY).await.unwrap();
        assert_eq!(again.consumption, Some(10));
        // From a withheld number the reading (and its ticket) is kept, without a phone.
        let withheld = ReadingSubmission {
            reporter_phone: Some("anonymous".into()),
            ..sub(1000)
        };
        let q = src.submit_reading(&withheld, NOW + 4 * DAY).await.unwrap();
        let t = s
            .ticket(q.ticket_id.expect("meter ticket"), NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.reporter_phone, "");
        // Bad input.
        assert!(matches!(
            src.submit_reading(&sub(-1), NOW).await,
            Err(SourceError::Invalid { .. })
        ));
        let wrong = ReadingSubmission {
            meter_serial: Some("W-9999".into()),
            ..sub(1100)
        };
        assert!(matches!(
            src.submit_reading(&wrong, NOW).await,
            Err(SourceError::Invalid { .. })
        ));
    })
    .await;
}

/// A customer with one bill per `(months back, volume)`, and a meter last read 30 days ago
/// at 1000.
async fn customer_with_history(s: &Store, f: &Fixture, account: &str, bills: &[(i64, i64)]) -> i64 {
    let id = s
        .insert_customer(
            &NewCustomer {
                account_no: account.into(),
                name: "新客户".into(),
                address: "城东区人民路1号".into(),
                district_id: Some(f.district),
                language: "zh".into(),
                tier: "standard".into(),
                manager_agent_id: None,
                credit_flag: "none".into(),
                credit_note: String::new(),
                phones: vec![],
                meters: vec![(format!("M-{account}"), Some((1000, NOW - 30 * DAY)))],
            },
            NOW - 800 * DAY,
        )
        .await
        .unwrap();
    for (back, volume) in bills {
        s.insert_bill(&NewBill {
            customer_id: id,
            period: calendar::period_back(NOW, *back),
            volume: *volume,
            amount_fen: volume * 345,
            due_at: NOW - back * 30 * DAY,
            paid_fen: volume * 345,
            paid_at: Some(NOW - back * 30 * DAY),
        })
        .await
        .unwrap();
    }
    id
}

#[tokio::test]
async fn usual_consumption_is_the_average_of_the_last_12_months() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        // Exactly 12 months of history (the months before this one): 11 of 10 m³ and, a year
        // ago, 130 m³. The average of the 12 is 20; of the latest 11 it would be 10.
        let mut year: Vec<(i64, i64)> = (1..=11).map(|back| (back, 10)).collect();
        year.push((12, 130));
        let a = customer_with_history(&s, &f, "2000000012", &year).await;
        assert_eq!(s.monthly_average(a, NOW).await.unwrap(), Some(20.0));
        // 11 months of history averages those 11; a bill older than 12 months never counts.
        let mut eleven: Vec<(i64, i64)> = (1..=10).map(|back| (back, 10)).collect();
        eleven.push((11, 120));
        eleven.push((13, 5000));
        let b = customer_with_history(&s, &f, "2000000011", &eleven).await;
        assert_eq!(s.monthly_average(b, NOW).await.unwrap(), Some(20.0));
        // With a bill for this month too, the latest 12 count (the one a year ago drops out).
        let mut thirteen = year.clone();
        thirteen.push((0, 250));
        let c = customer_with_history(&s, &f, "2000000013", &thirteen).await;
        assert_eq!(s.monthly_average(c, NOW).await.unwrap(), Some(30.0));
        let none = customer_with_history(&s, &f, "2000000000", &[]).await;
        assert_eq!(s.monthly_average(none, NOW).await.unwrap(), None);

        // The check uses it: 50 m³ in the month since the last reading is within 3 × 20 for
        // the customer with a year of history (it would be queried against 3 × 10).
        let src: &dyn CustomerSource = &s;
        let sub = ReadingSubmission {
            account_no: "2000000012".into(),
            meter_serial: None,
            value: 1050,
            source: ReadingSource::Ivr,
            reporter_phone: None,
        };
        let r = src.submit_reading(&sub, NOW).await.unwrap();
        assert_eq!((r.status.as_str(), r.consumption), ("accepted", Some(50)));
        let sub = ReadingSubmission { value: 1121, ..sub };
        let r = src.submit_reading(&sub, NOW + DAY).await.unwrap();
        assert_eq!(r.status, "queried", "71 m³ in a day is above 3 × 20");
    })
    .await;
}

#[tokio::test]
async fn notices_in_force_or_starting_within_a_day() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let n = |title: &str, starts_at, ends_at| NewNotice {
            district_id: f.district,
            kind: "outage".into(),
            title: title.into(),
            body: "停水".into(),
            starts_at,
            ends_at,
        };
        s.insert_notice(&n("now", NOW - DAY, Some(NOW + DAY)))
            .await
            .unwrap();
        s.insert_notice(&n("open-ended", NOW - DAY, None))
            .await
            .unwrap();
        s.insert_notice(&n("past", NOW - 3 * DAY, Some(NOW - DAY)))
            .await
            .unwrap();
        s.insert_notice(&n("tomorrow", NOW + DAY / 2, Some(NOW + DAY)))
            .await
            .unwrap();
        s.insert_notice(&n("next week", NOW + 7 * DAY, None))
            .await
            .unwrap();
        let src: &dyn CustomerSource = &s;
        let got: Vec<String> = src
            .notices("east", NOW)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect();
        assert_eq!(got, vec!["now", "open-ended", "tomorrow"]);
        assert!(src.notices("west", NOW).await.unwrap().is_empty());
        assert!(matches!(
            src.notices("north", NOW).await,
            Err(SourceError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn agents_and_tokens() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let agents = s.agents().await.unwrap();
        assert_eq!(agents.len(), 1);
        assert_eq!(
            agents[0].skills,
            vec![("billing".to_string(), 8), ("key_account".to_string(), 5)]
        );
        let token = s.issue_token(f.agent, NOW).await.unwrap();
        // The agent a token or a login finds is the same as the list's, skills included.
        assert_eq!(s.agent_for_token(&token, NOW + 1).await.unwrap(), agents[0]);
        let (by_login, _) = s
            .agent_credentials(&agents[0].login)
            .await
            .unwrap()
            .expect("by login");
        assert_eq!(by_login, agents[0]);
        let ttl = s.policy().token_ttl;
        assert!(matches!(
            s.agent_for_token(&token, NOW + ttl).await,
            Err(StoreError::Unauthenticated)
        ));
        assert!(matches!(
            s.agent_for_token("x' OR '1'='1", NOW).await,
            Err(StoreError::Unauthenticated)
        ));
        s.revoke_token(&token).await.unwrap();
        assert!(s.agent_for_token(&token, NOW + 1).await.is_err());
        let creds = s.sip_credentials().await.unwrap();
        assert_eq!(creds[0].sip_user, "1001");
    })
    .await;
}
