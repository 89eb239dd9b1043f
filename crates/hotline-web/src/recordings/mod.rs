//! Playing a call's recording: `GET /api/calls/{id}/recording` streams the WAV file, whole or
//! the one byte range asked for (`Range: bytes=…`, answered `206` with `Content-Range`; a range
//! outside the file is `416`), so an `<audio>` element can seek. `?other=ID` plays one of the
//! call's other recordings instead (a consultation: the agent left, the target right; listed in
//! `GET /api/calls/{id}`), with the same rules.
//!
//! Who may play what: an agent, the calls they took; a `qa` evaluator and an admin, every
//! call; a supervisor, the calls of their team's agents, and every call when no agent belongs
//! to the supervisor's team (a floor supervisor, as the demo's `floor`). Anyone else gets `403`
//! with the reason. Each playback is an audit entry (action `recording`): the first request of
//! a login for a call, and again after [`PLAY_AUDIT_EVERY`] (a player's many range requests
//! are one playback); every refusal is one.
//!
//! `PUT /api/calls/{id}/legal_hold` puts a call on legal hold (or lifts it): the retention job
//! never purges its recording (see `hotline::recording_purge`).
//!
//! Only files inside the engine's recordings folder are served (the store's path is checked
//! against it after resolving links), and only for calls that have ended (a recording in the
//! making has no final header yet).
//!
//! A recording written encrypted (it starts with the sealed magic, whatever its name) is
//! decrypted on the fly with the engine's recording keys and served as the very WAV bytes a
//! plain recording would be, ranges over those bytes (see `sealed.rs`); plain files, such as
//! those written before a key was set, are served as they are.

mod range;
mod sealed;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hotline_media::recording::sealed::{is_sealed, MAGIC};
use hotline_media::recording::Keyring;
use hotline_store::{Call, Millis, Role};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params, PathId};
use crate::Shared;
use range::Span;

/// A playback by the same login of the same call is audited again after this long.
pub const PLAY_AUDIT_EVERY: Millis = 10 * 60 * 1000;

/// Bytes read from the file per chunk of the response.
const CHUNK: usize = 64 * 1024;

/// The logins' last audited playback of each call: (agent id, call id) → when.
#[derive(Default)]
pub(crate) struct Plays(Mutex<HashMap<(i64, i64), Millis>>);

impl Plays {
    /// True when this playback is to be audited (and notes it as audited at `now`).
    fn first_in_a_while(&self, agent: i64, call: i64, now: Millis) -> bool {
        let mut plays = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if plays.len() > 10_000 {
            plays.retain(|_, at| now - *at < PLAY_AUDIT_EVERY);
        }
        match plays.get(&(agent, call)) {
            Some(at) if now - *at < PLAY_AUDIT_EVERY => false,
            _ => {
                plays.insert((agent, call), now);
                true
            }
        }
    }
}

/// `GET /api/calls/{id}/recording`.
pub async fn play(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let q = q.only(&["other"])?;
    let other = q.id("other")?;
    let now = s.now();
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("call {id} not found")))?;
    if let Err(e) = may_play(&s, &who, &call).await {
        audit(&s, &who, id, Some(&e), now).await;
        return Err(e);
    }
    let stored = match other {
        None => call.recording.clone(),
        Some(other) => {
            s.store
                .call_recordings(id)
                .await?
                .into_iter()
                .find(|r| r.id == other)
                .ok_or_else(|| {
                    ApiError::not_found(format!("call {id} has no other recording {other}"))
                })?
                .path
        }
    };
    let file = recording_file(&s, &call, stored.as_deref())?;
    let answer = send(&file, headers.get(header::RANGE), &s.recording_keys, id).await;
    match &answer {
        Ok(_) if s.plays.first_in_a_while(who.agent.id, id, now) => {
            audit(&s, &who, id, None, now).await
        }
        Ok(_) => {}
        Err(e) if e.status == StatusCode::RANGE_NOT_SATISFIABLE => {}
        Err(e) => audit(&s, &who, id, Some(e), now).await,
    }
    answer
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    hold: bool,
}

/// `PUT /api/calls/{id}/legal_hold` `{"hold": true|false}`: a call on legal hold keeps its
/// recording whatever the retention (supervisors of the call's agent's team or the floor, and
/// admins; audited as `recording`). The call as it is now.
pub async fn legal_hold(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    crate::extract::JsonBody(b): crate::extract::JsonBody<HoldBody>,
) -> ApiResult<axum::Json<Call>> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("call {id} not found")))?;
    let detail = if b.hold {
        format!("legal hold on call {id}")
    } else {
        format!("lift the legal hold on call {id}")
    };
    let answer = if crate::teams::supervises(&s, &who.agent, call.agent_id).await? {
        s.store
            .set_legal_hold(id, b.hold)
            .await
            .map_err(ApiError::from)
            .and_then(|c| c.ok_or_else(|| ApiError::not_found(format!("call {id} not found"))))
    } else {
        Err(ApiError::forbidden(format!(
            "call {id}: supervisors of team {} may hold their team's calls only",
            who.agent.team
        )))
    };
    let outcome = crate::audit_trail::outcome(answer.as_ref().err());
    crate::audit_trail::record(&s, &who, "recording", detail, outcome, now).await;
    answer.map(axum::Json)
}

/// 403 unless `who` may play `call`'s recording (see the module documentation).
async fn may_play(s: &Shared, who: &Authed, call: &Call) -> ApiResult<()> {
    let refused = |why: &str| Err(ApiError::forbidden(format!("call {}: {why}", call.id)));
    match who.agent.role {
        Role::Admin | Role::Qa => Ok(()),
        Role::Agent if call.agent_id == Some(who.agent.id) => Ok(()),
        Role::Agent => refused("agents may play the recordings of their own calls only"),
        Role::Crew => refused("crews may not play recordings"),
        Role::Supervisor => {
            if crate::teams::supervises(s, &who.agent, call.agent_id).await? {
                Ok(())
            } else {
                refused(&format!(
                    "supervisors of team {} may play the recordings of their team's calls only",
                    who.agent.team
                ))
            }
        }
    }
}

/// The recording's file (`stored`: the call's own, or one of its other recordings), inside the
/// recordings folder, of an ended call.
fn recording_file(s: &Shared, call: &Call, stored: Option<&str>) -> ApiResult<PathBuf> {
    let none = || ApiError::not_found(format!("call {} has no recording", call.id));
    let stored = stored.ok_or_else(none)?;
    if call.ended_at.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "in_progress",
            format!(
                "call {} has not ended; its recording is not finished",
                call.id
            ),
        ));
    }
    let dir = s
        .recordings
        .as_deref()
        .ok_or_else(|| ApiError::not_found("this engine keeps no recordings folder".to_string()))?;
    let inside = |dir: &Path| {
        let dir = dir.canonicalize().ok()?;
        let file = Path::new(stored).canonicalize().ok()?;
        file.starts_with(&dir).then_some(file)
    };
    inside(dir).ok_or_else(|| {
        tracing::warn!(
            call = call.id,
            "recording path not in the recordings folder or gone"
        );
        ApiError::not_found(format!(
            "the recording of call {} is not available",
            call.id
        ))
    })
}

/// The file, or the asked part of it, as a streamed response (decrypted if it is sealed).
async fn send(
    file: &Path,
    range: Option<&HeaderValue>,
    keys: &Arc<Keyring>,
    call: i64,
) -> ApiResult<Response> {
    let mut f = tokio::fs::File::open(file)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let len = f
        .metadata()
        .await
        .map_err(|e| ApiError::internal(&e))?
        .len();
    let range = range.and_then(|v| v.to_str().ok());
    let mut magic = [0u8; MAGIC.len()];
    if f.read_exact(&mut magic).await.is_ok() && is_sealed(&magic) {
        return sealed::send(file, range, keys.clone(), call).await;
    }
    let (status, first, last) = match range::resolve(range, len) {
        Span::Whole => (StatusCode::OK, 0, len.checked_sub(1)),
        Span::Part { first, last } => (StatusCode::PARTIAL_CONTENT, first, Some(last)),
        Span::Unsatisfiable => return Ok(unsatisfiable(len)),
    };
    let count = last.map_or(0, |last| last - first + 1);
    f.seek(std::io::SeekFrom::Start(first))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let body = Body::from_stream(futures_util::stream::unfold(
        (f.take(count), vec![0u8; CHUNK]),
        |(mut f, mut buf)| async move {
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => Some((
                    Ok(Bytes::copy_from_slice(buf.get(..n).unwrap_or_default())),
                    (f, buf),
                )),
                Err(e) => Some((Err(e), (f, buf))),
            }
        },
    ));
    Ok(wav_response(body, status, first, count, len))
}

/// The 416 for a range outside a recording of `len` bytes.
fn unsatisfiable(len: u64) -> Response {
    let mut r = ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        format!("the recording has {len} bytes"),
    )
    .with_field("range")
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
        r.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    r
}

/// A WAV answer: `count` bytes from `first` of `len` (`206` says which with Content-Range).
fn wav_response(body: Body, status: StatusCode, first: u64, count: u64, len: u64) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if status == StatusCode::PARTIAL_CONTENT && count > 0 {
        let last = first + count - 1;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    r
}

/// The audit entry of a playback, applied or refused.
async fn audit(s: &Shared, who: &Authed, call: i64, refused: Option<&ApiError>, now: Millis) {
    let outcome = crate::audit_trail::outcome(refused);
    let detail = format!("play the recording of call {call}");
    crate::audit_trail::record(s, who, "recording", detail, outcome, now).await;
}
