//! What IVR lookups and tickets do against the store: the data source's records turned into
//! the values flows see (the shapes in `hotline_ivr::value::shapes`), with a timeout on every
//! call so that a slow source becomes the flow's error branch, never a hung call. Tickets the
//! IVR opens (a `ticket` node's, a queried reading's meter ticket) carry the caller's number
//! as the reporter phone and are linked to the call's record (`call_tickets`).

use std::time::Duration;

use hotline_ivr::interp::{LookupRequest, LookupResult, TicketInfo, TicketRequest};
use hotline_ivr::value::Moment;
use hotline_ivr::{Date, Value};
use hotline_store::calendar::local_date;
use hotline_store::rules::normalize_phone;
use hotline_store::{
    Actor, Arrears, Bill, Customer, CustomerSource, Millis, NewTicket, Notice, ReadingOutcome,
    ReadingSource, ReadingSubmission, SourceError, Store,
};
use tracing::{debug, warn};

/// Months of bills a `bills` lookup reads.
const BILL_MONTHS: u32 = 12;
/// How long a ticket waits to be linked to a call whose record is not written yet (the call
/// log writes records off the call path), and the first pause between tries (doubling).
const LINK_PATIENCE: Duration = Duration::from_secs(60);
const LINK_FIRST_PAUSE: Duration = Duration::from_millis(50);

/// Runs one lookup.
pub async fn lookup(
    source: &dyn CustomerSource,
    request: LookupRequest,
    timeout: Duration,
    now: Millis,
) -> LookupResult {
    lookup_opening(source, request, timeout, now).await.0
}

/// Runs one lookup; with its answer, the ticket it opened (a queried reading's meter ticket),
/// for the shell to link to the call.
pub async fn lookup_opening(
    source: &dyn CustomerSource,
    request: LookupRequest,
    timeout: Duration,
    now: Millis,
) -> (LookupResult, Option<i64>) {
    match tokio::time::timeout(timeout, ask(source, request, now)).await {
        Ok(Ok((Some(v), ticket))) => (LookupResult::Found(v), ticket),
        Ok(Ok((None, _))) => (LookupResult::NotFound, None),
        Ok(Err(SourceError::NotFound(_))) => (LookupResult::NotFound, None),
        Ok(Err(e)) => (LookupResult::Failed(e.to_string()), None),
        Err(_) => (LookupResult::Failed("timed out".into()), None),
    }
}

/// The answer, and the ticket the lookup opened.
async fn ask(
    source: &dyn CustomerSource,
    request: LookupRequest,
    now: Millis,
) -> Result<(Option<Value>, Option<i64>), SourceError> {
    if let LookupRequest::SubmitReading {
        account,
        value,
        reporter_phone,
    } = request
    {
        let value: i64 = value.parse().map_err(|_| SourceError::Invalid {
            field: "value".into(),
            reason: "not a number".into(),
        })?;
        let sub = ReadingSubmission {
            account_no: account,
            meter_serial: None,
            value,
            source: ReadingSource::Ivr,
            reporter_phone: Some(reporter_phone).filter(|p| !p.is_empty()),
        };
        let outcome = source.submit_reading(&sub, now).await?;
        return Ok((Some(reading(&outcome)), outcome.ticket_id));
    }
    Ok((answer(source, request, now).await?, None))
}

async fn answer(
    source: &dyn CustomerSource,
    request: LookupRequest,
    now: Millis,
) -> Result<Option<Value>, SourceError> {
    Ok(match request {
        LookupRequest::CustomerByCaller { caller } => {
            // Several accounts on one phone: the first (the IVR can ask for the account
            // number when the flow wants a specific one).
            let found = source.customers_by_phone(&caller).await?;
            found.first().map(customer)
        }
        LookupRequest::CustomerByAccount { account } => source
            .customer_by_account(&account)
            .await?
            .as_ref()
            .map(customer),
        LookupRequest::Bills { account } => {
            Some(bills(&source.bills(&account, BILL_MONTHS, now).await?))
        }
        LookupRequest::Arrears { account } => Some(arrears(&source.arrears(&account, now).await?)),
        LookupRequest::Notices { district, kind } => {
            let all = match district {
                Some(d) => source.notices(&d, now).await?,
                None => source.notices_in_force(now).await?,
            };
            let wanted: Vec<&Notice> = all
                .iter()
                .filter(|n| kind.as_deref().is_none_or(|k| n.kind == k))
                .collect();
            Some(notices(&wanted, now))
        }
        // Answered by `ask`.
        LookupRequest::SubmitReading { .. } => None,
        // Recorded on the call by the runtime (the source does not know calls).
        LookupRequest::SubmitSurvey { score } => match survey_score(&score) {
            Some(n) => Some(Value::record([("score", Value::Int(n))])),
            None => {
                return Err(SourceError::Invalid {
                    field: "score".into(),
                    reason: "not 1 to 5".into(),
                })
            }
        },
    })
}

/// A survey rating, 1 to 5.
pub fn survey_score(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|n| (1..=5).contains(n))
}

/// Opens a ticket from the IVR, with the reporter's number when it is a phone number (a
/// withheld caller's report is kept without one), linked to the call `call_ref` when given:
/// in the same transaction when its record is written, else as soon as it is.
pub async fn open_ticket(
    store: &Store,
    request: TicketRequest,
    call_ref: Option<&str>,
    timeout: Duration,
    now: Millis,
) -> Result<TicketInfo, String> {
    let work = async {
        let customer_id = match &request.customer_account {
            Some(acct) => store
                .customer_by_account(acct)
                .await
                .map_err(|e| e.to_string())?
                .map(|c| c.id),
            None => None,
        };
        let call_id = match call_ref {
            Some(r) => store.call_id_by_ref(r).await.map_err(|e| e.to_string())?,
            None => None,
        };
        let new = NewTicket {
            kind: request.kind,
            customer_id,
            address: request.address,
            summary: request.summary,
            summaries: request.summaries,
            reporter_phone: normalize_phone(&request.reporter_phone),
            call_id,
            ..NewTicket::default()
        };
        let t = store
            .create_ticket(&new, Actor::Ivr, now)
            .await
            .map_err(|e| e.to_string())?;
        if let (Some(r), None) = (call_ref, call_id) {
            link_when_recorded(store.clone(), r.to_string(), t.id, now);
        }
        // A report the incident rule linked to an earlier dispatched one (or to an incident
        // with a dispatch) is the district's already: the crew is notified of it through
        // that ticket (the crew page lists it there), so the flow may say so.
        let dispatched = t.status == hotline_store::Status::Dispatched
            || (t.status == hotline_store::Status::Accepted
                && store
                    .report_handled(t.id)
                    .await
                    .map_err(|e| e.to_string())?);
        Ok(TicketInfo {
            id: t.id,
            number: t.id.to_string(),
            dispatched,
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err("timed out".into()))
}

/// Links `ticket` to the call `call_ref` in the background, waiting (up to `LINK_PATIENCE`)
/// for the call's record to be written.
pub fn link_when_recorded(store: Store, call_ref: String, ticket: i64, now: Millis) {
    tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let mut pause = LINK_FIRST_PAUSE;
        loop {
            match store.link_ticket_to_call_ref(&call_ref, ticket, now).await {
                Ok(true) => {
                    debug!(call_ref, ticket, "ticket linked to its call");
                    return;
                }
                Ok(false) if started.elapsed() < LINK_PATIENCE => {}
                Ok(false) => {
                    warn!(
                        call_ref,
                        ticket, "ticket not linked: the call has no record"
                    );
                    return;
                }
                Err(e) => {
                    warn!(call_ref, ticket, error = %e, "ticket not linked to its call");
                    return;
                }
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    });
}

fn text(s: &str) -> Value {
    Value::text(s)
}

fn date(at: Millis) -> Value {
    let (year, month, day) = local_date(at);
    Value::Date(Date {
        year: year.clamp(1, 9999) as i32,
        month: month as u8,
        day: day as u8,
    })
}

/// `YYYY-MM` as a month; anything else as null.
fn period(p: &str) -> Value {
    let mut parts = p.split('-');
    match (
        parts.next().and_then(|y| y.parse::<i32>().ok()),
        parts.next().and_then(|m| m.parse::<u8>().ok()),
    ) {
        (Some(year), Some(month)) if (1..=12).contains(&month) => Value::Date(Date {
            year,
            month,
            day: 0,
        }),
        _ => Value::Null,
    }
}

pub fn customer(c: &Customer) -> Value {
    Value::record([
        ("account", text(&c.account_no)),
        ("name", text(&c.name)),
        ("address", text(&c.address)),
        ("district", text(c.district_code.as_deref().unwrap_or(""))),
        (
            "district_name",
            text(c.district_name.as_deref().unwrap_or("")),
        ),
        ("language", text(&c.language)),
        ("tier", text(&c.tier)),
        (
            "manager",
            c.manager_sip_user.as_deref().map_or(Value::Null, text),
        ),
        ("credit_flag", text(&c.credit_flag)),
    ])
}

pub fn bills(list: &[Bill]) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|b| {
            Value::record([
                ("period", period(&b.period)),
                ("volume", Value::Int(b.volume)),
                ("amount", Value::Money(b.amount_fen)),
                ("paid", Value::Money(b.paid_fen)),
                ("unpaid", Value::Money((b.amount_fen - b.paid_fen).max(0))),
                ("due", date(b.due_at)),
            ])
        })
        .collect();
    let total = list.iter().map(|b| b.amount_fen).sum();
    Value::record([
        ("count", Value::Int(items.len() as i64)),
        ("total", Value::Money(total)),
        ("items", Value::List(items)),
    ])
}

pub fn arrears(a: &Arrears) -> Value {
    let items: Vec<Value> = a
        .items
        .iter()
        .map(|i| {
            Value::record([
                ("period", period(&i.period)),
                ("amount", Value::Money(i.amount_fen)),
                ("unpaid", Value::Money(i.unpaid_fen)),
                ("late_fee", Value::Money(i.late_fee_fen)),
            ])
        })
        .collect();
    Value::record([
        ("count", Value::Int(items.len() as i64)),
        ("principal", Value::Money(a.principal_fen)),
        ("late_fees", Value::Money(a.late_fee_fen)),
        ("total", Value::Money(a.total_fen)),
        ("items", Value::List(items)),
    ])
}

/// A moment on the centre's clocks (`centre.time_zone`).
fn time(at: Millis) -> Value {
    let local = hotline_time::centre().local(at);
    Value::Time(Moment {
        date: Date {
            year: local.date.year,
            month: local.date.month,
            day: local.date.day,
        },
        minute: local.minute,
    })
}

/// A figure in thousandths as decimal text (`0.35`), or null.
fn figure(milli: Option<i64>) -> Value {
    milli.map_or(Value::Null, |m| {
        text(&hotline_store::notices::milli_text(m))
    })
}

pub fn notices(list: &[&Notice], now: Millis) -> Value {
    let zone = hotline_time::centre();
    let items: Vec<Value> = list
        .iter()
        .map(|n| {
            let first = n.districts.first();
            let same_day = n
                .ends_at
                .is_some_and(|e| zone.date(e) == zone.date(n.starts_at));
            Value::record([
                ("kind", text(&n.kind)),
                ("title", text(&n.title)),
                ("district", text(first.map_or("", |d| d.code.as_str()))),
                ("district_name", text(first.map_or("", |d| d.name.as_str()))),
                (
                    "districts",
                    Value::List(n.districts.iter().map(|d| text(&d.code)).collect()),
                ),
                ("starts", date(n.starts_at)),
                ("ends", n.ends_at.map_or(Value::Null, date)),
                ("from", time(n.starts_at)),
                ("until", n.ends_at.map_or(Value::Null, time)),
                ("same_day", Value::Bool(same_day)),
                ("cause", text(&n.cause)),
                ("turbidity", figure(n.figures.turbidity_mntu)),
                ("chlorine", figure(n.figures.chlorine_ug_l)),
                ("pressure", figure(n.figures.pressure_kpa)),
                (
                    "recording",
                    if n.recordings.is_empty() {
                        Value::Null
                    } else {
                        text(&hotline_store::notice_recordings::prompt_name(n.id))
                    },
                ),
            ])
        })
        .collect();
    let in_force = list.iter().filter(|n| n.in_force(now)).count();
    Value::record([
        ("count", Value::Int(items.len() as i64)),
        ("in_force", Value::Int(in_force as i64)),
        ("items", Value::List(items)),
    ])
}

/// The notices of a `notices` lookup's answer that have recordings (by their `recording`).
pub fn recorded_notices(v: &Value) -> Vec<i64> {
    let Value::Record(r) = v else {
        return Vec::new();
    };
    let Some(Value::List(items)) = r.get("items") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|n| match n {
            Value::Record(n) => match n.get("recording") {
                Some(Value::Text(name)) => hotline_store::notice_recordings::notice_of_prompt(name),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub fn reading(r: &ReadingOutcome) -> Value {
    Value::record([
        ("status", text(&r.status)),
        ("reason", text(&r.reason)),
        (
            "ticket",
            r.ticket_id.map_or(Value::Null, |t| text(&t.to_string())),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_ivr::value::shapes;
    use hotline_ivr::Type;

    /// A value has every field its shape names, with a value of that type (or null).
    fn fits(v: &Value, t: &Type) -> bool {
        match (v, t) {
            (Value::Null, _) | (_, Type::Any) => true,
            (Value::Bool(_), Type::Bool)
            | (Value::Int(_), Type::Int)
            | (Value::Money(_), Type::Money)
            | (Value::Text(_), Type::Text)
            | (Value::Date(_), Type::Date)
            | (Value::Time(_), Type::Time) => true,
            (Value::List(items), Type::List(t)) => items.iter().all(|i| fits(i, t)),
            (Value::Record(m), Type::Record(fields)) => {
                fields
                    .iter()
                    .all(|(k, t)| m.get(k).is_some_and(|v| fits(v, t)))
                    && m.keys().all(|k| fields.contains_key(k))
            }
            _ => false,
        }
    }

    #[test]
    fn records_have_the_shapes_flows_are_checked_against() {
        let c = Customer {
            id: 1,
            account_no: "1000000001".into(),
            name: "张三".into(),
            address: "解放路12号".into(),
            district_id: Some(1),
            district_code: Some("east".into()),
            district_name: Some("城东区".into()),
            language: "zh".into(),
            tier: "key_account".into(),
            manager_agent_id: Some(3),
            manager_name: Some("李经理".into()),
            manager_sip_user: Some("1003".into()),
            credit_flag: "none".into(),
            credit_note: String::new(),
            phones: vec!["13800001111".into()],
        };
        assert!(fits(&customer(&c), &shapes::customer()));
        let b = Bill {
            id: 1,
            period: "2026-10".into(),
            volume: 20,
            amount_fen: 100_530,
            due_at: 1_795_000_000_000,
            paid_fen: 0,
            paid_at: None,
        };
        let v = bills(&[b]);
        assert!(fits(&v, &shapes::bills()));
        assert_eq!(
            v.field("items"),
            &Value::List(vec![Value::record([
                (
                    "period",
                    Value::Date(Date {
                        year: 2026,
                        month: 10,
                        day: 0
                    })
                ),
                ("volume", Value::Int(20)),
                ("amount", Value::Money(100_530)),
                ("paid", Value::Money(0)),
                ("unpaid", Value::Money(100_530)),
                (
                    "due",
                    Value::Date(Date {
                        year: 2026,
                        month: 11,
                        day: 18
                    })
                ),
            ])])
        );
        assert!(fits(&arrears(&Arrears::default()), &shapes::arrears()));
        // 2026-12-06 08:00 to 18:00 in Beijing, water-quality figures.
        let n = Notice {
            id: 1,
            district_id: 4,
            districts: vec![hotline_store::NoticeDistrict {
                id: 4,
                code: "north".into(),
                name: "城北区".into(),
            }],
            kind: "planned_works".into(),
            title: "计划停水".into(),
            body: String::new(),
            cause: "construction".into(),
            starts_at: 1_796_515_200_000,
            ends_at: Some(1_796_551_200_000),
            figures: hotline_store::Figures {
                turbidity_mntu: Some(350),
                chlorine_ug_l: None,
                pressure_kpa: Some(280),
            },
            created_at: None,
            updated_at: None,
            recordings: Vec::new(),
        };
        let v = notices(&[&n], n.starts_at);
        assert!(fits(&v, &shapes::notices()));
        assert_eq!(v.field("in_force"), &Value::Int(1));
        assert_eq!(
            notices(&[&n], n.starts_at - 1).field("in_force"),
            &Value::Int(0)
        );
        let Value::List(items) = v.field("items") else {
            panic!("items")
        };
        let item = &items[0];
        let at = |day: u8, minute: u16| {
            Value::Time(Moment {
                date: Date {
                    year: 2026,
                    month: 12,
                    day,
                },
                minute,
            })
        };
        assert_eq!(item.field("from"), &at(6, 8 * 60));
        assert_eq!(item.field("until"), &at(6, 18 * 60));
        assert_eq!(item.field("same_day"), &Value::Bool(true));
        assert_eq!(item.field("district_name"), &text("城北区"));
        assert_eq!(item.field("turbidity"), &text("0.35"));
        assert_eq!(item.field("chlorine"), &Value::Null);
        assert_eq!(item.field("pressure"), &text("0.28"));
        assert_eq!(item.field("recording"), &Value::Null);
        assert!(recorded_notices(&v).is_empty());
        // With a recording: its name, and the notice found by it.
        let recorded = Notice {
            id: 17,
            recordings: vec![hotline_store::NoticeRecording {
                language: "zh".into(),
                samples: 8000,
                uploaded_at: 5,
                uploaded_by: "zhaolei".into(),
            }],
            ..n.clone()
        };
        let v = notices(&[&n, &recorded], n.starts_at);
        assert!(fits(&v, &shapes::notices()));
        let Value::List(items) = v.field("items") else {
            panic!("items")
        };
        assert_eq!(items[1].field("recording"), &text("rec_notice_17"));
        assert_eq!(recorded_notices(&v), vec![17]);
        let open = Notice {
            ends_at: None,
            ..n.clone()
        };
        let v = notices(&[&open], 0);
        let Value::List(items) = v.field("items") else {
            panic!("items")
        };
        assert_eq!(items[0].field("until"), &Value::Null);
        assert_eq!(items[0].field("same_day"), &Value::Bool(false));
        let r = ReadingOutcome {
            reading_id: 1,
            meter_serial: "M1".into(),
            status: "queried".into(),
            consumption: None,
            reason: "below".into(),
            ticket_id: Some(9),
        };
        assert!(fits(&reading(&r), &shapes::reading()));
        assert_eq!(period("2026-13"), Value::Null);
        assert_eq!(period("garbage"), Value::Null);
    }
}
