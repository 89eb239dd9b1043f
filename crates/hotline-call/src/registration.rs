//! What a phone's registration change may do to its agent's state (issue 24): a REGISTER that
//! adds a contact (the phone re-registering from a new port) or an `Expires: 0` of one contact
//! while another stays changes nothing; only a phone going from no registration at all to
//! registered makes its agent ready, and only when `acd.ready_on_register` is on and the agent
//! is still in the state logging in gave (`not_ready`, reason `login`) — never over a state
//! the agent, a supervisor or the router chose (break, missed, wrap-up…).

/// The reason the router gives an agent who has just logged in.
pub const LOGIN_REASON: &str = "login";

/// A registration change of one SIP user, from the number of contacts before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// From no contact to at least one.
    Registered,
    /// From at least one contact to none.
    Unregistered,
    /// Contacts added, refreshed or removed with at least one left (or none before and after).
    Unchanged,
}

impl Change {
    pub fn of(was_registered: bool, contacts: usize) -> Change {
        match (was_registered, contacts > 0) {
            (false, true) => Change::Registered,
            (true, false) => Change::Unregistered,
            _ => Change::Unchanged,
        }
    }
}

/// Whether this change makes the agent ready: `state` and `reason` are the router's names
/// for the agent's state now (`not_ready`, `login`).
pub fn makes_ready(
    change: Change,
    ready_on_register: bool,
    state: &str,
    reason: Option<&str>,
) -> bool {
    ready_on_register
        && change == Change::Registered
        && state == "not_ready"
        && reason == Some(LOGIN_REASON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_first_registration_readies_an_agent_fresh_from_login() {
        assert_eq!(Change::of(false, 1), Change::Registered);
        assert_eq!(Change::of(true, 2), Change::Unchanged, "a second contact");
        assert_eq!(Change::of(true, 1), Change::Unchanged, "one of two expired");
        assert_eq!(Change::of(true, 0), Change::Unregistered);
        assert_eq!(Change::of(false, 0), Change::Unchanged);
        let login = Some(LOGIN_REASON);
        assert!(makes_ready(Change::Registered, true, "not_ready", login));
        assert!(!makes_ready(Change::Registered, false, "not_ready", login));
        assert!(!makes_ready(Change::Unchanged, true, "not_ready", login));
        assert!(!makes_ready(
            Change::Registered,
            true,
            "not_ready",
            Some("break")
        ));
        assert!(!makes_ready(
            Change::Registered,
            true,
            "not_ready",
            Some("missed")
        ));
        assert!(!makes_ready(Change::Registered, true, "wrap_up", None));
        assert!(!makes_ready(Change::Registered, true, "ready", None));
    }
}
