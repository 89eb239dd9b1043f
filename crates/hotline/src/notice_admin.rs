//! `hotline notice add|list|end|record|unrecord`: district notices (and their recorded
//! prompts: a WAV checked as the API checks an upload) from the command line, on the store the
//! configuration names (as `serve` uses it), checked like the API's (`notices::check`, the
//! refusal naming the option) and written to the audit trail as done by `command line`.
//! Times are the centre's wall-clock times (`centre.time_zone`): `--from "2026-12-06 08:00"`.
//! The engine reads notices on every lookup: a running `serve` plays the change to its next
//! caller.

use clap::{Args, Subcommand};
use hotline_store::notices::{milli_text, parse_milli};
use hotline_store::{Figures, Millis, Notice, NoticeInput, Store, StoreError};
use hotline_time::Zone;

use crate::config::Config;
use crate::flows::cases::parse_time;
use crate::storage;

#[derive(Debug, Subcommand)]
pub enum NoticeCommand {
    /// Publish a notice.
    Add(Box<NoticeArgs>),
    /// List the notices not ended (in force or coming); --all: every one.
    List {
        #[arg(long)]
        all: bool,
    },
    /// End a notice now (it is kept, no longer heard).
    End {
        /// The notice's id (from `notice list`).
        id: i64,
    },
    /// Give a notice a recorded prompt in one language (8 kHz mono 16-bit WAV), played after
    /// the IVR's own reading of it; replaces the one there was.
    Record {
        /// The notice's id (from `notice list`).
        id: i64,
        /// The callers' language it is for: zh, en, …
        #[arg(long)]
        lang: String,
        /// The WAV file.
        file: std::path::PathBuf,
    },
    /// Remove a notice's recorded prompt in one language.
    Unrecord {
        id: i64,
        #[arg(long)]
        lang: String,
    },
}

#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// outage, planned_works, water_quality, pressure or other.
    #[arg(long)]
    pub kind: String,
    /// A district code (repeatable), e.g. --district north --district hitech.
    #[arg(long = "district", value_name = "CODE", required = true)]
    pub districts: Vec<String>,
    /// Start, the centre's wall-clock time: "YYYY-MM-DD HH:MM".
    #[arg(long)]
    pub from: String,
    /// Expected end, "YYYY-MM-DD HH:MM"; leave out while not known.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub body: String,
    /// pipe_burst, repair, construction, flushing, power or other.
    #[arg(long, default_value = "")]
    pub cause: String,
    /// Turbidity in NTU, e.g. 0.35.
    #[arg(long)]
    pub turbidity: Option<String>,
    /// Residual chlorine in mg/L.
    #[arg(long)]
    pub chlorine: Option<String>,
    /// Pressure in MPa.
    #[arg(long)]
    pub pressure: Option<String>,
}

/// The option a store field is given with.
fn option_of(field: &str) -> &str {
    match field {
        "district_ids" => "--district",
        "starts_at" => "--from",
        "ends_at" => "--to",
        "figures.turbidity_ntu" => "--turbidity",
        "figures.chlorine_mg_l" => "--chlorine",
        "figures.pressure_mpa" => "--pressure",
        "kind" => "--kind",
        "title" => "--title",
        "body" => "--body",
        "cause" => "--cause",
        "language" => "--lang",
        "recording" => "FILE",
        other => other,
    }
}

fn refusal(e: StoreError) -> String {
    match e {
        StoreError::Invalid { field, reason } => format!("{}: {reason}", option_of(field)),
        other => other.to_string(),
    }
}

fn wall_time(zone: &Zone, option: &str, s: &str) -> Result<Millis, String> {
    parse_time(zone, s).ok_or_else(|| format!("{option}: {s:?} is not \"YYYY-MM-DD HH:MM\""))
}

fn figure(option: &str, v: &Option<String>) -> Result<Option<i64>, String> {
    v.as_deref()
        .map(|t| {
            parse_milli(t)
                .ok_or_else(|| format!("{option}: {t:?} is not a number with at most 3 decimals"))
        })
        .transpose()
}

async fn input(store: &Store, zone: &Zone, a: &NoticeArgs) -> Result<NoticeInput, String> {
    let mut district_ids = Vec::new();
    for code in &a.districts {
        let d = store
            .district_by_code(code)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("--district: no district {code:?}"))?;
        district_ids.push(d.id);
    }
    Ok(NoticeInput {
        kind: a.kind.clone(),
        district_ids,
        starts_at: wall_time(zone, "--from", &a.from)?,
        ends_at: a
            .to
            .as_deref()
            .map(|t| wall_time(zone, "--to", t))
            .transpose()?,
        title: a.title.clone(),
        body: a.body.clone(),
        cause: a.cause.clone(),
        figures: Figures {
            turbidity_mntu: figure("--turbidity", &a.turbidity)?,
            chlorine_ug_l: figure("--chlorine", &a.chlorine)?,
            pressure_kpa: figure("--pressure", &a.pressure)?,
        },
    })
}

/// One line of `notice list`: id, kind, districts, from, to, cause, figures, title.
pub fn line(n: &Notice, zone: &Zone) -> String {
    let when = |at: Millis| crate::console::wall_clock(zone, at);
    let codes: Vec<&str> = n.districts.iter().map(|d| d.code.as_str()).collect();
    let mut figures = Vec::new();
    for (name, v, unit) in [
        ("turbidity", n.figures.turbidity_mntu, "NTU"),
        ("chlorine", n.figures.chlorine_ug_l, "mg/L"),
        ("pressure", n.figures.pressure_kpa, "MPa"),
    ] {
        if let Some(v) = v {
            figures.push(format!("{name}={}{unit}", milli_text(v)));
        }
    }
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        n.id,
        n.kind,
        codes.join(","),
        when(n.starts_at),
        n.ends_at.map_or("-".to_string(), when),
        if n.cause.is_empty() { "-" } else { &n.cause },
        if figures.is_empty() {
            "-".to_string()
        } else {
            figures.join(",")
        },
        n.title
    )
}

async fn audit(store: &Store, detail: String, now: Millis) {
    crate::console::audit(store, "notice", detail, now).await;
}

/// Runs a `notice` command.
pub async fn command(cfg: &Config, cmd: &NoticeCommand) -> Result<(), String> {
    let zone = cfg.centre.zone()?;
    let store = storage::open(cfg).await?;
    let now = storage::now_ms();
    let result = run(&store, &zone, cmd, now).await;
    store.close().await;
    result
}

async fn run(store: &Store, zone: &Zone, cmd: &NoticeCommand, now: Millis) -> Result<(), String> {
    match cmd {
        NoticeCommand::Add(a) => {
            let input = input(store, zone, a).await?;
            let n = store.create_notice(&input, now).await.map_err(refusal)?;
            audit(store, format!("create notice {} ({})", n.id, n.kind), now).await;
            println!("notice {} published: {}", n.id, line(&n, zone));
        }
        NoticeCommand::List { all } => {
            for n in store.list_notices(now, *all).await.map_err(refusal)? {
                println!("{}", line(&n, zone));
            }
        }
        NoticeCommand::End { id } => {
            let n = store.end_notice(*id, now).await.map_err(refusal)?;
            audit(store, format!("end notice {} ({})", n.id, n.kind), now).await;
            println!("notice {} ended: {}", n.id, line(&n, zone));
        }
        NoticeCommand::Record { id, lang, file } => {
            let wav = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let pcm = hotline_media::prompt::library::decode_wav(&wav)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let samples = i64::try_from(pcm.len()).unwrap_or(i64::MAX);
            let r = store
                .put_notice_recording(*id, lang, &wav, samples, crate::console::ACTOR, now)
                .await
                .map_err(refusal)?;
            let secs = r.samples as f64 / 8000.0;
            audit(
                store,
                format!(
                    "record notice {id} {lang} ({secs:.1} s, {} bytes)",
                    wav.len()
                ),
                now,
            )
            .await;
            println!("notice {id}: recording in {lang} stored, {secs:.1} s");
        }
        NoticeCommand::Unrecord { id, lang } => {
            if !store
                .delete_notice_recording(*id, lang)
                .await
                .map_err(refusal)?
            {
                return Err(format!("notice {id} has no recording in {lang:?}"));
            }
            audit(store, format!("unrecord notice {id} {lang}"), now).await;
            println!("notice {id}: recording in {lang} removed");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &str, to: Option<&str>) -> NoticeArgs {
        NoticeArgs {
            kind: "planned_works".into(),
            districts: vec!["north".into()],
            from: from.into(),
            to: to.map(String::from),
            title: "管道改造计划停水".into(),
            body: String::new(),
            cause: "construction".into(),
            turbidity: None,
            chlorine: None,
            pressure: Some("0.28".into()),
        }
    }

    #[tokio::test]
    async fn add_list_and_end_name_the_option_at_fault() {
        let (store, _, dir) = crate::test_store::with_a_district("notice-cli").await;
        let zone = Zone::named("Asia/Shanghai").unwrap();
        let now = parse_time(&zone, "2026-12-06 09:00").unwrap();
        let add = |a: NoticeArgs| NoticeCommand::Add(Box::new(a));

        let e = run(
            &store,
            &zone,
            &add(args("2026-12-06 08:00", Some("2026-12-06 07:00"))),
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(e, "--to: must be after starts_at");
        let e = run(&store, &zone, &add(args("6 Dec 8am", None)), now)
            .await
            .unwrap_err();
        assert!(e.starts_with("--from: "), "{e}");
        let mut unknown = args("2026-12-06 08:00", None);
        unknown.districts.push("nowhere".into());
        let e = run(&store, &zone, &add(unknown), now).await.unwrap_err();
        assert_eq!(e, "--district: no district \"nowhere\"");
        let mut bad_figure = args("2026-12-06 08:00", None);
        bad_figure.pressure = Some("-1".into());
        let e = run(&store, &zone, &add(bad_figure), now).await.unwrap_err();
        assert!(e.starts_with("--pressure: "), "{e}");
        assert!(store.list_notices(now, true).await.unwrap().is_empty());

        run(
            &store,
            &zone,
            &add(args("2026-12-06 08:00", Some("2026-12-06 18:00"))),
            now,
        )
        .await
        .unwrap();
        let list = store.list_notices(now, false).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            line(&list[0], &zone),
            format!(
                "{}\tplanned_works\tnorth\t2026-12-06 08:00\t2026-12-06 18:00\tconstruction\tpressure=0.28MPa\t管道改造计划停水",
                list[0].id
            )
        );
        run(
            &store,
            &zone,
            &NoticeCommand::End { id: list[0].id },
            now + 1,
        )
        .await
        .unwrap();
        assert!(store.notices_in_force(now + 1).await.unwrap().is_empty());
        let audit = store.audit_events_of(Some("notice"), 10).await.unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!(audit[0].actor, "command line");
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn record_checks_the_wav_and_unrecord_removes_it() {
        let (store, _, dir) = crate::test_store::with_a_district("notice-rec-cli").await;
        let zone = Zone::named("Asia/Shanghai").unwrap();
        let now = parse_time(&zone, "2026-12-06 09:00").unwrap();
        run(
            &store,
            &zone,
            &NoticeCommand::Add(Box::new(args("2026-12-06 08:00", None))),
            now,
        )
        .await
        .unwrap();
        let id = store.list_notices(now, false).await.unwrap()[0].id;
        let good = dir.join("good.wav");
        std::fs::write(&good, crate::flows::cases::silent_wav(16_000)).unwrap();
        let bad = dir.join("bad.wav");
        std::fs::write(&bad, b"RIFF not a wav").unwrap();
        let record = |id: i64, lang: &str, file: &std::path::Path| NoticeCommand::Record {
            id,
            lang: lang.into(),
            file: file.to_path_buf(),
        };

        let e = run(&store, &zone, &record(id, "zh", &bad), now)
            .await
            .unwrap_err();
        assert!(e.starts_with(&format!("{}: ", bad.display())), "{e}");
        let e = run(&store, &zone, &record(id, "z h", &good), now)
            .await
            .unwrap_err();
        assert!(e.starts_with("--lang: "), "{e}");
        let e = run(&store, &zone, &record(id + 99, "zh", &good), now)
            .await
            .unwrap_err();
        assert!(e.contains("not found"), "{e}");
        assert!(store
            .notice_recording_wav(id, "zh")
            .await
            .unwrap()
            .is_none());

        run(&store, &zone, &record(id, "zh", &good), now)
            .await
            .unwrap();
        let n = store.notice(id).await.unwrap().unwrap();
        assert_eq!(n.recordings.len(), 1);
        assert_eq!(
            (
                n.recordings[0].samples,
                n.recordings[0].uploaded_by.as_str()
            ),
            (16_000, "command line")
        );
        let unrecord = |lang: &str| NoticeCommand::Unrecord {
            id,
            lang: lang.into(),
        };
        run(&store, &zone, &unrecord("zh"), now).await.unwrap();
        assert!(store
            .notice_recording_wav(id, "zh")
            .await
            .unwrap()
            .is_none());
        let e = run(&store, &zone, &unrecord("zh"), now).await.unwrap_err();
        assert_eq!(e, format!("notice {id} has no recording in \"zh\""));
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
