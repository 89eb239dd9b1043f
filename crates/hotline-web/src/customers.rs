//! Customers for the agent desktop: search by phone, account number or name; the account
//! view (bills, arrears with late fees, readings, tickets, calls, notices, the repeat-contact
//! hint) fetched in parallel for a fast screen pop; a meter reading taken by an agent; and the
//! districts tickets are dispatched to.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_store::rules::DAY_MS;
use hotline_store::{
    Arrears, Bill, Call, CallFilter, Customer, CustomerQuery, District, Meter, NewReading, Notice,
    Payment, Reading, ReadingOutcome, ReadingSource, Ticket, TicketFilter,
};
use serde::{Deserialize, Serialize};

/// How many of each list the account view shows.
const BILL_MONTHS: i64 = 12;
const LATEST_READINGS: i64 = 20;
const LATEST_CALLS: i64 = 20;
const LATEST_PAYMENTS: i64 = 12;
const TICKETS_SHOWN: usize = 50;

/// `GET /api/customers?phone=|account=|name=|manager=me&limit=` (`manager=me`: the key
/// accounts the caller manages). The desktop uses `POST /api/customers/search` instead, so
/// that no phone number or name appears in a URL.
pub async fn search(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<Customer>>> {
    let q = q.only(&["phone", "account", "name", "manager", "limit"])?;
    let asked = SearchBody {
        phone: q.text("phone")?.map(str::to_string),
        account: q.text("account")?.map(str::to_string),
        name: q.text("name")?.map(str::to_string),
        manager: q.text("manager")?.map(str::to_string),
        limit: q.int("limit", 1..=200)?,
    };
    find(&s, &who, asked, ApiError::bad_parameter).await
}

/// A customer search: exactly one of phone, account, name or manager (`me`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    phone: Option<String>,
    account: Option<String>,
    name: Option<String>,
    manager: Option<String>,
    limit: Option<i64>,
}

/// `POST /api/customers/search` with a [`SearchBody`].
pub async fn search_body(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<SearchBody>,
) -> ApiResult<Json<Vec<Customer>>> {
    if b.limit.is_some_and(|l| !(1..=200).contains(&l)) {
        return Err(ApiError::invalid("limit", "1 to 200"));
    }
    find(&s, &who, b, ApiError::invalid).await
}

/// Runs a search; `bad(field, why)` makes the error for a query or a body.
async fn find(
    s: &Shared,
    who: &Authed,
    b: SearchBody,
    bad: fn(String, String) -> ApiError,
) -> ApiResult<Json<Vec<Customer>>> {
    let manager = match b.manager.as_deref() {
        None => None,
        Some("me") => Some(who.agent.id),
        Some(_) => return Err(bad("manager".into(), "only `me`".into())),
    };
    let query = CustomerQuery {
        phone: b.phone,
        account_no: b.account,
        name: b.name,
        manager,
    };
    let given: Vec<&str> = [
        ("phone", query.phone.is_some()),
        ("account", query.account_no.is_some()),
        ("name", query.name.is_some()),
        ("manager", query.manager.is_some()),
    ]
    .into_iter()
    .filter_map(|(n, g)| g.then_some(n))
    .collect();
    match given.as_slice() {
        [] => {
            return Err(bad(
                "phone".into(),
                "give one of phone, account, name or manager".into(),
            ))
        }
        [_] => {}
        [_, second, ..] => {
            return Err(bad(
                (*second).into(),
                "give only one of phone, account, name or manager".into(),
            ))
        }
    }
    let limit = b.limit.unwrap_or(20);
    Ok(Json(s.store.search_customers(&query, limit).await?))
}

/// What the desktop shows for one account.
#[derive(Serialize)]
pub struct AccountView {
    customer: Customer,
    /// The last 12 billing periods, newest first.
    bills: Vec<Bill>,
    /// Unpaid overdue bills of the last two years, with late fees as of now.
    arrears: Arrears,
    /// The customer's meters (serial number, last reading).
    meters: Vec<Meter>,
    /// The latest meter readings, newest first.
    readings: Vec<Reading>,
    /// The latest payments, newest first.
    payments: Vec<Payment>,
    /// Open tickets first, then the most recent others.
    tickets: Vec<Ticket>,
    /// The latest calls, newest first.
    calls: Vec<Call>,
    /// The latest campaign calls to the customer (reminders, notices, follow-ups), newest
    /// first: when, the result, a promise to pay.
    campaign_calls: Vec<hotline_store::CampaignAttempt>,
    /// Notices of the customer's district in force or starting within a day.
    notices: Vec<Notice>,
    /// A repeat contact: the customer had an open ticket created before the call that started
    /// at `before` (the parameter). Without `before` (no call) always false.
    repeat_contact: bool,
}

/// Whether a call that started at `call_started` (none: no call) is a repeat contact: an open
/// ticket of the customer's was created before it (not one the agent opened during the call).
fn is_repeat_contact(tickets: &[Ticket], call_started: Option<i64>) -> bool {
    call_started.is_some_and(|at| {
        tickets
            .iter()
            .any(|t| t.status.is_open() && t.created_at < at)
    })
}

/// `GET /api/customers/{id}?before=` (`before`: the start of the current call, Unix ms, for
/// the repeat-contact hint).
pub async fn account(
    State(s): State<Shared>,
    _: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<AccountView>> {
    let q = q.only(&["before"])?;
    let before = q.int("before", 0..=i64::MAX)?;
    let now = s.now();
    let customer = s
        .store
        .customer(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("customer {id} not found")))?;
    let tickets = TicketFilter {
        customer_id: Some(id),
        limit: 500,
        ..TicketFilter::default()
    };
    let calls = CallFilter {
        customer_id: Some(id),
        limit: LATEST_CALLS,
        ..CallFilter::default()
    };
    let notices = async {
        match customer.district_id {
            Some(d) => s.store.notices(d, now, DAY_MS).await,
            None => Ok(Vec::new()),
        }
    };
    let (
        (bills, arrears, (meters, readings), payments),
        (mut tickets, calls, campaign_calls, notices),
    ) = tokio::try_join!(
        async {
            tokio::try_join!(
                s.store.bills(id, BILL_MONTHS, now),
                s.store.arrears(id, now),
                async {
                    tokio::try_join!(s.store.meters(id), s.store.readings(id, LATEST_READINGS))
                },
                s.store.payments(id, LATEST_PAYMENTS),
            )
        },
        async {
            tokio::try_join!(
                s.store.list_tickets(&tickets, now),
                s.store.list_calls(&calls),
                s.store
                    .account_campaign_attempts(&customer.account_no, LATEST_CALLS),
                notices,
            )
        },
    )?;
    tickets.sort_by_key(|t| (!t.status.is_open(), std::cmp::Reverse((t.created_at, t.id))));
    tickets.truncate(TICKETS_SHOWN);
    let repeat_contact = is_repeat_contact(&tickets, before);
    Ok(Json(AccountView {
        customer,
        bills,
        arrears,
        meters,
        readings,
        payments,
        tickets,
        calls,
        campaign_calls,
        notices,
        repeat_contact,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingBody {
    value: i64,
    meter_serial: Option<String>,
}

/// `POST /api/customers/{id}/readings`: a reading the customer gives the agent.
pub async fn submit_reading(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReadingBody>,
) -> ApiResult<(StatusCode, Json<ReadingOutcome>)> {
    if s.store.customer(id).await?.is_none() {
        return Err(ApiError::not_found(format!("customer {id} not found")));
    }
    if b.meter_serial
        .as_deref()
        .is_some_and(|m| m.chars().count() > 64)
    {
        return Err(ApiError::invalid(
            "meter_serial",
            "longer than 64 characters",
        ));
    }
    let reading = NewReading {
        customer_id: id,
        meter_serial: b.meter_serial,
        value: b.value,
        source: ReadingSource::Agent,
    };
    let outcome = s
        .store
        .submit_reading(&reading, who.actor(), s.now())
        .await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

/// `GET /api/districts`.
pub async fn districts(
    State(s): State<Shared>,
    _: Authed,
    q: Params,
) -> ApiResult<Json<Vec<District>>> {
    q.only(&[])?;
    Ok(Json(s.store.districts().await?))
}
