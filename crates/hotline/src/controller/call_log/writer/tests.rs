//! The writer on a real (SQLite) store: a crash anywhere in the spool replays each entry
//! once in effect, a call's entries are written in their order, and what the store refuses
//! is kept with the reason.

use super::super::spool::{Appender, Reader};
use super::*;
use hotline_store::{CallIs, Disposition, NewTicket, OpenOptions, Policy};

async fn store(dir: &std::path::Path) -> Store {
    let url = format!("sqlite:{}", dir.join("t.db").display());
    Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("store")
}

fn line(seq: u64, entry: Entry) -> String {
    serde_json::to_string(&Line { seq, entry }).unwrap()
}

/// A call's three entries: it arrives at `n`, is answered, ends answered.
fn call_entries(n: i64) -> Vec<Entry> {
    let call_ref = format!("boot-{n}");
    vec![
        Entry::Start {
            call: NewCall {
                call_ref: call_ref.clone(),
                caller: format!("1380000{n:04}"),
                dialled: "96655".into(),
                started_at: 1_000 * n,
            },
            run: None,
        },
        Entry::Update {
            call_ref: call_ref.clone(),
            update: CallUpdate {
                answered_at: Some(1_000 * n + 1),
                ..CallUpdate::default()
            },
            customer_account: None,
            when: CallIs::Open,
        },
        Entry::Update {
            call_ref,
            update: CallUpdate {
                ended_at: Some(1_000 * n + 2),
                disposition: Some(Disposition::Answered),
                hangup_side: Some("caller".into()),
                ..CallUpdate::default()
            },
            customer_account: None,
            when: CallIs::Open,
        },
    ]
}

fn spool(dir: &std::path::Path, entries: &[Entry], segment_bytes: u64) {
    let mut app = Appender::open(dir, segment_bytes).unwrap();
    let lines: Vec<String> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| line(i as u64 + 1, e.clone()))
        .collect();
    for chunk in lines.chunks(4) {
        app.append(chunk).unwrap();
    }
}

async fn count(s: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(s.read_pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_crash_mid_spool_replays_every_entry_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path()).await;
    let dir = tmp.path().join("call-log");
    // Call 21 arrives and is answered first; its caller rates the call after its ticket was
    // opened (the note on the ticket must not be made twice by a replay), then it ends.
    let c21 = call_entries(21);
    let mut entries: Vec<Entry> = c21[..2].to_vec();
    entries.extend((1..=20).flat_map(call_entries));
    entries.push(Entry::Survey {
        call_ref: "boot-21".into(),
        score: 4,
    });
    entries.push(c21[2].clone());
    spool(&dir, &entries, 600);

    let mut w = Writer::new(s.clone(), dir.join("rejected.jsonl"), None);
    let mut r = Reader::open(&dir).unwrap();
    let first = r.read(10).unwrap();
    for l in &first {
        w.write_line(l).await;
    }
    r.commit(first.last().unwrap().after).unwrap();
    let id21 = s.call_id_by_ref("boot-21").await.unwrap().unwrap();
    let ticket = s
        .create_ticket(
            &NewTicket {
                kind: "leak".into(),
                summary: "漏水".into(),
                call_id: Some(id21),
                ..NewTicket::default()
            },
            hotline_store::Actor::Ivr,
            5_000,
        )
        .await
        .unwrap();
    // The store takes everything up to the survey, then the process dies before the cursor
    // is saved.
    let rest = r.read(1_000).unwrap();
    assert_eq!(rest.len(), entries.len() - 10);
    for l in &rest[..rest.len() - 1] {
        w.write_line(l).await;
    }
    drop((w, r));

    let mut w = Writer::new(s.clone(), dir.join("rejected.jsonl"), None);
    let r = Reader::open(&dir).unwrap();
    w.run(r, 7, Arc::new(Notify::new()), true).await;
    assert_eq!(w.refused, 0);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM calls").await, 21);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM calls WHERE disposition = 'answered' AND ended_at = started_at + 2 \
             AND answered_at = started_at + 1"
        )
        .await,
        21
    );
    let detail = s.ticket_detail(ticket.id, 9_000).await.unwrap().unwrap();
    let notes = detail
        .events
        .iter()
        .filter(|e| e.note.contains("survey score: 4/5"))
        .count();
    assert_eq!(notes, 1, "{:?}", detail.events);
    // Everything written: the spool keeps no segment before the cursor.
    let mut r = Reader::open(&dir).unwrap();
    assert!(r.read(10).unwrap().is_empty());
    assert!(super::super::spool::segments(&dir).unwrap().len() <= 1);
}

#[tokio::test]
async fn a_calls_entries_are_written_in_their_order_whatever_the_batch() {
    for batch in [1, 2, 1000] {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path()).await;
        let dir = tmp.path().join("call-log");
        // Start, answer, end, then a later wrap-up, and a refusal that must not rewrite the
        // ended call.
        let mut entries = call_entries(7);
        entries.push(Entry::Update {
            call_ref: "boot-7".into(),
            update: CallUpdate {
                wrapup_ms: Some(3_000),
                ..CallUpdate::default()
            },
            customer_account: None,
            when: CallIs::Any,
        });
        entries.push(Entry::Update {
            call_ref: "boot-7".into(),
            update: CallUpdate {
                ended_at: Some(99_999),
                disposition: Some(Disposition::Failed),
                ..CallUpdate::default()
            },
            customer_account: None,
            when: CallIs::Open,
        });
        spool(&dir, &entries, 1 << 20);
        let mut w = Writer::new(s.clone(), dir.join("rejected.jsonl"), None);
        w.run(
            Reader::open(&dir).unwrap(),
            batch,
            Arc::new(Notify::new()),
            true,
        )
        .await;
        let c = s.call_by_ref("boot-7").await.unwrap().unwrap();
        assert_eq!(
            (c.answered_at, c.ended_at, c.wrapup_ms),
            (Some(7_001), Some(7_002), Some(3_000)),
            "batch {batch}"
        );
        assert_eq!(c.disposition.as_deref(), Some("answered"), "batch {batch}");
    }
}

#[tokio::test]
async fn what_the_store_refuses_is_kept_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path()).await;
    let dir = tmp.path().join("call-log");
    let mut entries = call_entries(3);
    entries.push(Entry::Update {
        call_ref: "boot-3".into(),
        update: CallUpdate {
            survey_score: Some(9),
            ..CallUpdate::default()
        },
        customer_account: None,
        when: CallIs::Any,
    });
    spool(&dir, &entries, 1 << 20);
    // A line cut by a crash, then the next start's segment.
    let seg = super::super::spool::segments(&dir).unwrap()[0];
    let path = dir.join(format!("{seg:012}.jsonl"));
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    std::io::Write::write_all(&mut f, b"{\"seq\":5,\"t\":\"upd").unwrap();
    let mut app = Appender::open(&dir, 1 << 20).unwrap();
    app.append(&["not json at all"]).unwrap();

    let mut w = Writer::new(s.clone(), dir.join("rejected.jsonl"), None);
    w.run(
        Reader::open(&dir).unwrap(),
        10,
        Arc::new(Notify::new()),
        true,
    )
    .await;
    // The start, then the answer and the end in one write.
    assert_eq!((w.applied, w.refused), (2, 3));
    let kept = std::fs::read_to_string(dir.join("rejected.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = kept
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["reason"]
        .as_str()
        .unwrap()
        .contains("survey_score"));
    assert_eq!(lines[0]["entry"]["update"]["survey_score"], 9);
    assert!(lines[1]["reason"]
        .as_str()
        .unwrap()
        .contains("cut off by a crash"));
    assert!(lines[2]["reason"]
        .as_str()
        .unwrap()
        .contains("not a call log entry"));
    // The call itself is whole.
    let c = s.call_by_ref("boot-3").await.unwrap().unwrap();
    assert_eq!(c.disposition.as_deref(), Some("answered"));
}

fn spooled(entries: &[Entry]) -> Vec<Spooled> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| Spooled {
            after: super::super::spool::Cursor {
                segment: 1,
                offset: i as u64,
            },
            line: Ok(line(i as u64 + 1, e.clone())),
        })
        .collect()
}

#[test]
fn a_calls_updates_in_one_batch_are_merged_only_where_that_changes_nothing() {
    let a = call_entries(1);
    let b = call_entries(2);
    let wrap = Entry::Update {
        call_ref: "boot-1".into(),
        update: CallUpdate {
            wrapup_ms: Some(5),
            ..CallUpdate::default()
        },
        customer_account: None,
        when: CallIs::OpenOrWithAgent,
    };
    // Interleaved: a start, b start, a answer, b answer, a end, a wrap-up, b end.
    let batch = [
        a[0].clone(),
        b[0].clone(),
        a[1].clone(),
        b[1].clone(),
        a[2].clone(),
        wrap.clone(),
        b[2].clone(),
    ];
    let ops = coalesce(&spooled(&batch));
    let merged = |e: &Entry, later: &Entry| match (e, later) {
        (
            Entry::Update {
                call_ref, update, ..
            },
            Entry::Update { update: u2, .. },
        ) => Op::Write(Entry::Update {
            call_ref: call_ref.clone(),
            update: update.clone().then(u2.clone()),
            customer_account: None,
            when: CallIs::Open,
        }),
        _ => unreachable!(),
    };
    assert_eq!(
        ops,
        vec![
            Op::Write(a[0].clone()),
            Op::Write(b[0].clone()),
            merged(&a[1], &a[2]),
            merged(&b[1], &b[2]),
            // After the end, under another condition: written on its own, after it.
            Op::Write(wrap),
        ]
    );
    // A survey between two updates keeps them apart.
    let survey = Entry::Survey {
        call_ref: "boot-1".into(),
        score: 5,
    };
    let ops = coalesce(&spooled(&[a[1].clone(), survey.clone(), a[2].clone()]));
    assert_eq!(ops.len(), 3);
}
