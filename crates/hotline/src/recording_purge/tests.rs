use super::*;
use hotline_store::{CallUpdate, NewCall, OpenOptions, Policy};

const NOW: Millis = 1_795_000_000_000;

async fn store(dir: &Path) -> Store {
    let url = format!("sqlite:{}", dir.join("t.db").display());
    Store::open(OpenOptions::new(url), Policy::default())
        .await
        .unwrap()
}

/// A call of `queue` that ended `days_ago`, recorded to `file` (written).
async fn recorded(s: &Store, name: &str, queue: Option<&str>, days_ago: i64, file: &Path) -> i64 {
    std::fs::write(file, b"RIFF").unwrap();
    let ended = NOW - days_ago * DAY_MS;
    let id = s
        .start_call(&NewCall {
            call_ref: name.into(),
            caller: "13800001111".into(),
            dialled: "95598".into(),
            started_at: ended - 60_000,
        })
        .await
        .unwrap()
        .id;
    s.update_call(
        id,
        &CallUpdate {
            queue: queue.map(str::to_string),
            ended_at: Some(ended),
            recording: Some(file.display().to_string()),
            ..CallUpdate::default()
        },
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn old_recordings_go_held_young_and_kept_ones_stay() {
    let base = std::env::temp_dir().join(format!("hotline-purge-{}", std::process::id()));
    let rec = base.join("recordings");
    std::fs::create_dir_all(&rec).unwrap();
    let s = store(&base).await;
    let f = |n: &str| rec.join(format!("{n}.wav"));
    let old_billing = recorded(&s, "a", Some("billing"), 100, &f("a")).await;
    let young_billing = recorded(&s, "b", Some("billing"), 10, &f("b")).await;
    let held = recorded(&s, "c", Some("billing"), 100, &f("c")).await;
    let old_repairs = recorded(&s, "d", Some("repairs"), 400, &f("d")).await;
    let old_no_queue = recorded(&s, "e", None, 40, &f("e")).await;
    let outside_file = base.join("outside.wav");
    let outside = recorded(&s, "f", Some("billing"), 100, &outside_file).await;
    s.set_legal_hold(held, true).await.unwrap();
    // Consultations recorded with two of them: they go (or stay) with the call's own.
    for (call, name) in [(old_billing, "a-consult"), (held, "c-consult")] {
        std::fs::write(f(name), b"RIFF").unwrap();
        s.add_call_recording(call, "consult", &f(name).display().to_string(), NOW)
            .await
            .unwrap();
    }

    let retention = Retention {
        queues: vec![("billing".into(), 90), ("repairs".into(), 0)],
        no_queue_days: 30,
    };
    let p = purge_once(&s, &rec, &retention, NOW).await.unwrap();
    assert_eq!(
        p,
        Purged {
            files: 3,
            missing: 0,
            outside: 1
        }
    );
    assert!(!f("a-consult").exists() && f("c-consult").exists());
    let listed = s.call_recordings(old_billing).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].available, "{listed:?}");
    assert!(s.call_recordings(held).await.unwrap()[0].available);
    for (id, gone) in [
        (old_billing, true),
        (young_billing, false),
        (held, false),
        (old_repairs, false),
        (old_no_queue, true),
        (outside, true),
    ] {
        let c = s.call(id).await.unwrap().unwrap();
        assert_eq!(c.recording.is_none(), gone, "call {id}: {c:?}");
        assert_eq!(c.recording_purged_at.is_some(), gone, "call {id}");
    }
    assert!(!f("a").exists() && !f("e").exists());
    assert!(f("b").exists() && f("c").exists() && f("d").exists());
    assert!(
        outside_file.exists(),
        "a file outside the folder is never deleted"
    );
    // A second pass finds nothing; lifting the hold lets the next one purge it.
    assert_eq!(
        purge_once(&s, &rec, &retention, NOW).await.unwrap(),
        Purged::default()
    );
    s.set_legal_hold(held, false).await.unwrap();
    assert_eq!(
        purge_once(&s, &rec, &retention, NOW).await.unwrap().files,
        2
    );
    assert!(!f("c").exists() && !f("c-consult").exists());
    let _ = std::fs::remove_dir_all(&base);
}
