//! Recorded notice prompts: `PUT /api/notices/{id}/recordings/{lang}` with a WAV file as the
//! body (`Content-Type: audio/wav`; 8 kHz, mono, 16-bit PCM, at most
//! [`MAX_RECORDING_BYTES`]), checked as the shipped prompts are (the refusal is a 422 naming
//! `recording` with the reason: `sample rate 16000 Hz, need 8000`), and
//! `DELETE /api/notices/{id}/recordings/{lang}`. Supervisors and admins; audited as notice
//! changes. The IVR plays the recording after its own reading of the notice to callers of
//! that language, from the next lookup on.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authed;
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::StatusCode;
use axum::Json;
use hotline_store::{NoticeRecording, Role};

pub use hotline_store::notice_recordings::MAX_RECORDING_BYTES;

/// The route, for its own body limit.
pub const PATH: &str = "/api/notices/{id}/recordings/{lang}";

/// The notice id and language of the path.
fn target(params: &RawPathParams) -> ApiResult<(i64, String)> {
    let get = |name: &'static str| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| ApiError::bad_parameter(name, "missing"))
    };
    let id = get("id")?
        .parse::<i64>()
        .map_err(|_| ApiError::bad_parameter("id", "must be an integer"))?;
    Ok((id, get("lang")?))
}

/// `PUT /api/notices/{id}/recordings/{lang}`: stores (or replaces) the recording.
pub async fn put(
    State(s): State<Shared>,
    who: Authed,
    params: RawPathParams,
    body: Bytes,
) -> ApiResult<Json<NoticeRecording>> {
    who.require(Role::Supervisor)?;
    let (id, lang) = target(&params)?;
    if s.store.notice(id).await?.is_none() {
        return Err(ApiError::not_found(format!("notice {id} not found")));
    }
    let now = s.now();
    let answer = match hotline_media::prompt::library::decode_wav(&body) {
        Err(e) => Err(ApiError::invalid("recording", e.to_string())),
        Ok(pcm) => s
            .store
            .put_notice_recording(
                id,
                &lang,
                &body,
                i64::try_from(pcm.len()).unwrap_or(i64::MAX),
                &who.agent.login,
                now,
            )
            .await
            .map_err(ApiError::from),
    };
    let detail = match &answer {
        Ok(r) => format!(
            "record notice {id} {lang} ({:.1} s, {} bytes)",
            r.samples as f64 / 8000.0,
            body.len()
        ),
        Err(_) => format!("record notice {id} {lang}"),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    Ok(Json(answer?))
}

/// `DELETE /api/notices/{id}/recordings/{lang}`: 204, or 404 when there was none.
pub async fn delete(
    State(s): State<Shared>,
    who: Authed,
    params: RawPathParams,
) -> ApiResult<StatusCode> {
    who.require(Role::Supervisor)?;
    let (id, lang) = target(&params)?;
    let now = s.now();
    let answer = match s.store.delete_notice_recording(id, &lang).await {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::not_found(format!(
            "notice {id} has no recording in {lang}"
        ))),
        Err(e) => Err(ApiError::from(e)),
    };
    audit(
        &s,
        &who,
        format!("remove the recording of notice {id} {lang}"),
        answer.as_ref().err(),
        now,
    )
    .await;
    answer
}

/// The audit entry (action `notice`).
async fn audit(s: &Shared, who: &Authed, detail: String, refused: Option<&ApiError>, now: i64) {
    let outcome = crate::audit_trail::outcome(refused);
    crate::audit_trail::record(s, who, "notice", detail, outcome, now).await;
}
