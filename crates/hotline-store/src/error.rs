//! The store's errors: what a caller did wrong (a field, an id, a transition) kept apart
//! from what the database did, so that the API can answer 4xx for the first and 5xx for the
//! second.

use crate::lifecycle::IllegalTransition;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A field of the request is not acceptable.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// No such thing.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// The ticket's status does not allow the action.
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// The caller may not touch this (a crew and another district's ticket).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Someone else changed it first; read it again.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The login or token is not valid.
    #[error("not authenticated")]
    Unauthenticated,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            field,
            reason: reason.into(),
        }
    }
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
