//! `GET /api/calls/{id}/recording`: an agent plays their own calls' recordings (whole, or the
//! byte range an audio element asks for), never another agent's (403); supervisors their
//! team's (a floor supervisor's, every call), qa evaluators every call; a range outside the
//! file is a 416; only files in the recordings folder, of ended calls, are served; each
//! playback (not each range request) and each refusal is in the audit trail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::{CallUpdate, Role};
use reqwest::Method;

const LEN: usize = 1000;

/// A known byte pattern, written as the recording of a new call taken by `agent` (ended).
async fn recorded_call(api: &Api, name: &str, agent: i64) -> (i64, Vec<u8>) {
    let bytes: Vec<u8> = (0..LEN).map(|i| (i * 7 + agent as usize) as u8).collect();
    let id = call_with_file(api, &format!("{name}.wav"), agent, &bytes).await;
    (id, bytes)
}

/// An agent of `team` with `role` (password "pw").
async fn member(api: &Api, login: &str, sip: &str, team: &str, role: Role) -> i64 {
    agent_in_team(&api.store, login, sip, sip, role, "pw", team).await
}

/// Status, headers and body bytes of a GET with an optional Range.
async fn fetch(
    api: &Api,
    token: &str,
    id: i64,
    range: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut rb = api.request(
        Method::GET,
        &format!("/api/calls/{id}/recording"),
        Some(token),
    );
    if let Some(r) = range {
        rb = rb.header("range", r);
    }
    let res = rb.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The audit entries of playbacks: (actor, detail, outcome), newest first.
async fn plays(api: &Api, token: &str) -> Vec<(String, String, String)> {
    let a = api.get(token, "/api/audit?action=recording").await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_agent_plays_their_own_call_whole_and_by_range_and_each_playback_is_audited() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let (id, bytes) = recorded_call(&api, "own", f.agent).await;
        let zhang = api.login("zhang", "secret").await;
        let li = api.login("li", "boss").await;

        let (status, h, body) = fetch(&api, &zhang, id, None).await;
        assert_eq!(status, 200);
        assert_eq!(body, bytes);
        assert_eq!(header(&h, "content-type"), "audio/wav");
        assert_eq!(header(&h, "accept-ranges"), "bytes");
        assert_eq!(header(&h, "content-length"), LEN.to_string());

        let (status, h, body) = fetch(&api, &zhang, id, Some("bytes=0-99")).await;
        assert_eq!(status, 206);
        assert_eq!(body, bytes[..100]);
        assert_eq!(header(&h, "content-range"), "bytes 0-99/1000");
        let (status, h, body) = fetch(&api, &zhang, id, Some("bytes=900-")).await;
        assert_eq!(status, 206);
        assert_eq!(body, bytes[900..]);
        assert_eq!(header(&h, "content-range"), "bytes 900-999/1000");
        let (status, _, body) = fetch(&api, &zhang, id, Some("bytes=-10")).await;
        assert_eq!((status, body.as_slice()), (206, &bytes[990..]));

        // Outside the file: 416 saying how long it is.
        let (status, h, body) = fetch(&api, &zhang, id, Some("bytes=1000-")).await;
        assert_eq!(status, 416);
        assert_eq!(header(&h, "content-range"), "bytes */1000");
        let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(err["error"]["field"], "range", "{err:#}");

        // Five requests, one playback: one audit entry; another after ten minutes.
        let entries = plays(&api, &li).await;
        assert_eq!(
            entries,
            vec![(
                "zhang".to_string(),
                format!("play the recording of call {id}"),
                "applied".to_string()
            )]
        );
        api.advance(10 * 60 * 1000);
        assert_eq!(fetch(&api, &zhang, id, Some("bytes=0-")).await.0, 206);
        assert_eq!(plays(&api, &li).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn who_may_play_whose_recording() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        // zhang (billing) took one call, sun (repair) another.
        let sun = member(&api, "sun", "1101", "repair", Role::Agent).await;
        member(&api, "zhou", "1102", "repair", Role::Supervisor).await;
        member(&api, "qian", "1103", "floor", Role::Supervisor).await;
        member(&api, "xu", "1104", "quality", Role::Qa).await;
        let (billing_call, _) = recorded_call(&api, "billing-call", f.agent).await;
        let (repair_call, _) = recorded_call(&api, "repair-call", sun).await;
        let zhang = api.login("zhang", "secret").await;
        let sun_t = api.login("sun", "pw").await;
        let li = api.login("li", "boss").await;
        let zhou = api.login("zhou", "pw").await;
        let qian = api.login("qian", "pw").await;
        let xu = api.login("xu", "pw").await;
        let root = api.login("root", "admin").await;

        let cases = [
            ("zhang", &zhang, billing_call, 200),
            ("zhang", &zhang, repair_call, 403),
            ("sun", &sun_t, repair_call, 200),
            ("sun", &sun_t, billing_call, 403),
            // li supervises billing, zhou repair; qian's team has no agents: the floor.
            ("li", &li, billing_call, 200),
            ("li", &li, repair_call, 403),
            ("zhou", &zhou, repair_call, 200),
            ("zhou", &zhou, billing_call, 403),
            ("qian", &qian, billing_call, 200),
            ("qian", &qian, repair_call, 200),
            ("xu", &xu, billing_call, 200),
            ("xu", &xu, repair_call, 200),
            ("root", &root, repair_call, 200),
        ];
        for (who, token, id, want) in cases {
            let (status, _, body) = fetch(&api, token, id, Some("bytes=0-43")).await;
            let status = if status == 206 { 200 } else { status };
            assert_eq!(
                status,
                want,
                "{who} plays call {id}: {}",
                String::from_utf8_lossy(&body)
            );
            if want == 403 {
                let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(err["error"]["code"], "forbidden");
            }
        }
        // Every refusal and every first playback is audited.
        let entries = plays(&api, &root).await;
        let refused = entries
            .iter()
            .filter(|e| e.2.starts_with("refused"))
            .count();
        let applied = entries.iter().filter(|e| e.2 == "applied").count();
        assert_eq!((refused, applied), (4, 9), "{entries:#?}");
        assert!(entries.iter().any(|e| e.0 == "zhang"
            && e.1 == format!("play the recording of call {repair_call}")
            && e.2.contains("their own calls only")));
    })
    .await;
}

#[tokio::test]
async fn open_calls_missing_files_and_paths_outside_the_folder_are_not_served() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let zhang = api.login("zhang", "secret").await;
        let (id, _) = recorded_call(&api, "moved", f.agent).await;

        // Not ended yet: 409.
        let open = call(&api.store, "open", "13800001111", NOW).await;
        let path = recordings_dir().join(format!("{}-open.wav", std::process::id()));
        std::fs::write(&path, b"RIFF").unwrap();
        api.store
            .update_call(
                open,
                &CallUpdate {
                    agent_id: Some(f.agent),
                    recording: Some(path.display().to_string()),
                    ..CallUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(fetch(&api, &zhang, open, None).await.0, 409);

        // A path outside the recordings folder (or a link out of it): 404.
        let outside =
            std::env::temp_dir().join(format!("hotline-outside-{}.wav", std::process::id()));
        std::fs::write(&outside, b"secret").unwrap();
        let link = recordings_dir().join(format!("{}-link.wav", std::process::id()));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        for p in [&outside, &link] {
            api.store
                .update_call(
                    id,
                    &CallUpdate {
                        recording: Some(p.display().to_string()),
                        ..CallUpdate::default()
                    },
                )
                .await
                .unwrap();
            let (status, _, body) = fetch(&api, &zhang, id, None).await;
            assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
        }
        // No recording, no call: 404.
        let bare = call(&api.store, "bare", "13800001111", NOW).await;
        api.store
            .update_call(
                bare,
                &CallUpdate {
                    agent_id: Some(f.agent),
                    ended_at: Some(NOW),
                    ..CallUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(fetch(&api, &zhang, bare, None).await.0, 404);
        assert_eq!(fetch(&api, &zhang, 999_999, None).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn legal_hold_is_set_by_the_calls_supervisors_only_and_audited() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        // zhou supervises repair (sun's team), not billing (zhang's).
        member(&api, "sun", "1101", "repair", Role::Agent).await;
        member(&api, "zhou", "1102", "repair", Role::Supervisor).await;
        let (id, _) = recorded_call(&api, "held", f.agent).await;
        let zhang = api.login("zhang", "secret").await;
        let li = api.login("li", "boss").await;
        let zhou = api.login("zhou", "pw").await;
        let path = format!("/api/calls/{id}/legal_hold");
        assert_eq!(
            api.put(&zhang, &path, serde_json::json!({"hold": true}))
                .await
                .status,
            403
        );
        assert_eq!(
            api.put(&zhou, &path, serde_json::json!({"hold": true}))
                .await
                .status,
            403
        );
        let a = api.put(&li, &path, serde_json::json!({"hold": true})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["legal_hold"], true);
        api.put(&li, &path, serde_json::json!({"hold": "yes"}))
            .await
            .assert_error(422, "hold");
        let a = api
            .put(&li, &path, serde_json::json!({"hold": false}))
            .await;
        assert_eq!(a.body["legal_hold"], false);
        let entries = plays(&api, &li).await;
        let details: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.1.as_str(), e.2.as_str()))
            .collect();
        assert_eq!(details.len(), 3, "{details:?}");
        assert_eq!(
            details[0],
            (
                format!("lift the legal hold on call {id}").as_str(),
                "applied"
            )
        );
        assert_eq!(
            details[1],
            (format!("legal hold on call {id}").as_str(), "applied")
        );
        assert!(details[2].1.starts_with("refused"), "{details:?}");
    })
    .await;
}
