//! `/api/notices`: supervisors and admins publish, change and end notices (agents read them
//! and are refused writes), bad input is a 422 naming the field and leaves the old notice as
//! it was, every change (and refusal) is in the audit trail, an ended notice leaves the list
//! of current ones.

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
use reqwest::Method;
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn works(district: i64, other: i64) -> Value {
    json!({
        "kind": "planned_works",
        "district_ids": [district, other],
        "starts_at": NOW - HOUR,
        "ends_at": NOW + 8 * HOUR,
        "title": "管道改造计划停水",
        "cause": "construction"
    })
}

#[tokio::test]
async fn a_supervisor_publishes_changes_and_ends_a_notice_and_each_step_is_audited() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let agent = api.login("zhang", "secret").await;

        // Agents read, never write.
        let a = api
            .post(&agent, "/api/notices", works(f.district, f.other_district))
            .await;
        assert_eq!(
            (a.status, a.code()),
            (403, Some("forbidden")),
            "{:#}",
            a.body
        );
        let a = api
            .post(&sup, "/api/notices", works(f.district, f.other_district))
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let id = a.id();
        assert_eq!(
            a.headers.get("location").and_then(|v| v.to_str().ok()),
            Some(format!("/api/notices/{id}").as_str())
        );
        assert_eq!(a.body["in_force"], true);
        assert_eq!(
            a.body["district_ids"],
            json!([f.district, f.other_district])
        );
        assert_eq!(a.body["districts"][0]["code"], "east");
        let listed = api.get(&agent, "/api/notices").await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body.as_array().map(Vec::len), Some(1));

        // A change to water quality with figures, in one district.
        let change = json!({
            "kind": "water_quality",
            "district_ids": [f.other_district],
            "starts_at": NOW - HOUR,
            "ends_at": NOW + 48 * HOUR,
            "title": "管网冲洗期间水质提示",
            "cause": "flushing",
            "figures": {"turbidity_ntu": 0.35, "chlorine_mg_l": 0.45}
        });
        let a = api.put(&sup, &format!("/api/notices/{id}"), change).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["figures"]["turbidity_ntu"], 0.35);
        assert_eq!(a.body["figures"]["chlorine_mg_l"], 0.45);
        assert_eq!(a.body["figures"]["pressure_mpa"], Value::Null);
        let in_east = api.store.notices(f.district, NOW, 0).await.unwrap();
        assert!(in_east.is_empty());

        // Ended: no longer current, still in the list of all.
        let rb = api.request(Method::DELETE, &format!("/api/notices/{id}"), Some(&sup));
        let a = api.send(rb).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["ends_at"], NOW);
        assert_eq!(a.body["in_force"], false);
        let current = api.get(&agent, "/api/notices").await;
        assert_eq!(current.body, json!([]));
        let all = api.get(&agent, "/api/notices?all=true").await;
        assert_eq!(all.body.as_array().map(Vec::len), Some(1));

        let audit = api.get(&sup, "/api/audit?action=notice").await;
        let details: Vec<(&str, &str)> = audit
            .body
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["detail"].as_str().unwrap_or(""),
                    e["outcome"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(details.len(), 3, "{details:?}");
        assert!(details[0]
            .0
            .starts_with(&format!("end notice {id} (water_quality, west")));
        assert!(details[1]
            .0
            .starts_with(&format!("change notice {id} (water_quality")));
        assert!(details[2]
            .0
            .starts_with(&format!("create notice {id} (planned_works, east+west")));
        assert!(details.iter().all(|d| d.1 == "applied"));
        assert_eq!(audit.body[0]["actor_name"], "li name");
    })
    .await;
}

#[tokio::test]
async fn bad_notices_are_refused_naming_the_field_and_the_old_one_is_kept() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let id = api
            .post(&sup, "/api/notices", works(f.district, f.other_district))
            .await
            .id();
        let before = api.get(&sup, &format!("/api/notices/{id}")).await.body;
        let spoil = |field: &str, value: Value| {
            let mut b = works(f.district, f.other_district);
            b[field] = value;
            b
        };
        let cases = [
            (spoil("ends_at", json!(NOW - 2 * HOUR)), "ends_at"),
            (
                spoil("district_ids", json!([f.district, 99_999])),
                "district_ids",
            ),
            (spoil("district_ids", json!([])), "district_ids"),
            (spoil("kind", json!("flood")), "kind"),
            (spoil("cause", json!("aliens")), "cause"),
            (spoil("starts_at", json!(NOW / 1000)), "starts_at"),
            (spoil("title", json!(" ")), "title"),
            (
                spoil("figures", json!({"turbidity_ntu": -1})),
                "figures.turbidity_ntu",
            ),
            (
                spoil("figures", json!({"pressure_mpa": 11})),
                "figures.pressure_mpa",
            ),
        ];
        for (body, field) in &cases {
            api.post(&sup, "/api/notices", body.clone())
                .await
                .assert_error(422, field);
            api.put(&sup, &format!("/api/notices/{id}"), body.clone())
                .await
                .assert_error(422, field);
        }
        // Shape errors name the field too.
        let mut no_title = works(f.district, f.other_district);
        no_title.as_object_mut().unwrap().remove("title");
        let a = api.post(&sup, "/api/notices", no_title).await;
        assert_eq!(a.status, 422, "{:#}", a.body);
        let a = api
            .post(&sup, "/api/notices", spoil("starts_at", json!("tomorrow")))
            .await;
        assert_eq!(a.status, 422, "{:#}", a.body);

        assert_eq!(
            api.get(&sup, &format!("/api/notices/{id}")).await.body,
            before
        );
        assert_eq!(api.count("notices").await, 1);
        // The refusals are in the audit trail.
        let audit = api.get(&sup, "/api/audit?action=notice&limit=100").await;
        let refused = audit
            .body
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| {
                e["outcome"]
                    .as_str()
                    .is_some_and(|o| o.starts_with("refused: "))
            })
            .count();
        assert_eq!(refused, 2 * cases.len());
    })
    .await;
}
