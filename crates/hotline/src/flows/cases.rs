//! Test cases for flows, written beside them as `*.test.yaml`: the customer data they need
//! (put in a fresh SQLite store per case), and for each case the caller, the keys pressed,
//! and what must happen (outcome, nodes passed, prompts heard, variables, tickets). Run by
//! `hotline flow test` and by `cargo test`, so a flow change is checked like code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hotline_ivr::expr::Expr;
use hotline_ivr::outbound;
use hotline_ivr::FlowSet;
use hotline_store::{
    Figures, Millis, NewBill, NewCustomer, NewDistrict, NoticeInput, OpenOptions, Policy, Store,
};
use hotline_time::Zone;
use serde::Deserialize;

use super::driver::{self, Scripted};

/// A `*.test.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The flow the calls start in (default: the flow named like the file).
    #[serde(default)]
    pub flow: Option<String>,
    /// The clock at the start of each call, in the centre's zone (`centre.time_zone`): `2026-11-18 10:00`.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub data: Data,
    pub cases: Vec<Case>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    #[serde(default)]
    pub districts: Vec<DistrictData>,
    #[serde(default)]
    pub agents: Vec<AgentData>,
    #[serde(default)]
    pub customers: Vec<CustomerData>,
    #[serde(default)]
    pub notices: Vec<NoticeData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictData {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentData {
    pub login: String,
    pub name: String,
    pub staff_no: String,
    pub sip_user: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerData {
    pub account: String,
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default = "standard")]
    pub tier: String,
    #[serde(default = "zh")]
    pub language: String,
    /// An agent's login.
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub meter: Option<MeterData>,
    #[serde(default)]
    pub bills: Vec<BillData>,
}

fn standard() -> String {
    "standard".into()
}
fn zh() -> String {
    "zh".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterData {
    pub serial: String,
    /// The last accepted reading, on `read` (a date).
    pub last: i64,
    pub read: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillData {
    /// `YYYY-MM`.
    pub period: String,
    #[serde(default)]
    pub volume: i64,
    /// Yuan, as `"105.30"`.
    pub amount: String,
    #[serde(default)]
    pub paid: Option<String>,
    /// A date, `YYYY-MM-DD`.
    pub due: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeData {
    pub district: String,
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD HH:MM`, the centre's wall-clock time.
    pub starts: String,
    #[serde(default)]
    pub ends: Option<String>,
    /// More districts the notice covers (codes).
    #[serde(default)]
    pub also: Vec<String>,
    /// A cause code (`pipe_burst`, `construction`, …).
    #[serde(default)]
    pub cause: String,
    /// Water figures as decimal text: NTU, mg/L, MPa.
    #[serde(default)]
    pub turbidity: Option<String>,
    #[serde(default)]
    pub chlorine: Option<String>,
    #[serde(default)]
    pub pressure: Option<String>,
    /// Languages it has a recording in (a second of silence stands for the supervisor's
    /// upload); the flow hears it as `rec_notice_<id>`.
    #[serde(default)]
    pub recordings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub caller: String,
    /// Key groups pressed at successive questions, comma-separated; an empty group lets
    /// the question time out; after the last group the caller stays silent.
    #[serde(default)]
    pub keys: String,
    /// An outbound (campaign) call: the data the campaign gives the flow, field → text, as
    /// the flow's `target:` declares them (`amount_due: "1234.50"`); converted as the engine
    /// converts it. Without it the call is an inbound one (`target` is null).
    #[serde(default)]
    pub target: Option<BTreeMap<String, String>>,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `hangup`, `transfer:<queue>` or `abandoned`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Whether the caller had a self-service action (passed a node marked `served`): with
    /// `outcome` hangup or abandoned, `true` is a self-served call (containment), `false` an
    /// unserved one (the flow hung up) or an abandon (the caller did).
    #[serde(default)]
    pub served: Option<bool>,
    /// Nodes (`flow/node`) passed, in this order (others may come between).
    #[serde(default)]
    pub path: Vec<String>,
    /// Nodes never passed.
    #[serde(default)]
    pub not_path: Vec<String>,
    /// Prompt names played, in this order (others may come between).
    #[serde(default)]
    pub hears: Vec<String>,
    #[serde(default)]
    pub not_hears: Vec<String>,
    /// Expressions over the call's variables at the end → the value shown as text.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Kinds of the tickets opened, in order.
    #[serde(default)]
    pub tickets: Option<Vec<String>>,
    /// The transfer's preferred agent.
    #[serde(default)]
    pub preferred_agent: Option<String>,
    /// The campaign result the call ended with: `reached`, `wrong_person`, `promise`,
    /// `opt_out`, `rating 4`, or `none`.
    #[serde(default)]
    pub result: Option<String>,
    /// The promise to pay recorded: `"1234.50 by 2026-11-25"`, or `none`.
    #[serde(default)]
    pub promise: Option<String>,
    /// Whether the customer opted out of campaign calls.
    #[serde(default)]
    pub opt_out: Option<bool>,
}

/// One case's verdict.
#[derive(Debug)]
pub struct Verdict {
    pub file: PathBuf,
    pub case: String,
    /// Empty: passed.
    pub failures: Vec<String>,
    pub transcript: Vec<String>,
}

/// Runs every case of every `*.test.yaml` in `dir`.
pub async fn run_dir(
    dir: &Path,
    flows: Arc<FlowSet>,
    policy: &Policy,
) -> Result<Vec<Verdict>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.yaml"))
        .collect();
    files.sort();
    let mut verdicts = Vec::new();
    for file in files {
        verdicts.extend(run_file(&file, Arc::clone(&flows), policy).await?);
    }
    Ok(verdicts)
}

/// Runs the cases of one file.
pub async fn run_file(
    file: &Path,
    flows: Arc<FlowSet>,
    policy: &Policy,
) -> Result<Vec<Verdict>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let cases: CaseFile =
        serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let stem = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".test.yaml"))
        .unwrap_or_default()
        .to_string();
    let flow_name = cases.flow.clone().unwrap_or(stem);
    let flow = flows
        .find(&flow_name)
        .ok_or_else(|| format!("{}: no flow `{flow_name}`", file.display()))?;
    let zone = &flows.zone;
    let at = match &cases.at {
        Some(s) => parse_time(zone, s)
            .ok_or_else(|| format!("{}: at: not `YYYY-MM-DD HH:MM`", file.display()))?,
        None => parse_time(zone, "2026-11-18 10:00").unwrap_or_default(),
    };
    let mut verdicts = Vec::new();
    for case in &cases.cases {
        let dir = std::env::temp_dir().join(format!(
            "hotline-flow-test-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let url = format!("sqlite:{}", dir.join("case.db").display());
        let result = async {
            let store = Store::open(OpenOptions::new(url), policy.clone())
                .await
                .map_err(|e| e.to_string())?;
            insert(&store, &cases.data, zone, at)
                .await
                .map_err(|e| format!("{}: data: {e}", file.display()))?;
            let mut keys = Scripted::new(&case.keys);
            let target = match &case.target {
                Some(data) => Some(
                    outbound::target_value(
                        flows
                            .flows
                            .get(flow)
                            .map(|f| f.target.as_slice())
                            .unwrap_or_default(),
                        data,
                    )
                    .map_err(|e| format!("{}: case {:?}: {e}", file.display(), case.name))?,
                ),
                None => None,
            };
            let party = driver::Party {
                caller: &case.caller,
                target,
            };
            let t = driver::run(
                Arc::clone(&flows),
                flow,
                party,
                at,
                &store,
                &mut keys,
                false,
            )
            .await;
            let tickets = ticket_kinds(&store).await;
            store.close().await;
            Ok::<_, String>((t, tickets))
        }
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        let (t, tickets) = result?;
        verdicts.push(Verdict {
            file: file.to_path_buf(),
            case: case.name.clone(),
            failures: judge(&case.expect, &t, &tickets),
            transcript: t.lines.iter().map(|l| l.to_string()).collect(),
        });
    }
    Ok(verdicts)
}

async fn ticket_kinds(store: &Store) -> Vec<String> {
    sqlx::query_scalar::<_, String>("SELECT kind FROM tickets ORDER BY id")
        .fetch_all(store.read_pool())
        .await
        .unwrap_or_default()
}

/// What is wrong with the call, against the expectations.
fn judge(e: &Expect, t: &driver::Transcript, tickets: &[String]) -> Vec<String> {
    let mut f = Vec::new();
    if let Some(o) = &e.outcome {
        if &t.outcome() != o {
            f.push(format!("outcome: expected {o}, got {}", t.outcome()));
        }
    }
    if let Some(want) = e.served {
        if t.served != want {
            let now = t.ivr_outcome.map_or("-", |o| o.as_str());
            f.push(format!("served: expected {want}, got {} ({now})", t.served));
        }
    }
    if let Some(missing) = first_missing(&e.path, &t.path) {
        f.push(format!(
            "path: `{missing}` not passed (in order); path was {}",
            t.path.join(" > ")
        ));
    }
    for n in &e.not_path {
        if t.path.contains(n) {
            f.push(format!("path: `{n}` passed but should not be"));
        }
    }
    if let Some(missing) = first_missing(&e.hears, &t.prompts) {
        f.push(format!(
            "hears: `{missing}` not heard (in order); heard {}",
            t.prompts.join(" ")
        ));
    }
    for n in &e.not_hears {
        if t.prompts.contains(n) {
            f.push(format!("hears: `{n}` heard but should not be"));
        }
    }
    for (expr, want) in &e.vars {
        let got = match Expr::parse(expr).and_then(|x| x.eval(&t.vars)) {
            Ok(v) => v.to_string(),
            Err(err) => format!("error: {err}"),
        };
        if &got != want {
            f.push(format!("vars: `{expr}` is {got:?}, expected {want:?}"));
        }
    }
    if let Some(want) = &e.tickets {
        if want != tickets {
            f.push(format!("tickets: expected {want:?}, opened {tickets:?}"));
        }
    }
    judge_outbound(e, &t.outbound, &mut f);
    if let Some(want) = &e.preferred_agent {
        let got = t.lines.iter().find_map(|l| match l {
            driver::Line::Transfer(tr) => tr.preferred_agent.clone(),
            _ => None,
        });
        if got.as_deref() != Some(want.as_str()) {
            f.push(format!("preferred_agent: expected {want}, got {got:?}"));
        }
    }
    f
}

/// The outbound expectations (result, promise, opt-out) against what the call recorded.
fn judge_outbound(e: &Expect, r: &outbound::Record, f: &mut Vec<String>) {
    if let Some(want) = &e.result {
        let got = r.result.map_or("none".to_string(), |r| r.to_string());
        if &got != want {
            f.push(format!("result: expected {want}, got {got}"));
        }
    }
    if let Some(want) = &e.promise {
        let got = r.promise.map_or("none".to_string(), |(fen, by)| {
            format!(
                "{}.{:02} by {}",
                fen / 100,
                fen % 100,
                hotline_ivr::Value::Date(by)
            )
        });
        if &got != want {
            f.push(format!("promise: expected {want}, got {got}"));
        }
    }
    if let Some(want) = e.opt_out {
        if r.opted_out != want {
            f.push(format!("opt_out: expected {want}, got {}", r.opted_out));
        }
    }
}

/// The first of `wanted` not found in `seen` after the ones before it.
fn first_missing<'a>(wanted: &'a [String], seen: &[String]) -> Option<&'a String> {
    let mut at = 0;
    for w in wanted {
        match seen.iter().skip(at).position(|s| s == w) {
            Some(i) => at += i + 1,
            None => return Some(w),
        }
    }
    None
}

/// `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`, the centre's wall-clock time in `zone`, as Unix ms.
pub fn parse_time(zone: &Zone, s: &str) -> Option<Millis> {
    let (date, time) = s.trim().split_once(' ').unwrap_or((s.trim(), "00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    let (hh, mm) = time.split_once(':')?;
    let (hh, mm): (i64, i64) = (hh.parse().ok()?, mm.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) || hh > 23 || mm > 59 {
        return None;
    }
    zone.at_wall_time(
        hotline_time::CivilDate {
            year: i32::try_from(y).ok()?,
            month: m as u8,
            day: dd as u8,
        },
        hh as u8,
        mm as u8,
    )
}

/// `"105.30"` → 10530 fen.
fn fen(s: &str) -> Option<i64> {
    let s = s.trim();
    let (yuan, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 {
        return None;
    }
    let yuan: i64 = yuan.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    yuan.checked_mul(100)?.checked_add(frac)
}

async fn insert(store: &Store, data: &Data, zone: &Zone, now: Millis) -> Result<(), String> {
    let mut districts = BTreeMap::new();
    for d in &data.districts {
        let id = store
            .insert_district(&NewDistrict {
                code: d.code.clone(),
                name: d.name.clone(),
                service_centre: format!("{}营业所", d.name),
                dispatch_contact: String::new(),
                dispatch_phone: String::new(),
            })
            .await
            .map_err(|e| e.to_string())?;
        districts.insert(d.code.clone(), id);
    }
    let mut agents = BTreeMap::new();
    for a in &data.agents {
        let new = crate::storage::new_agent(
            &a.login,
            &a.name,
            &a.staff_no,
            &a.sip_user,
            "flow-test",
            "hotline",
            hotline_store::Role::Agent,
            "test",
            Vec::new(),
        );
        let id = store
            .upsert_agent(&new, now)
            .await
            .map_err(|e| e.to_string())?;
        agents.insert(a.login.clone(), id);
    }
    let district = |code: &Option<String>| -> Result<Option<i64>, String> {
        code.as_ref()
            .map(|c| districts.get(c).copied().ok_or(format!("no district {c}")))
            .transpose()
    };
    for c in &data.customers {
        let meters = match &c.meter {
            Some(m) => vec![(
                m.serial.clone(),
                Some((
                    m.last,
                    parse_time(zone, &m.read).ok_or(format!("meter read: bad date {}", m.read))?,
                )),
            )],
            None => Vec::new(),
        };
        let manager_agent_id = c
            .manager
            .as_ref()
            .map(|l| agents.get(l).copied().ok_or(format!("no agent {l}")))
            .transpose()?;
        let id = store
            .insert_customer(
                &NewCustomer {
                    account_no: c.account.clone(),
                    name: c.name.clone(),
                    address: c.address.clone(),
                    district_id: district(&c.district)?,
                    language: c.language.clone(),
                    tier: c.tier.clone(),
                    manager_agent_id,
                    credit_flag: "none".into(),
                    credit_note: String::new(),
                    phones: c.phones.clone(),
                    meters,
                },
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        for b in &c.bills {
            let amount = fen(&b.amount).ok_or(format!("bad amount {}", b.amount))?;
            let paid = match &b.paid {
                Some(p) => fen(p).ok_or(format!("bad paid {p}"))?,
                None => 0,
            };
            store
                .insert_bill(&NewBill {
                    customer_id: id,
                    period: b.period.clone(),
                    volume: b.volume,
                    amount_fen: amount,
                    due_at: parse_time(zone, &b.due).ok_or(format!("bad due date {}", b.due))?,
                    paid_fen: paid,
                    paid_at: (paid > 0).then_some(now),
                })
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    // Written as the API writes them (checked the same way), at the case's clock.
    for n in &data.notices {
        let mut district_ids = Vec::new();
        for code in std::iter::once(&n.district).chain(&n.also) {
            district_ids.push(district(&Some(code.clone()))?.unwrap_or_default());
        }
        let figure = |name: &str, v: &Option<String>| -> Result<Option<i64>, String> {
            v.as_deref()
                .map(|t| hotline_store::notices::parse_milli(t).ok_or(format!("bad {name} {t:?}")))
                .transpose()
        };
        let created = store
            .create_notice(
                &NoticeInput {
                    kind: n.kind.clone(),
                    district_ids,
                    title: n.title.clone(),
                    body: String::new(),
                    cause: n.cause.clone(),
                    starts_at: parse_time(zone, &n.starts)
                        .ok_or(format!("bad starts {}", n.starts))?,
                    ends_at: match &n.ends {
                        Some(e) => Some(parse_time(zone, e).ok_or(format!("bad ends {e}"))?),
                        None => None,
                    },
                    figures: Figures {
                        turbidity_mntu: figure("turbidity", &n.turbidity)?,
                        chlorine_ug_l: figure("chlorine", &n.chlorine)?,
                        pressure_kpa: figure("pressure", &n.pressure)?,
                    },
                },
                now,
            )
            .await
            .map_err(|e| format!("notice {:?}: {e}", n.title))?;
        for lang in &n.recordings {
            store
                .put_notice_recording(created.id, lang, &silent_wav(8000), 8000, "test", now)
                .await
                .map_err(|e| format!("notice {:?} recording {lang}: {e}", n.title))?;
        }
    }
    Ok(())
}

/// A WAV file of `samples` samples of silence, 8 kHz mono 16-bit PCM.
pub(crate) fn silent_wav(samples: u32) -> Vec<u8> {
    let data = samples * 2;
    let mut w = Vec::with_capacity(44 + data as usize);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&8000u32.to_le_bytes());
    w.extend_from_slice(&16000u32.to_le_bytes()); // bytes a second
    w.extend_from_slice(&2u16.to_le_bytes()); // block align
    w.extend_from_slice(&16u16.to_le_bytes()); // bits
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    w.resize(44 + data as usize, 0);
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_money() {
        assert_eq!(fen("105.30"), Some(10_530));
        assert_eq!(fen("105.3"), Some(10_530));
        assert_eq!(fen("0.05"), Some(5));
        assert_eq!(fen("12"), Some(1_200));
        assert_eq!(fen("1.234"), None);
        assert_eq!(fen("abc"), None);
        let zone = &Zone::default();
        let t = parse_time(zone, "2026-11-18 10:00").expect("time");
        assert_eq!(hotline_store::calendar::local_date(t), (2026, 11, 18));
        assert_eq!(parse_time(zone, "2026-11-18"), Some(t - 10 * 3_600_000));
        assert_eq!(parse_time(zone, "2026-13-01"), None);
        assert_eq!(parse_time(zone, "garbage"), None);
        // In a zone with daylight saving, the wall clock is read with the day's offset.
        let berlin = &Zone::named("Europe/Berlin").expect("bundled");
        let summer = parse_time(berlin, "2026-07-01 10:00").expect("time");
        let winter = parse_time(berlin, "2026-12-01 10:00").expect("time");
        assert_eq!(summer.rem_euclid(86_400_000), 8 * 3_600_000);
        assert_eq!(winter.rem_euclid(86_400_000), 9 * 3_600_000);
    }

    #[test]
    fn order_matters_in_expected_lists() {
        let seen: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(first_missing(&w(&["a", "c"]), &seen), None);
        assert_eq!(
            first_missing(&w(&["c", "a"]), &seen).map(String::as_str),
            Some("a")
        );
    }
}
