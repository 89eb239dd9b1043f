//! `hotline campaign list|create|upload|show|start|pause|resume|stop|results` and `hotline
//! campaign dnc add|list|remove`: outbound campaigns from the command line, on the store the
//! configuration names, with the API's checks and moves (`hotline_web::campaign_ops`: a
//! refusal names the option) and every change in the audit trail as done by `command line`.
//! `results` writes the CSV export to stdout. Starting a campaign here marks it running in
//! the store, as the API does.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_store::{CampaignRecord, Millis, NewDnc, Store, TargetFilter};
use hotline_time::Zone;
use hotline_web::campaign_ops::{self, CampaignSpec, Move};
use hotline_web::{ImportView, RuleBody};

use crate::config::Config;
use crate::storage;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// List the campaigns with their progress.
    List,
    /// Make a draft campaign, its list by one rule (or none: upload one).
    Create(Box<CreateArgs>),
    /// Add a CSV list (account,number,… header) to a draft.
    Upload {
        /// The campaign's id (from `campaign list`).
        id: i64,
        file: PathBuf,
    },
    /// A campaign's settings, progress and the first targets.
    Show { id: i64 },
    /// Start a draft with targets.
    Start { id: i64 },
    /// No new calls until resumed.
    Pause {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Place calls again.
    Resume { id: i64 },
    /// Never dial again.
    Stop {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Every attempt as CSV on stdout.
    Results { id: i64 },
    /// The do-not-call list.
    #[command(subcommand)]
    Dnc(DncCommand),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub name: String,
    /// dunning, notice, followup or custom.
    #[arg(long)]
    pub kind: String,
    /// ivr, progressive or preview.
    #[arg(long, default_value = "ivr")]
    pub mode: String,
    /// The IVR flow the answered calls run (not needed by an SMS campaign, whose settings
    /// say "channel": "sms").
    #[arg(long, default_value = "")]
    pub flow: String,
    /// Progressive and preview: the agents' queue.
    #[arg(long)]
    pub queue: Option<String>,
    /// Settings as JSON, e.g. '{"window": ["09:00-12:00"], "attempts_per_sec": 5}'.
    #[arg(long)]
    pub settings: Option<String>,
    /// List: customers owing at least this many yuan …
    #[arg(long, value_name = "YUAN")]
    pub arrears: Option<f64>,
    /// … over at least this many overdue bills.
    #[arg(long, default_value_t = 1)]
    pub months: i64,
    /// … of these districts (repeatable; all when none).
    #[arg(long = "district", value_name = "CODE")]
    pub districts: Vec<String>,
    /// … of these tiers (repeatable: standard, key_account).
    #[arg(long = "tier")]
    pub tiers: Vec<String>,
    /// List: the customers of the districts this notice covers.
    #[arg(long, value_name = "NOTICE_ID")]
    pub notice: Option<i64>,
    /// List: the follow-ups waiting on closed tickets of these kinds (repeatable).
    #[arg(long = "followups", value_name = "KIND", num_args = 0..)]
    pub followups: Option<Vec<String>>,
    /// List: the key accounts this agent (login) manages.
    #[arg(long, value_name = "LOGIN")]
    pub key_accounts: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DncCommand {
    /// Put a number or an account on the list.
    Add {
        #[arg(long)]
        number: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The list, newest first.
    List,
    /// Take an entry off the list.
    Remove { id: i64 },
}

/// The option a refused field is given with.
fn option_of(field: &str) -> String {
    match field {
        "list.min_yuan" => "--arrears".into(),
        "list.min_months" => "--months".into(),
        "list" => "FILE".into(),
        f if f.starts_with("settings") => format!("--settings: {f}"),
        f => format!("--{}", f.replace('_', "-")),
    }
}

fn refusal(e: hotline_web::ApiError) -> String {
    match &e.field {
        Some(f) => format!("{}: {}", option_of(f), e.message),
        None => e.message,
    }
}

async fn rule(store: &Store, a: &CreateArgs) -> Result<Option<RuleBody>, String> {
    let mut rules = Vec::new();
    if let Some(min_yuan) = a.arrears {
        rules.push(RuleBody::Arrears {
            min_yuan,
            min_months: a.months,
            districts: a.districts.clone(),
            tiers: a.tiers.clone(),
        });
    }
    if let Some(notice_id) = a.notice {
        rules.push(RuleBody::Notice { notice_id });
    }
    if let Some(kinds) = &a.followups {
        rules.push(RuleBody::Followups {
            kinds: kinds.clone(),
        });
    }
    if let Some(login) = &a.key_accounts {
        let (agent, _) = store
            .agent_credentials(login)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("--key-accounts: no agent {login:?}"))?;
        rules.push(RuleBody::KeyAccounts {
            manager_id: agent.id,
        });
    }
    if rules.len() > 1 {
        return Err(
            "one list rule at a time: --arrears, --notice, --followups or --key-accounts".into(),
        );
    }
    Ok(rules.pop())
}

fn line(c: &CampaignRecord, p: &hotline_store::CampaignProgress, zone: &Zone) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\ttargets={} dialled={} reached={} promises={} ({:.2} 元) opted_out={} remaining={}\t{}",
        c.id,
        c.status.as_str(),
        c.kind,
        c.mode,
        crate::console::wall_clock(zone, c.created_at),
        p.targets,
        p.dialled,
        p.reached,
        p.promises,
        p.promised_fen as f64 / 100.0,
        p.opted_out,
        p.remaining,
        c.name
    )
}

fn report(v: &ImportView) {
    println!(
        "{} added, {} already in the campaign, {} refused",
        v.added,
        v.already,
        v.refused.len()
    );
    for r in &v.refused {
        println!("  row {}: {} ({})", r.row, r.reason, r.account);
    }
}

async fn audit(store: &Store, detail: String, now: Millis) {
    crate::console::audit(store, "campaign", detail, now).await;
}

/// Runs a `campaign` command.
pub async fn command(cfg: &Config, cmd: &CampaignCommand) -> Result<(), String> {
    let zone = cfg.centre.zone()?;
    let store = storage::open(cfg).await?;
    let now = storage::now_ms();
    let result = run(&store, &zone, cmd, now).await;
    store.close().await;
    result
}

async fn run(store: &Store, zone: &Zone, cmd: &CampaignCommand, now: Millis) -> Result<(), String> {
    let moved = |m: Move, id: i64, reason: Option<String>| async move {
        let c = campaign_ops::move_campaign(store, id, m, reason.as_deref(), now)
            .await
            .map_err(refusal)?;
        audit(store, format!("{} campaign {id}", m.verb()), now).await;
        println!("campaign {id}: {}", c.status.as_str());
        Ok::<(), String>(())
    };
    match cmd {
        CampaignCommand::List => {
            for c in store.campaigns(None).await.map_err(|e| e.to_string())? {
                let p = store
                    .campaign_progress(c.id)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("{}", line(&c, &p, zone));
            }
            Ok(())
        }
        CampaignCommand::Create(a) => {
            let settings = match &a.settings {
                Some(t) => {
                    serde_json::from_str(t).map_err(|e| format!("--settings: not JSON: {e}"))?
                }
                None => serde_json::Value::Null,
            };
            let spec = CampaignSpec {
                name: a.name.clone(),
                kind: a.kind.clone(),
                mode: a.mode.clone(),
                flow: a.flow.clone(),
                queue: a.queue.clone(),
                settings,
                list: rule(store, a).await?,
            };
            let (c, list) = campaign_ops::create(store, &spec, None, now)
                .await
                .map_err(refusal)?;
            audit(store, format!("create campaign {} {:?}", c.id, c.name), now).await;
            println!("campaign {} created (draft)", c.id);
            if let Some(v) = list {
                report(&v);
            }
            Ok(())
        }
        CampaignCommand::Upload { id, file } => {
            let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let v = campaign_ops::upload(store, *id, &bytes, now)
                .await
                .map_err(refusal)?;
            audit(
                store,
                format!(
                    "upload campaign {id} list: {} added, {} refused",
                    v.added,
                    v.refused.len()
                ),
                now,
            )
            .await;
            report(&v);
            Ok(())
        }
        CampaignCommand::Show { id } => {
            let c = store
                .campaign(*id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no campaign {id}"))?;
            let p = store
                .campaign_progress(*id)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", line(&c, &p, zone));
            println!(
                "flow: {}  queue: {}",
                c.flow,
                c.queue.as_deref().unwrap_or("-")
            );
            println!("settings: {}", c.settings);
            if let Some(r) = &c.status_reason {
                println!("reason: {r}");
            }
            let f = TargetFilter {
                limit: 20,
                ..TargetFilter::default()
            };
            for t in store
                .campaign_targets(*id, &f)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "  {}\t{}\t{}\t{}\tattempts={}\t{}",
                    t.id,
                    t.account,
                    hotline_core::mask(&t.number),
                    t.state,
                    t.attempts,
                    t.last_result.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        CampaignCommand::Start { id } => moved(Move::Start, *id, None).await,
        CampaignCommand::Pause { id, reason } => moved(Move::Pause, *id, reason.clone()).await,
        CampaignCommand::Resume { id } => moved(Move::Resume, *id, None).await,
        CampaignCommand::Stop { id, reason } => moved(Move::Stop, *id, reason.clone()).await,
        CampaignCommand::Results { id } => {
            let text = campaign_ops::results_csv(store, zone, *id)
                .await
                .map_err(refusal)?;
            print!("{text}");
            Ok(())
        }
        CampaignCommand::Dnc(d) => dnc(store, d, now).await,
    }
}

async fn dnc(store: &Store, cmd: &DncCommand, now: Millis) -> Result<(), String> {
    match cmd {
        DncCommand::Add {
            number,
            account,
            note,
        } => {
            if let Some(n) = number {
                hotline_campaign::normalise(n).map_err(|e| format!("--number: {e}"))?;
            }
            let added = store
                .add_do_not_call(
                    &NewDnc {
                        number: number.clone(),
                        account: account.clone(),
                        source: "api".into(),
                        note: note.clone(),
                    },
                    None,
                    now,
                )
                .await
                .map_err(|e| match e {
                    hotline_store::StoreError::Invalid { field, reason } => {
                        format!("--{field}: {reason}")
                    }
                    other => other.to_string(),
                })?;
            audit(store, "do not call (command line)".into(), now).await;
            println!("{added} added");
            Ok(())
        }
        DncCommand::List => {
            for e in store
                .do_not_call_list(100_000)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    e.id,
                    e.number.as_deref().unwrap_or("-"),
                    e.account.as_deref().unwrap_or("-"),
                    e.source,
                    e.note
                );
            }
            Ok(())
        }
        DncCommand::Remove { id } => {
            store
                .remove_do_not_call(*id)
                .await
                .map_err(|e| e.to_string())?;
            audit(store, format!("remove do-not-call entry {id}"), now).await;
            println!("removed");
            Ok(())
        }
    }
}
