//! The command line: `hotline [--config PATH] <serve | config check | config default | db
//! migrate | db seed | agent add | agent list | flow check | flow graph | flow schema | flow
//! simulate | flow test | notice add | notice list | notice end | notice record | notice
//! unrecord | incident list | incident open | incident link | incident close | campaign list |
//! campaign create | campaign upload | campaign show | campaign start | campaign pause |
//! campaign resume | campaign stop | campaign results | campaign dnc add | campaign dnc list |
//! campaign dnc remove>`.
//!
//! Exit codes: 0 success; 1 the engine failed while running (e.g. a port in use); 2 the
//! command line or the configuration was refused. Configuration errors go to stderr as
//! `hotline: <where>: <key>: <reason>`, one line each. Logs go to stderr; the only thing on
//! stdout is what a script reads: `serve`'s ready line, `config check`'s verdict, `config
//! default`'s file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

use crate::admin::{self, AgentCommand, DbCommand};
use crate::config::{self, Config, ConfigError, Loaded, LogConfig, LogFormat};
use crate::flows::{self, FlowCommand};
use crate::serve;

/// Exit code for an engine that failed while running.
const EXIT_FAILED: u8 = 1;
/// Exit code for a refused command line or configuration.
pub(crate) const EXIT_CONFIG: u8 = 2;

/// A SIP call-centre engine.
#[derive(Debug, Parser)]
#[command(name = "hotline", version)]
pub struct Cli {
    /// Configuration file [default: ./hotline.toml if it exists, else built-in defaults].
    /// HOTLINE_* environment variables override its keys.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "HOTLINE_CONFIG",
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the engine until SIGINT or SIGTERM.
    Serve,
    /// Check or print the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The database: migrate it, or add demo data.
    #[command(subcommand)]
    Db(DbCommand),
    /// Agents: add or update one, list them.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// IVR flows: check, draw, simulate and test them.
    #[command(subcommand)]
    Flow(FlowCommand),
    /// District notices (outages, planned works, water quality): publish, list, end.
    #[command(subcommand)]
    Notice(crate::notice_admin::NoticeCommand),
    /// Incidents (a burst main: the district's reports as one): list, open, link, close.
    #[command(subcommand)]
    Incident(crate::incident_admin::IncidentCommand),
    /// Outbound campaigns: make one with its list, move it, its results; the do-not-call list.
    #[command(subcommand)]
    Campaign(crate::campaign_admin::CampaignCommand),
    /// Recordings: seal them again under the current key after a rotation.
    #[command(subcommand)]
    Recordings(crate::recordings_admin::RecordingsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration (file and HOTLINE_* variables); say where it came
    /// from, or what is wrong with it.
    Check,
    /// Print the default configuration file, commented.
    Default,
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                ExitCode::from(EXIT_CONFIG)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Config(ConfigCommand::Default) => {
            print!("{}", Config::default_toml());
            ExitCode::SUCCESS
        }
        Command::Config(ConfigCommand::Check) => match load(cli.config.as_deref()) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    eprintln!("hotline: warning: {w}");
                }
                if let Err(e) = crate::recording_keys::from_env() {
                    eprintln!("hotline: {e}");
                    return ExitCode::from(EXIT_CONFIG);
                }
                println!("config ok: {}", loaded.source);
                ExitCode::SUCCESS
            }
            Err(e) => refuse(&e),
        },
        Command::Serve => serve(cli.config.as_deref()),
        Command::Recordings(cmd) => recordings(cli.config.as_deref(), &cmd),
        Command::Db(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            admin::db(&cfg, &cmd).await
        }),
        Command::Agent(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            admin::agent(&cfg, &cmd).await
        }),
        Command::Flow(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            flows::command(&cfg, &cmd).await
        }),
        Command::Notice(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            crate::notice_admin::command(&cfg, &cmd).await
        }),
        Command::Incident(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            crate::incident_admin::command(&cfg, &cmd).await
        }),
        Command::Campaign(cmd) => admin_command(cli.config.as_deref(), |cfg| async move {
            crate::campaign_admin::command(&cfg, &cmd).await
        }),
    }
}

/// Loads the configuration, sets up logging, and runs an administration command on a
/// runtime of its own.
fn admin_command<F, Fut>(path: Option<&Path>, f: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let loaded = match load(path) {
        Ok(l) => l,
        Err(e) => return refuse(&e),
    };
    if let Err(e) = init_logging(&loaded.config.log) {
        eprintln!("hotline: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hotline: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(f(loaded.config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hotline: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// `hotline recordings …` on the configured data folder's recordings, with the keys of the
/// environment.
fn recordings(path: Option<&Path>, cmd: &crate::recordings_admin::RecordingsCommand) -> ExitCode {
    let (loaded, keys) = match load_with_keys(path) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let dir = loaded.config.data.dir.join("recordings");
    crate::recordings_admin::run(cmd, &dir, &keys)
}

/// The configuration and the recording keys, or the exit code of the refusal (said).
fn load_with_keys(
    path: Option<&Path>,
) -> Result<(Loaded, hotline_media::recording::Keyring), ExitCode> {
    let loaded = load(path).map_err(|e| refuse(&e))?;
    let keys = crate::recording_keys::from_env().map_err(|e| {
        eprintln!("hotline: {e}");
        ExitCode::from(EXIT_CONFIG)
    })?;
    Ok((loaded, keys))
}

fn serve(path: Option<&Path>) -> ExitCode {
    let (loaded, keys) = match load_with_keys(path) {
        Ok(both) => both,
        Err(code) => return code,
    };
    if let Err(e) = init_logging(&loaded.config.log) {
        eprintln!("hotline: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    info!(source = %loaded.source, "configuration loaded");
    for w in &loaded.warnings {
        warn!("{w}");
    }
    let realtime = loaded.config.media.realtime_priority;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(crate::priority::normal_on_start(realtime))
        .on_thread_park(crate::priority::realtime_on_park(realtime))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hotline: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(serve::serve(
        loaded.config,
        path.map(Path::to_path_buf),
        keys,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hotline: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// The configuration from `path` (or the default place) and this process's environment.
fn load(path: Option<&Path>) -> Result<Loaded, ConfigError> {
    Config::load_from(path, config::process_env()?)
}

/// Prints each problem as `hotline: …` and gives the configuration exit code.
fn refuse(e: &ConfigError) -> ExitCode {
    for issue in &e.issues {
        eprintln!("hotline: {issue}");
    }
    ExitCode::from(EXIT_CONFIG)
}

/// Logs to stderr, filtered by `RUST_LOG` when set, else by `log.level`, as text or JSON.
pub fn init_logging(log: &LogConfig) -> Result<(), String> {
    let (directives, from) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => (v, "RUST_LOG"),
        _ => (log.level.clone(), "log.level"),
    };
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| format!("{from}: {directives:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match log.format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| format!("cannot set up logging: {e}"))
}
