//! What the console commands on the store (`notice`, `incident`) share: times written on the
//! centre's clock, and the audit entry of a change made from the command line.

use hotline_store::{Millis, NewAuditEvent, Store};
use hotline_time::Zone;

/// Who the audit trail (and the store, for incidents) says made a console change.
pub const ACTOR: &str = "command line";

/// `at` on the centre's clock: `YYYY-MM-DD HH:MM`, as the commands take times.
pub fn wall_clock(zone: &Zone, at: Millis) -> String {
    let l = zone.local(at);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        l.date.year,
        l.date.month,
        l.date.day,
        l.minute / 60,
        l.minute % 60
    )
}

/// Records a change applied from the console under `action` (`notice`, `incident`); a
/// failure to record is said on stderr, the change stands.
pub async fn audit(store: &Store, action: &str, detail: String, now: Millis) {
    let entry = NewAuditEvent {
        actor: ACTOR.into(),
        action: action.into(),
        detail,
        outcome: "applied".into(),
        ..NewAuditEvent::default()
    };
    if let Err(e) = store.record_audit(&entry, now).await {
        eprintln!("hotline: warning: the audit entry was not stored: {e}");
    }
}
