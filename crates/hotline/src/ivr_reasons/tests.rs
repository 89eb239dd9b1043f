use super::*;
use hotline_store::{CallUpdate, Disposition, NewCall, OpenOptions, Policy};
use std::path::Path;

const NOW: Millis = 1_795_000_000_000;

fn shipped() -> FlowSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    crate::flows::load(
        &root.join("ivr-flows"),
        &root.join("sounds"),
        &hotline_time::Zone::default(),
    )
    .expect("the shipped flows load")
}

fn tree(codes: &[&str]) -> Vec<ReasonCode> {
    codes
        .iter()
        .map(|c| ReasonCode {
            code: c.to_string(),
            name_zh: String::new(),
            name_en: String::new(),
            pickable: c.contains('/'),
        })
        .collect()
}

fn path(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_shipped_flows_name_their_self_service_reasons() {
    let nodes = node_reasons(&shipped());
    assert_eq!(
        nodes.get("bills/none").map(String::as_str),
        Some("billing/query")
    );
    assert_eq!(
        nodes.get("leak/open").map(String::as_str),
        Some("repair/leak")
    );
    assert_eq!(
        nodes.get("meter/submit").map(String::as_str),
        Some("info/reading")
    );
    assert_eq!(
        nodes.get("outage/tell").map(String::as_str),
        Some("info/outage")
    );
}

#[test]
fn a_calls_reasons_are_its_nodes_once_in_order_and_only_the_trees() {
    let nodes = node_reasons(&shipped());
    let t = tree(&["billing", "billing/query", "repair/leak", "info/outage"]);
    assert_eq!(
        reasons_of(
            &path(&[
                "main/start",
                "outage/tell",
                "bills/none",
                "outage/tell",
                "leak/open"
            ]),
            &nodes,
            &t
        ),
        path(&["info/outage", "billing/query", "repair/leak"])
    );
    // `info/reading` is not in this tree: left out.
    assert!(reasons_of(&path(&["main/start", "meter/submit"]), &nodes, &t).is_empty());
    assert!(reasons_of(&path(&["main/start", "main/menu"]), &nodes, &t).is_empty());
}

#[tokio::test]
async fn ended_ivr_calls_get_their_reasons_once() {
    let dir = std::env::temp_dir().join(format!("hotline-ivr-reasons-{}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .unwrap();
    let call = |r: &'static str, ended: Millis, path: Vec<String>, agent: Option<i64>| {
        let store = store.clone();
        async move {
            let id = store
                .start_call(&NewCall {
                    call_ref: r.into(),
                    caller: "13800000000".into(),
                    dialled: "96655".into(),
                    started_at: ended - 60_000,
                })
                .await
                .unwrap()
                .id;
            store
                .update_call(
                    id,
                    &CallUpdate {
                        ivr_ended_at: Some(ended - 1_000),
                        ended_at: Some(ended),
                        ivr_path: Some(path),
                        agent_id: agent,
                        disposition: Some(Disposition::SelfServed),
                        ..CallUpdate::default()
                    },
                )
                .await
                .unwrap();
        }
    };
    call("leak-1", NOW, path(&["main/start", "leak/open"]), None).await;
    call(
        "bills-1",
        NOW + 1,
        path(&["main/start", "bills/none"]),
        None,
    )
    .await;
    call("menu-1", NOW + 2, path(&["main/start"]), None).await;
    call(
        "late-1",
        NOW + 10_000,
        path(&["main/start", "leak/open"]),
        None,
    )
    .await;
    let nodes = node_reasons(&shipped());
    let t = store.reason_tree().await.unwrap();
    let n = sweep(&store, &nodes, &t, NOW, NOW + 5_000, 3_600_000)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        store.call_reasons("leak-1").await.unwrap().reasons,
        path(&["repair/leak"])
    );
    assert_eq!(
        store.call_reasons("bills-1").await.unwrap().reasons,
        path(&["billing/query"])
    );
    assert!(store
        .call_reasons("menu-1")
        .await
        .unwrap()
        .reasons
        .is_empty());
    assert!(
        store
            .call_reasons("late-1")
            .await
            .unwrap()
            .reasons
            .is_empty(),
        "after the window"
    );
    // Once: a second sweep over the same window gives none again; an agent's reasons stand.
    store
        .record_call_reasons(
            "leak-1",
            &path(&["info/other"]),
            None,
            ReasonSource::Ivr,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        sweep(&store, &nodes, &t, NOW, NOW + 5_000, 3_600_000)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.call_reasons("leak-1").await.unwrap().reasons,
        path(&["info/other"])
    );
    // Paging: more calls than a page in one window, all given.
    for i in 0..(PAGE + 20) {
        let r: &'static str = Box::leak(format!("many-{i}").into_boxed_str());
        call(
            r,
            NOW + 20_000 + i % 7,
            path(&["main/start", "bills/latest"]),
            None,
        )
        .await;
    }
    let n = sweep(&store, &nodes, &t, NOW + 20_000, NOW + 30_000, 3_600_000)
        .await
        .unwrap();
    assert_eq!(n, PAGE as usize + 20);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
