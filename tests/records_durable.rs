//! Issue 16's call records that are never lost, through the real `hotline serve`: a burst of
//! calls through a call log made as small as it goes (one entry per store batch, 1 KiB spool
//! segments) ends with every row complete; and a `kill -9` with calls up is followed, at the
//! restart, by every one of those rows closed as `interrupted` with its repaired recording.

use std::time::Duration;

use hotline_e2e::{db, Budget, Caller, Engine};

/// Polls `sql` (one count) until it is `want`; the last count seen.
async fn count_until(pool: &sqlx::SqlitePool, sql: &str, want: i64, wait: Duration) -> i64 {
    let mut budget = Budget::patient(wait);
    loop {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(pool)
            .await
            .expect("count");
        if n == want || !budget.tick().await {
            return n;
        }
    }
}

const BURST: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_through_a_tiny_call_log_loses_no_record() {
    let engine = Engine::start(&[
        ("HOTLINE_CALLS_LOG_BATCH", "1"),
        ("HOTLINE_CALLS_LOG_SEGMENT_KIB", "1"),
    ]);
    // All at once, 50 callers at a time, each hanging up as soon as it is answered.
    let mut placed = 0;
    for wave in 0..BURST / 50 {
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let caller = format!("1390000{:04}", wave * 50 + i);
                let e = &engine;
                async move {
                    let c = Caller::place(e, &caller).await;
                    c.hang_up().await;
                }
            })
            .collect();
        futures_join(calls).await;
        placed += 50;
    }
    assert_eq!(placed, BURST);
    let pool = db(&engine).await;
    let complete = "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL \
        AND disposition IS NOT NULL AND answered_at IS NOT NULL";
    let done = count_until(&pool, complete, BURST as i64, Duration::from_secs(60)).await;
    assert_eq!(done, BURST as i64, "complete call records");
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(all, BURST as i64);
    // Every call answered was recorded and its row links the file.
    let linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE recording IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(linked, BURST as i64);
    let spool = engine.dir.join("data/call-log");
    assert!(!spool.join("rejected.jsonl").exists(), "nothing rejected");
    // Written segments are gone: the spool does not grow with the calls.
    let mut budget = Budget::patient(Duration::ZERO);
    loop {
        let segments = std::fs::read_dir(&spool)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
            })
            .count();
        if segments <= 2 {
            break;
        }
        assert!(budget.tick().await, "{segments} spool segments left");
    }
}

/// Runs the futures together (the tests have no `futures` crate).
async fn futures_join<F: std::future::Future<Output = ()> + Send>(all: Vec<F>) {
    let mut set = Vec::new();
    for f in all {
        set.push(Box::pin(f));
    }
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut left = false;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    left = true;
                }
            }
        }
        if left {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
}

const UP: usize = 12;

/// call_ref, started_at, ended_at, disposition, hangup_side, recording.
type ClosedRow = (
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_up_at_a_kill_9_are_closed_as_interrupted_at_the_restart() {
    let mut first = Engine::start(&[("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "0")]);
    let mut callers = Vec::new();
    for i in 0..UP {
        callers.push(Caller::place(&first, &format!("1370000{i:04}")).await);
    }
    let pool = db(&first).await;
    let linked = "SELECT COUNT(*) FROM calls WHERE recording IS NOT NULL AND ended_at IS NULL";
    assert_eq!(
        count_until(&pool, linked, UP as i64, Duration::ZERO).await,
        UP as i64,
        "calls up, recording"
    );
    // Audio reaches the recordings and heartbeats go on (every 2 s), then the kill.
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    pool.close().await;
    let pid = first.pid();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    while first.alive() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed_at = now_ms();
    drop(callers);

    let data = first.dir.join("data");
    let second = Engine::start(&[
        ("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "0"),
        ("HOTLINE_DATA_DIR", data.to_str().unwrap()),
    ]);
    let url = format!("sqlite:{}", data.join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("db");
    // Closed before the engine said it was ready.
    let rows: Vec<ClosedRow> = sqlx::query_as(
        "SELECT call_ref, started_at, ended_at, disposition, hangup_side, recording \
             FROM calls ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), UP);
    for (call_ref, started, ended, disposition, side, recording) in rows {
        assert_eq!(disposition.as_deref(), Some("interrupted"), "{call_ref}");
        assert_eq!(side.as_deref(), Some("system"), "{call_ref}");
        let ended = ended.expect("an end");
        // The last heartbeat: within a beat or so of the kill (the calls were up for 5 s
        // before it), never after it.
        assert!(
            ended >= started && ended <= killed_at && ended >= killed_at - 4_500,
            "{call_ref}: {started} {ended} {killed_at}"
        );
        let path = std::path::PathBuf::from(recording.expect("the recording linked"));
        let path = if path.is_absolute() {
            path
        } else {
            first.dir.join(path)
        };
        let wav =
            hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let bytes = std::fs::metadata(&path).unwrap().len();
        // Repaired: the header's size covers the audio the file holds.
        let samples = u64::from(wav.len());
        assert!(samples > 8_000, "{}: {samples} samples", path.display());
        assert!(
            bytes - samples * 2 <= 100,
            "{}: header says {samples} samples, file has {bytes} bytes",
            path.display()
        );
    }
    drop(second);
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_with_records_still_in_the_spool_loses_none_at_the_restart() {
    // One entry per store batch and tiny segments: the writer lags the calls.
    let tiny = [
        ("HOTLINE_CALLS_LOG_BATCH", "1"),
        ("HOTLINE_CALLS_LOG_SEGMENT_KIB", "1"),
    ];
    let mut first = Engine::start(&tiny);
    const CALLS: usize = 150;
    for wave in 0..CALLS / 50 {
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let caller = format!("1360000{:04}", wave * 50 + i);
                let e = &first;
                async move {
                    let c = Caller::place(e, &caller).await;
                    c.hang_up().await;
                }
            })
            .collect();
        futures_join(calls).await;
    }
    let spool = first.dir.join("data/call-log");
    let segments = || {
        std::fs::read_dir(&spool)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
                })
                .count()
            })
            .unwrap_or(0)
    };
    let backlog = segments();
    eprintln!("spool segments at the kill: {backlog}");
    let killed = std::process::Command::new("kill")
        .args(["-9", &first.pid().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    while first.alive() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let data = first.dir.join("data");
    let _second = Engine::start(&[
        tiny[0],
        tiny[1],
        ("HOTLINE_DATA_DIR", data.to_str().unwrap()),
    ]);
    let url = format!("sqlite:{}", data.join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("db");
    // Written before the ready line: every call, once, complete.
    let (rows, complete, interrupted): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), \
         SUM(ended_at IS NOT NULL AND disposition IS NOT NULL AND answered_at IS NOT NULL), \
         SUM(disposition = 'interrupted') FROM calls",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows, CALLS as i64,
        "one record per call (spool backlog at the kill: {backlog} segments)"
    );
    assert_eq!(complete, CALLS as i64);
    eprintln!("interrupted at the restart: {interrupted}");
    // Calls whose hang-up the engine had taken ended as the caller left, not interrupted.
    assert!(interrupted < CALLS as i64 / 2, "{interrupted} interrupted");
    assert!(!spool.join("rejected.jsonl").exists());
}
