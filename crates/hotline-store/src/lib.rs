//! The hotline's store: customer information (customers, meters, readings, bills, arrears,
//! district notices), call records, tickets with their lifecycle and follow-ups, and agents,
//! on SQLite (embedded, the default) or PostgreSQL, with one schema and one set of queries
//! through sqlx's `Any` driver.
//!
//! The decisions are pure and live apart from the queries: `lifecycle` (which ticket
//! transitions are legal, what is overdue when), `rules` (meter reading plausibility, late
//! fees, phone numbers). Time is always passed in (`Millis`, Unix milliseconds), so tests run
//! on a fake clock. The IVR and the desktop reach customer data through the `CustomerSource`
//! trait, which the store implements and a utility's own billing system can replace.

pub mod account;
pub mod agents;
pub mod audit;
pub mod calendar;
pub mod call_recordings;
pub mod calls;
pub mod campaigns;
pub mod changes;
pub mod cis;
pub mod crew_work;
pub mod customers;
mod db;
pub mod destination;
mod error;
mod escalation;
pub mod figures;
pub mod followups;
mod group_commit;
pub mod incidents;
pub mod lifecycle;
pub mod notice_recordings;
pub mod notices;
pub mod outbox;
pub mod policy;
pub mod qa;
pub mod readings;
pub mod reasons;
pub mod report;
mod report_rows;
mod report_sql;
mod rollups;
pub mod rules;
pub mod runs;
pub mod seed;
pub mod source;
mod sql;
pub mod stats;
mod ticket_lists;
mod ticket_rollups;
pub mod ticket_texts;
pub mod tickets;
pub mod urgent;

pub use account::{Meter, Payment};
pub use agents::{Agent, NewAgent, Role, SipCredentials};
pub use audit::{AuditEvent, NewAuditEvent};
pub use call_recordings::CallRecording;
pub use calls::{Call, CallFilter, CallIs, CallStart, CallUpdate, Disposition, NewCall};
pub use campaigns::{
    AttemptEnd, AttemptStart, AttemptToStart, CampaignAttempt, CampaignFigures, CampaignMessage,
    CampaignProgress, CampaignRecord, CampaignStatus, CampaignTarget, DailyCap, DncEntry, ListRule,
    NewCampaign, NewDnc, NewMessage, NewTarget, ReceiptApplied, RuleRow, TargetFilter,
    TargetStateChange,
};
pub use changes::{Changes, TicketChange};
pub use cis::{NewBill, NewCustomer, NewDistrict, NewNotice};
pub use customers::{Arrears, ArrearsItem, Bill, Customer, CustomerQuery, District};
pub use db::{Backend, OpenOptions, Store};
pub use error::{Result, StoreError};
pub use figures::TicketFigures;
pub use followups::{FollowUp, FollowUpResult};
pub use lifecycle::{Action, Milestone, Millis, Status};
pub use notice_recordings::NoticeRecording;
pub use notices::{Figures, Notice, NoticeDistrict, NoticeInput};
pub use policy::{KindPolicy, Policy, Priority};
pub use qa::{
    AgentAnswer, Evaluation, EvaluationFilter, EvaluationStatus, QaFigures, QaReportRow,
    QaTeamFigures, ReportBy, Scored, WorkItem,
};
pub use readings::{NewReading, Reading, ReadingOutcome, ReadingSource};
pub use reasons::{CallReasons, ReasonCode, ReasonCount, ReasonSource};
pub use runs::InterruptedCall;
pub use source::{CustomerSource, ReadingSubmission, SourceError};
pub use stats::{DistrictOverdue, IvrStats, QueueStats, StatsRule};
pub use ticket_texts::{ProgressEvent, TicketText};
pub use tickets::{
    Actor, NewTicket, Ticket, TicketDetail, TicketEvent, TicketFilter, TransitionInput,
};
