//! Quality assessment end to end: the real engine loads the shipped form (`qa-forms/`), an ACD
//! call answered by zhangmin is evaluated by the demo evaluator sunli through the API (the
//! shipped form's scoring: a "no" on the staff number fails the call at 0), the agent disputes
//! it, `/metrics` counts it under her team (never her name) and the audit trail has each step;
//! an engine whose form folder holds a broken form refuses to start, naming file:line: reason.

use std::time::Duration;

use hotline_e2e::{
    best_answers, binary, db, ended_call, start_general_queue, token, AgentPhone, Caller, Desk,
    PATIENCE,
};
use serde_json::{json, Map, Value};

/// Every criterion of the shipped form at its best, and the staff number as given.
fn answers(forms: &Value, staff_number: &str) -> Map<String, Value> {
    let mut out = best_answers(forms, "standard");
    out.insert("staff_number".into(), json!(staff_number));
    out
}

async fn metrics(desk: &Desk) -> String {
    desk.http
        .get(format!("{}/metrics", desk.base))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn an_answered_call_is_evaluated_disputed_and_counted_by_team() {
    let (engine, dir) =
        start_general_queue("hotline-qa-e2e", &[("HOTLINE_SIP_USERS", "1001:secret")]);
    let pool = db(&engine).await;
    let zhangmin = Desk::login(&engine, "zhangmin").await;
    let sunli = Desk::login(&engine, "sunli").await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let caller_no = "13922223333";
    let c = Caller::place(&engine, caller_no).await;
    let offer = phone.rung(PATIENCE).await;
    let talk = phone.answer(offer).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.hang_up().await;
    assert!(
        phone.take_bye(&talk, PATIENCE).await,
        "the agent's leg ends"
    );
    let (id,): (i64,) = ended_call(&pool, "id", caller_no).await;

    // The agent may not evaluate; the evaluator scores with the shipped form.
    let forms = sunli.get("/api/qa/forms").await;
    assert_eq!(forms["default"], "standard");
    let (status, body) = zhangmin
        .post(
            "/api/qa/evaluations",
            json!({"call_id": id, "answers": answers(&forms, "yes")}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, e) = sunli
        .post(
            "/api/qa/evaluations",
            json!({"call_id": id, "answers": answers(&forms, "no"), "comments": "未报工号"}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["percent"], 0.0, "a critical item failed: {e}");
    assert_eq!(
        (e["passed"].clone(), e["critical_failed"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(e["team"], "billing");
    let eid = e["id"].as_i64().expect("id");

    // She sees it and disputes it.
    let mine = zhangmin.get("/api/qa/evaluations").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    let (status, d) = zhangmin
        .post(
            &format!("/api/qa/evaluations/{eid}/dispute"),
            json!({"note": "工号是自动播报的"}),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["status"], "disputed");

    // /metrics: counted under the team, with no agent label anywhere in the QA families.
    let text = metrics(&sunli).await;
    let qa_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("hotline_qa_"))
        .collect();
    for want in [
        "hotline_qa_evaluations_total{team=\"billing\"} 1",
        "hotline_qa_critical_failures_total{team=\"billing\"} 1",
        "hotline_qa_passed_total{team=\"billing\"} 0",
        "hotline_qa_disputes_open{team=\"billing\"} 1",
        "hotline_qa_score_percent_bucket{team=\"billing\",le=\"50\"} 1",
        "hotline_qa_score_percent_count{team=\"billing\"} 1",
        "hotline_qa_score_percent_sum{team=\"billing\"} 0",
    ] {
        assert!(qa_lines.contains(&want), "{want} not in {qa_lines:#?}");
    }
    assert!(
        qa_lines
            .iter()
            .all(|l| !l.contains("zhangmin") && !l.contains("agent")),
        "{qa_lines:#?}"
    );

    // The audit trail has the refusal, the evaluation and the dispute.
    let zhaolei = Desk::login(&engine, "zhaolei").await;
    let audit = zhaolei.get("/api/audit?action=qa").await;
    let rows: Vec<(String, String)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .map(|a| {
            (
                a["actor"].as_str().unwrap_or("").to_string(),
                a["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        rows.contains(&(
            "sunli".into(),
            format!("evaluate call {id} of agent {}: 0.0%", e["agent_id"])
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("zhangmin".into(), format!("dispute evaluation {eid}"))),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("zhangmin".into(), format!("evaluate call {id}"))),
        "{rows:?}"
    );
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_form_stops_the_start_with_file_line_and_reason() {
    let dir = std::env::temp_dir().join(format!("hotline-qa-bad-{}", token()));
    let forms = dir.join("forms");
    std::fs::create_dir_all(&forms).expect("forms folder");
    std::fs::write(
        forms.join("broken.yaml"),
        "title: 坏表\nsections:\n  - id: opening\n    title: 开场\n    criteria:\n      - id: staff_number\n        text: 报工号\n        weight: 10\n        scale: 4\n        critical: true\n",
    )
    .expect("form");
    let out = std::process::Command::new(binary())
        .arg("serve")
        .env("HOTLINE_DATA_DIR", dir.join("data"))
        .env("HOTLINE_QA_FORMS_DIR", &forms)
        .env("HOTLINE_QA_DEFAULT_FORM", "broken")
        .env("HOTLINE_SIP_LISTEN_UDP", "127.0.0.1:0")
        .env("HOTLINE_SIP_LISTEN_TCP", "")
        .env("HOTLINE_HTTP_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run hotline");
    assert!(!out.status.success(), "the engine must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("qa.forms_dir"), "{err}");
    assert!(err.contains("broken.yaml:"), "{err}");
    assert!(err.contains("critical"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
