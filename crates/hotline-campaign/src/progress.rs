//! A campaign's progress figures, as the wallboard and the metrics show them: attempts
//! dialled, customers reached, promises to pay (count and total in fen), opt-outs, abandoned
//! calls, and targets remaining, given up or skipped.

/// Progress of one campaign. All counts since the campaign began (restored after a restart
/// from the stored attempts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Targets in the campaign.
    pub targets: u32,
    /// Attempts placed (Preview: offered to an agent).
    pub dialled: u32,
    /// Attempts under way.
    pub in_progress: u32,
    /// Targets whose customer picked up at least once (answered, opted out or abandoned).
    pub reached: u32,
    /// Targets done with the result `Answered`.
    pub answered: u32,
    /// Promises to pay made.
    pub promises: u32,
    /// Their total, in fen.
    pub promised_fen: i64,
    /// Customers who opted out.
    pub opted_out: u32,
    /// Attempts abandoned (answered with no agent free).
    pub abandoned: u32,
    /// Targets given up after the last attempt the rules allow.
    pub given_up: u32,
    /// Targets skipped (do-not-call, or an agent's skip in preview).
    pub skipped: u32,
    /// Targets that are not final yet (pending, due, or in progress).
    pub remaining: u32,
    /// Progressive: abandoned share over the last answered calls, in thousandths.
    pub abandoned_share_permille: u32,
    /// Progressive: whether over-dialling is off because the share exceeded the limit.
    pub throttled: bool,
}
