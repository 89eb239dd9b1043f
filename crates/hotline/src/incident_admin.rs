//! `hotline incident list|open|link|close`: incidents from the command line (an on-call
//! operator at the console on an outage night), on the store the configuration names, with
//! the API's checks (the refusal naming the option) and every change in the audit trail as
//! done by `command line`. Times are the centre's wall-clock times (`centre.time_zone`).

use clap::Subcommand;
use hotline_store::incidents::{Incident, IncidentInput};
use hotline_store::{Millis, Store, StoreError};
use hotline_time::Zone;

use crate::config::Config;
use crate::storage;

/// Who opens or closes an incident from the console (the store keeps it as `opened_by`).
const BY: &str = crate::console::ACTOR;

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// List the open incidents; --all: the last 200 of all, closed ones too.
    List {
        #[arg(long)]
        all: bool,
    },
    /// Open an incident: the district's IVR leak reports then join it.
    Open {
        /// The district's code, e.g. north.
        #[arg(long)]
        district: String,
        /// A ticket kind: leak, repair, …
        #[arg(long, default_value = "leak")]
        kind: String,
        #[arg(long)]
        title: String,
    },
    /// Link a ticket to an open incident as one of its reports.
    Link {
        /// The incident's id (from `incident list`).
        id: i64,
        /// The ticket's id.
        ticket: i64,
    },
    /// Close an incident: the district's next report is dispatched again.
    Close {
        /// The incident's id (from `incident list`).
        id: i64,
    },
}

/// The option a store field is given with.
fn option_of(field: &str) -> &str {
    match field {
        "district_id" => "--district",
        "kind" => "--kind",
        "title" => "--title",
        "ticket_id" => "TICKET",
        "id" => "ID",
        other => other,
    }
}

fn refusal(e: StoreError) -> String {
    match e {
        StoreError::Invalid { field, reason } => format!("{}: {reason}", option_of(field)),
        other => other.to_string(),
    }
}

/// One line of `incident list`: id, district, kind, opened (when, by), closed or `open`,
/// reports, calls, the dispatched ticket, title.
pub fn line(i: &Incident, zone: &Zone) -> String {
    let when = |at: Millis| crate::console::wall_clock(zone, at);
    format!(
        "{}\t{}\t{}\t{} by {}\t{}\treports={}\tcalls={}\tticket={}\t{}",
        i.id,
        i.district_name,
        i.kind,
        when(i.opened_at),
        i.opened_by,
        i.closed_at
            .map_or("open".to_string(), |t| format!("closed {}", when(t))),
        i.reports,
        i.calls,
        i.ticket_id.map_or("-".to_string(), |t| t.to_string()),
        i.title
    )
}

async fn audit(store: &Store, detail: String, now: Millis) {
    crate::console::audit(store, "incident", detail, now).await;
}

/// Runs an `incident` command.
pub async fn command(cfg: &Config, cmd: &IncidentCommand) -> Result<(), String> {
    let zone = cfg.centre.zone()?;
    let store = storage::open(cfg).await?;
    let now = storage::now_ms();
    let result = run(&store, &zone, cmd, now).await;
    store.close().await;
    result
}

async fn run(store: &Store, zone: &Zone, cmd: &IncidentCommand, now: Millis) -> Result<(), String> {
    match cmd {
        IncidentCommand::List { all } => {
            for i in &store.incidents(*all).await.map_err(refusal)? {
                println!("{}", line(i, zone));
            }
        }
        IncidentCommand::Open {
            district,
            kind,
            title,
        } => {
            let d = store
                .district_by_code(district)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--district: no district {district:?}"))?;
            let input = IncidentInput {
                district_id: d.id,
                kind: kind.clone(),
                title: title.clone(),
            };
            let i = store
                .open_incident(&input, BY, now)
                .await
                .map_err(refusal)?;
            audit(store, format!("open incident {} ({})", i.id, d.code), now).await;
            println!("incident {} opened: {}", i.id, line(&i, zone));
        }
        IncidentCommand::Link { id, ticket } => {
            let i = store
                .link_incident_ticket(*id, *ticket, now)
                .await
                .map_err(refusal)?;
            audit(store, format!("link ticket {ticket} to incident {id}"), now).await;
            println!("ticket {ticket} linked: {}", line(&i, zone));
        }
        IncidentCommand::Close { id } => {
            let i = store.close_incident(*id, BY, now).await.map_err(refusal)?;
            audit(store, format!("close incident {id}"), now).await;
            println!("incident {id} closed: {}", line(&i, zone));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::cases::parse_time;

    fn open(district: &str, kind: &str, title: &str) -> IncidentCommand {
        IncidentCommand::Open {
            district: district.into(),
            kind: kind.into(),
            title: title.into(),
        }
    }

    #[tokio::test]
    async fn open_link_list_and_close_name_the_option_at_fault() {
        let (store, district, dir) = crate::test_store::with_a_district("incident-cli").await;
        let zone = Zone::named("Asia/Shanghai").unwrap();
        let now = parse_time(&zone, "2026-12-06 21:30").unwrap();

        let e = run(&store, &zone, &open("nowhere", "leak", "爆管"), now)
            .await
            .unwrap_err();
        assert_eq!(e, "--district: no district \"nowhere\"");
        let e = run(&store, &zone, &open("north", "flood", "爆管"), now)
            .await
            .unwrap_err();
        assert!(e.starts_with("--kind: unknown kind"), "{e}");
        let e = run(&store, &zone, &open("north", "leak", "  "), now)
            .await
            .unwrap_err();
        assert_eq!(e, "--title: required");
        assert!(store.incidents(true).await.unwrap().is_empty());

        run(&store, &zone, &open("north", "leak", "解放路爆管"), now)
            .await
            .unwrap();
        let list = store.incidents(false).await.unwrap();
        assert_eq!(list.len(), 1);
        let id = list[0].id;
        assert_eq!(list[0].district_id, district);
        assert_eq!(list[0].opened_by, "command line");
        assert_eq!(
            line(&list[0], &zone),
            format!(
                "{id}\t{}\tleak\t2026-12-06 21:30 by command line\topen\treports=0\tcalls=0\tticket=-\t解放路爆管",
                list[0].district_name
            )
        );
        let e = run(
            &store,
            &zone,
            &IncidentCommand::Link {
                id,
                ticket: 999_999,
            },
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(e, "TICKET: no such ticket");

        run(&store, &zone, &IncidentCommand::Close { id }, now + 60_000)
            .await
            .unwrap();
        assert!(store.incidents(false).await.unwrap().is_empty());
        let all = store.incidents(true).await.unwrap();
        assert!(line(&all[0], &zone).contains("\tclosed 2026-12-06 21:31\t"));
        let e = run(&store, &zone, &IncidentCommand::Link { id, ticket: 1 }, now)
            .await
            .unwrap_err();
        assert_eq!(e, "ID: the incident is closed");
        let audit = store.audit_events_of(Some("incident"), 10).await.unwrap();
        assert_eq!(audit.len(), 2);
        assert!(audit.iter().all(|a| a.actor == "command line"));
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
