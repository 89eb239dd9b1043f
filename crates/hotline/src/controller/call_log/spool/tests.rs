//! The spool on disk: order kept across segments, nothing lost at a restart, segments gone
//! only after a commit past them, a line cut by a crash handed back as torn.

use super::*;

fn texts(lines: &[Spooled]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.line.clone().unwrap_or_else(|e| format!("ERR {e}")))
        .collect()
}

#[test]
fn lines_come_back_in_order_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Appender::open(dir.path(), 20).unwrap();
    let all: Vec<String> = (0..50).map(|i| format!("line {i}")).collect();
    for chunk in all.chunks(3) {
        app.append(chunk).unwrap();
    }
    assert!(segments(dir.path()).unwrap().len() > 5);
    let mut r = Reader::open(dir.path()).unwrap();
    let mut got = Vec::new();
    loop {
        let batch = r.read(7).unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 7);
        got.extend(texts(&batch));
    }
    assert_eq!(got, all);
}

#[test]
fn a_restart_reads_from_the_last_commit_and_segments_go_only_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Appender::open(dir.path(), 1 << 20).unwrap();
    let all: Vec<String> = (0..12).map(|i| format!("entry {i}")).collect();
    app.append(&all).unwrap();
    let mut app = Appender::open(dir.path(), 25).unwrap();
    app.append(&["entry 12", "entry 13"]).unwrap();
    let before = segments(dir.path()).unwrap();
    assert_eq!(before.len(), 2);

    let mut r = Reader::open(dir.path()).unwrap();
    let first = r.read(5).unwrap();
    assert_eq!(texts(&first), all[..5]);
    // Read further, but only the first five are committed when the process dies.
    let _lost_in_memory = r.read(4).unwrap();
    r.commit(first[4].after).unwrap();
    assert_eq!(segments(dir.path()).unwrap(), before, "nothing deleted yet");
    drop(r);

    let mut r = Reader::open(dir.path()).unwrap();
    let rest = r.read(100).unwrap();
    let mut want: Vec<String> = all[5..].to_vec();
    want.extend(["entry 12".to_string(), "entry 13".to_string()]);
    assert_eq!(texts(&rest), want);
    r.commit(rest.last().unwrap().after).unwrap();
    assert_eq!(segments(dir.path()).unwrap(), before[1..].to_vec());
    drop(r);
    let mut r = Reader::open(dir.path()).unwrap();
    assert!(
        r.read(100).unwrap().is_empty(),
        "committed lines never come back"
    );
}

#[test]
fn a_line_being_written_waits_and_a_line_cut_by_a_crash_is_torn() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Appender::open(dir.path(), 1 << 20).unwrap();
    app.append(&["whole"]).unwrap();
    // A half-written line in the newest segment: not read yet.
    let seg = segment_path(dir.path(), segments(dir.path()).unwrap()[0]);
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(b"{\"half\":").unwrap();
    let mut r = Reader::open(dir.path()).unwrap();
    assert_eq!(texts(&r.read(10).unwrap()), ["whole"]);
    assert!(r.read(10).unwrap().is_empty());
    // The process died there; the next start writes to a new segment.
    let mut app = Appender::open(dir.path(), 1 << 20).unwrap();
    app.append(&["after restart"]).unwrap();
    let got = r.read(10).unwrap();
    assert_eq!(got.len(), 2);
    assert!(got[0]
        .line
        .as_ref()
        .unwrap_err()
        .contains("cut off by a crash"));
    assert!(got[0].line.as_ref().unwrap_err().contains("{\"half\":"));
    assert_eq!(got[1].line.as_deref(), Ok("after restart"));
}

#[test]
fn an_empty_or_missing_spool_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Reader::open(&dir.path().join("new")).unwrap();
    assert!(r.read(10).unwrap().is_empty());
    std::fs::write(dir.path().join("new/cursor"), "garbage").unwrap();
    let mut r = Reader::open(&dir.path().join("new")).unwrap();
    assert!(r.read(10).unwrap().is_empty());
}
