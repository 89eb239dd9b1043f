//! Administration commands on the store: `hotline db migrate`, `hotline db seed`,
//! `hotline agent add`, `hotline agent list`. Each loads the configuration like `serve` (so
//! it works on the same database) and prints what it did on stdout.

use clap::{Args, Subcommand};
use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::Role;

use crate::config::Config;
use crate::storage;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create or migrate the schema, then exit.
    Migrate,
    /// Add demo data: districts, customers with Chinese names and addresses, meters, 24
    /// months of bills with some arrears, key accounts with managers, notices.
    Seed {
        /// How many customers to add (seeding again appends).
        #[arg(long, default_value_t = 1000)]
        customers: u64,
        /// Random seed: the same seed gives the same customers.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Also create the demo agents when there are none (passwords to <data.dir>/demo-agents.txt).
        #[arg(long)]
        agents: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent, or update the one with this login.
    Add(Box<AgentArgs>),
    /// List the agents.
    List,
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Login name for the desktop and the API.
    #[arg(long)]
    pub login: String,
    /// Name shown to colleagues.
    #[arg(long)]
    pub name: String,
    /// Staff number announced to callers (报工号).
    #[arg(long)]
    pub staff_no: String,
    /// SIP username of the agent's softphone (its extension).
    #[arg(long)]
    pub sip_user: String,
    /// Password for the softphone and the desktop; read from HOTLINE_AGENT_PASSWORD when
    /// not given (keeps it out of the shell history).
    #[arg(long, env = "HOTLINE_AGENT_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// agent, qa, supervisor, admin or crew (a district's field crew: needs --district).
    #[arg(long, default_value = "agent")]
    pub role: String,
    /// A crew's district, by its code (as in `districts.code`).
    #[arg(long)]
    pub district: Option<String>,
    #[arg(long, default_value = "")]
    pub team: String,
    /// A skill with its level 1-10, e.g. --skill billing=8 (repeatable).
    #[arg(long = "skill", value_name = "NAME=LEVEL")]
    pub skills: Vec<String>,
}

/// Runs a `db` command.
pub async fn db(cfg: &Config, cmd: &DbCommand) -> Result<(), String> {
    let store = storage::open(cfg).await?;
    match cmd {
        DbCommand::Migrate => println!("store migrated: {}", redact(&storage::url(cfg))),
        DbCommand::Seed {
            customers,
            seed,
            agents,
        } => {
            if *agents && store.agents().await.map_err(|e| e.to_string())?.is_empty() {
                storage::seed_demo_agents(&store, cfg).await?;
            }
            let report = seed_demo(
                &store,
                &SeedOptions {
                    customers: *customers,
                    rng_seed: *seed,
                    now: storage::now_ms(),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("seeded: {report:?}");
        }
    }
    store.close().await;
    Ok(())
}

/// Runs an `agent` command.
pub async fn agent(cfg: &Config, cmd: &AgentCommand) -> Result<(), String> {
    let store = storage::open(cfg).await?;
    match cmd {
        AgentCommand::Add(a) => {
            let role = Role::parse(&a.role).ok_or_else(|| {
                format!(
                    "--role: {:?} is not agent, qa, supervisor, admin or crew",
                    a.role
                )
            })?;
            let district = match (&a.district, role) {
                (Some(code), Role::Crew) => Some(
                    store
                        .district_by_code(code)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("--district: no district with the code {code:?}"))?
                        .id,
                ),
                (None, Role::Crew) => return Err("--district: a crew needs its district".into()),
                (Some(_), _) => return Err("--district: only for --role crew".into()),
                (None, _) => None,
            };
            let mut skills = Vec::new();
            for s in &a.skills {
                let (name, level) = s
                    .split_once('=')
                    .ok_or_else(|| format!("--skill {s:?}: expected NAME=LEVEL"))?;
                let level: i64 = level
                    .trim()
                    .parse()
                    .map_err(|_| format!("--skill {s:?}: the level is not a number"))?;
                skills.push((name.trim().to_string(), level));
            }
            if a.password.len() < 6 {
                return Err("--password: at least 6 characters".into());
            }
            let new = storage::new_agent(
                &a.login,
                &a.name,
                &a.staff_no,
                &a.sip_user,
                &a.password,
                &cfg.sip.realm,
                role,
                &a.team,
                skills,
            );
            let id = match district {
                Some(d) => store.upsert_crew(&new, d, storage::now_ms()).await,
                None => store.upsert_agent(&new, storage::now_ms()).await,
            }
            .map_err(|e| e.to_string())?;
            println!(
                "agent {} saved (id {id}, extension {})",
                a.login, a.sip_user
            );
        }
        AgentCommand::List => {
            let mut all = store.agents().await.map_err(|e| e.to_string())?;
            all.extend(store.crews().await.map_err(|e| e.to_string())?);
            for a in all {
                let skills: Vec<String> =
                    a.skills.iter().map(|(s, l)| format!("{s}={l}")).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.login,
                    a.name,
                    a.staff_no,
                    a.sip_user,
                    a.role.as_str(),
                    skills.join(",")
                );
            }
        }
    }
    store.close().await;
    Ok(())
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_printed_without_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:data/x.db"), "sqlite:data/x.db");
    }
}
