//! What the agent desktop reads: customer search, the account view, meter readings taken by
//! an agent, districts, ticket lists and call lists with their filters.

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
use serde_json::json;

/// The ids of a list answer.
fn ids_of(a: &Answer) -> Vec<i64> {
    a.body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn customers_are_found_and_their_account_shown() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        for q in [
            "phone=13800001111",
            "phone=%2B86%20138-0000-1111",
            "account=1000000001",
            "name=%E9%99%88",
        ] {
            let a = api.get(&t, &format!("/api/customers?{q}")).await;
            assert_eq!(a.status, 200, "{q}");
            assert_eq!(ids_of(&a), vec![f.customer], "{q}");
        }
        let a = api.get(&t, "/api/customers?phone=13999999999").await;
        assert_eq!(a.body, json!([]));

        let view = api.get(&t, &format!("/api/customers/{}", f.customer)).await;
        assert_eq!(view.status, 200);
        let v = &view.body;
        assert_eq!(v["customer"]["account_no"], "1000000001");
        assert_eq!(v["customer"]["credit_flag"], "dunning");
        assert_eq!(v["customer"]["manager_agent_id"], f.agent);
        assert_eq!(v["bills"].as_array().map(Vec::len), Some(12));
        let arrears = &v["arrears"];
        assert_eq!(arrears["items"].as_array().map(Vec::len), Some(3));
        assert_eq!(arrears["principal_fen"], 3 * 6900);
        assert!(arrears["late_fee_fen"].as_i64().is_some_and(|fee| fee > 0));
        assert_eq!(
            arrears["total_fen"].as_i64(),
            Some(3 * 6900 + arrears["late_fee_fen"].as_i64().unwrap_or(0))
        );
        assert_eq!(v["readings"], json!([]));
        assert_eq!(v["tickets"], json!([]));
        assert_eq!(v["calls"], json!([]));
        assert_eq!(v["repeat_contact"], false);

        let d = api.get(&t, "/api/districts").await;
        let codes: Vec<&str> = d
            .body
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|x| x["code"].as_str())
            .collect();
        assert_eq!(codes, vec!["east", "west"]);
    })
    .await;
}

#[tokio::test]
async fn an_agent_takes_a_reading_and_an_implausible_one_opens_a_meter_ticket() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let path = format!("/api/customers/{}/readings", f.customer);
        let a = api.post(&t, &path, json!({"value": 1015})).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        assert_eq!(a.body["status"], "accepted");
        assert_eq!(a.body["consumption"], 15);
        assert_eq!(a.body["meter_serial"], "W-0001");

        let a = api
            .post(&t, &path, json!({"value": 9000, "meter_serial": "W-0001"}))
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        assert_eq!(a.body["status"], "queried");
        let ticket = a.body["ticket_id"].as_i64().expect("a meter ticket");
        let tk = api.get(&t, &format!("/api/tickets/{ticket}")).await;
        assert_eq!(tk.body["ticket"]["kind"], "meter");
        assert_eq!(tk.body["ticket"]["created_by"], f.agent);
        // Its summary in each language, none half in another.
        let zh = tk.body["ticket"]["summaries"]["zh"].as_str().expect("zh");
        let en = tk.body["ticket"]["summaries"]["en"].as_str().expect("en");
        assert_eq!(tk.body["ticket"]["summary"], zh);
        assert!(
            zh.contains("坐席代录读数 9000") && zh.contains("W-0001") && zh.contains("存疑"),
            "{zh}"
        );
        assert!(
            !zh.chars().any(|c| c.is_ascii_lowercase() && c != 'e'),
            "no English in {zh}"
        );
        assert!(
            en.starts_with("Agent-taken reading 9000 of meter W-0001 queried: "),
            "{en}"
        );
        assert!(
            !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "no Chinese in {en}"
        );

        let view = api.get(&t, &format!("/api/customers/{}", f.customer)).await;
        let readings = view.body["readings"].as_array().expect("readings");
        assert_eq!(readings.len(), 2);
        assert_eq!(readings[0]["value"], 9000);
        assert_eq!(readings[0]["source"], "agent");
        assert_eq!(view.body["meters"][0]["serial"], "W-0001");
        // Not a repeat contact with no call, nor for the ticket opened during this call; a
        // later call finds it open.
        assert_eq!(view.body["repeat_contact"], false);
        let opened = tk.body["ticket"]["created_at"]
            .as_i64()
            .expect("created_at");
        let path = format!("/api/customers/{}?before=", f.customer);
        let during = api.get(&t, &format!("{path}{opened}")).await;
        assert_eq!(during.body["repeat_contact"], false);
        let later = api.get(&t, &format!("{path}{}", opened + 1)).await;
        assert_eq!(later.body["repeat_contact"], true);
        let bad = api.get(&t, &format!("{path}soon")).await;
        assert_eq!(bad.status, 400);
    })
    .await;
}

#[tokio::test]
async fn tickets_and_calls_are_listed_with_their_filters() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let mut ids = Vec::new();
        for (kind, district) in [
            ("inquiry", f.district),
            ("repair", f.other_district),
            ("leak", f.district),
        ] {
            let a = api
                .post(
                    &t,
                    "/api/tickets",
                    json!({"kind": kind, "district_id": district, "summary": kind}),
                )
                .await;
            assert_eq!(a.status, 201, "{:#}", a.body);
            ids.push(a.id());
        }
        let list = |q: &str| {
            let q = q.to_string();
            let api = &api;
            let t = &t;
            async move {
                let a = api.get(t, &format!("/api/tickets{q}")).await;
                assert_eq!(a.status, 200, "{q}: {:#}", a.body);
                ids_of(&a)
            }
        };
        // Urgent first, then high, then low.
        assert_eq!(list("").await, vec![ids[2], ids[1], ids[0]]);
        assert_eq!(list("?kind=repair").await, vec![ids[1]]);
        assert_eq!(
            list(&format!("?district={}", f.district)).await,
            vec![ids[2], ids[0]]
        );
        assert_eq!(list("?status=dispatched").await, Vec::<i64>::new());
        assert_eq!(list("?limit=1&offset=1").await, vec![ids[1]]);
        assert_eq!(list("?overdue=true").await, Vec::<i64>::new());
        // An hour on, the leak has missed its 45 minutes on site: overdue, and first.
        api.advance(60 * 60_000);
        assert_eq!(list("?overdue=true").await, vec![ids[2]]);
        let a = api.get(&t, &format!("/api/tickets/{}", ids[2])).await;
        assert_eq!(a.body["ticket"]["overdue"], json!(["on_site"]));

        // Move the inquiry to the other district.
        let a = api
            .put(
                &t,
                &format!("/api/tickets/{}/district", ids[0]),
                json!({"district_id": f.other_district}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["district_id"], f.other_district);

        let c1 = call(&api.store, "c-1", "13800001111", NOW).await;
        let c2 = call(&api.store, "c-2", "13900000000", NOW + 1000).await;
        // Calls no agent took: the admin reads them (an agent reads their own only).
        let root = api.login("root", "admin").await;
        let calls = |q: String| {
            let api = &api;
            let t = &root;
            async move {
                let a = api.get(t, &format!("/api/calls{q}")).await;
                assert_eq!(a.status, 200, "{q}: {:#}", a.body);
                ids_of(&a)
            }
        };
        assert_eq!(calls(String::new()).await, vec![c2, c1]);
        assert_eq!(calls(format!("?customer={}", f.customer)).await, vec![c1]);
        assert_eq!(calls(format!("?since={}", NOW + 1)).await, vec![c2]);
        assert_eq!(calls(format!("?until={}", NOW + 1)).await, vec![c1]);
        assert_eq!(
            calls(format!("?agent={}", f.agent)).await,
            Vec::<i64>::new()
        );
        assert_eq!(calls("?limit=1".into()).await, vec![c2]);
    })
    .await;
}

#[tokio::test]
async fn a_key_account_manager_lists_their_own_accounts() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let zhang = api.login("zhang", "secret").await;
        let a = api.get(&zhang, "/api/customers?manager=me").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(ids_of(&a), vec![f.customer]);
        let li = api.login("li", "boss").await;
        assert_eq!(
            api.get(&li, "/api/customers?manager=me").await.body,
            json!([])
        );
        let a = api
            .get(&zhang, &format!("/api/customers?manager={}", f.agent))
            .await;
        assert_eq!((a.status, a.field()), (400, Some("manager")));
        let a = api.get(&zhang, "/api/customers?manager=me&name=x").await;
        assert_eq!(a.status, 400);
    })
    .await;
}

#[tokio::test]
async fn customers_are_searched_with_the_criteria_in_the_body() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        for body in [
            json!({"phone": "13800001111"}),
            json!({"account": "1000000001"}),
            json!({"name": "陈", "limit": 5}),
            json!({"manager": "me"}),
        ] {
            let a = api.post(&t, "/api/customers/search", body.clone()).await;
            assert_eq!(a.status, 200, "{body}: {:#}", a.body);
            assert_eq!(a.body[0]["id"], f.customer, "{body}");
        }
        for (body, field) in [
            (json!({}), "phone"),
            (json!({"phone": "1", "name": "陈"}), "name"),
            (json!({"manager": "7"}), "manager"),
            (json!({"name": "陈", "limit": 0}), "limit"),
            (json!({"colour": "red"}), "colour"),
        ] {
            let a = api.post(&t, "/api/customers/search", body.clone()).await;
            assert_eq!(
                (a.status, a.field()),
                (422, Some(field)),
                "{body}: {:#}",
                a.body
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_call_record_is_found_by_its_reference_alone() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = api
            .store
            .start_call(&hotline_store::NewCall {
                call_ref: "1795000000000-7".into(),
                caller: "13800001111".into(),
                dialled: "96655".into(),
                started_at: NOW,
            })
            .await
            .expect("call")
            .id;
        // zhang's call (his answer is on the record).
        api.store
            .update_call(
                id,
                &hotline_store::CallUpdate {
                    agent_id: Some(f.agent),
                    ..hotline_store::CallUpdate::default()
                },
            )
            .await
            .expect("update");
        let a = api.get(&t, "/api/calls?call_ref=1795000000000-7").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body[0]["id"], id);
        assert_eq!(a.body.as_array().map(Vec::len), Some(1));
        assert_eq!(
            api.get(&t, "/api/calls?call_ref=nope").await.body,
            json!([])
        );
        let a = api
            .get(&t, "/api/calls?call_ref=1795000000000-7&limit=5")
            .await;
        assert_eq!((a.status, a.field()), (400, Some("call_ref")));
    })
    .await;
}

#[tokio::test]
async fn the_ivr_node_titles_are_served_to_any_desk_user() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let a = api.get(&t, "/api/ivr/titles").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["main/menu"]["zh"], "主菜单");
        assert_eq!(a.body["main/menu"]["en"], "Main menu");
        let bad = api.get(&t, "/api/ivr/titles?flow=main").await;
        assert_eq!(bad.status, 400);
        let anon = api.get("", "/api/ivr/titles").await;
        assert_eq!(anon.status, 401);
    })
    .await;
}
