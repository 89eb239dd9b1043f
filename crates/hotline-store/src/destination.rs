//! Where a dispatched ticket goes, decided without a database: a dispatch needs a district
//! and somewhere to go (an address, or a customer whose service address the crew can look
//! up); the district proposed to the agent comes from the ticket, its customer or a district
//! named in the address, and is never silently the first one.

/// Why a ticket cannot be dispatched: the field to fix and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoDestination {
    pub field: &'static str,
    pub reason: &'static str,
}

/// The district a dispatch goes to, or why it cannot go anywhere. `district` is the one
/// given with the dispatch or, failing that, the ticket's; `has_customer` and `address`
/// are the ticket's after the dispatch's own address (if any) is applied.
pub fn check(
    district: Option<i64>,
    has_customer: bool,
    address: &str,
) -> Result<i64, NoDestination> {
    let district = district.ok_or(NoDestination {
        field: "district_id",
        reason: "dispatch needs a district",
    })?;
    if !has_customer && address.trim().is_empty() {
        return Err(NoDestination {
            field: "address",
            reason: "dispatch needs an address or a customer; give the address",
        });
    }
    Ok(district)
}

/// The district to propose for a ticket: its own, else its customer's, else the only
/// district whose name appears in the address (none when two or none do).
pub fn propose(
    ticket_district: Option<i64>,
    customer_district: Option<i64>,
    address: &str,
    districts: &[(i64, String)],
) -> Option<i64> {
    if let Some(d) = ticket_district.or(customer_district) {
        return Some(d);
    }
    let mut named = districts
        .iter()
        .filter(|(_, name)| !name.trim().is_empty() && address.contains(name.trim()));
    match (named.next(), named.next()) {
        (Some((id, _)), None) => Some(*id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn districts() -> Vec<(i64, String)> {
        vec![
            (1, "滨江区".into()),
            (2, "城东区".into()),
            (3, "城西区".into()),
            (4, " ".into()),
        ]
    }

    #[test]
    fn a_dispatch_without_a_district_names_the_district() {
        let e = check(None, true, "解放路12号").unwrap_err();
        assert_eq!(e.field, "district_id");
    }

    #[test]
    fn a_dispatch_with_neither_customer_nor_address_names_the_address() {
        assert_eq!(check(Some(2), false, "").unwrap_err().field, "address");
        assert_eq!(check(Some(2), false, "  \t").unwrap_err().field, "address");
        assert_eq!(check(Some(2), false, "解放路12号"), Ok(2));
        assert_eq!(check(Some(2), true, ""), Ok(2));
    }

    #[test]
    fn the_proposal_is_the_tickets_then_the_customers_then_the_address() {
        let d = districts();
        assert_eq!(propose(Some(3), Some(2), "滨江区", &d), Some(3));
        assert_eq!(propose(None, Some(2), "滨江区", &d), Some(2));
        assert_eq!(propose(None, None, "城西区人民路8号", &d), Some(3));
    }

    #[test]
    fn nothing_is_proposed_rather_than_a_guess() {
        let d = districts();
        assert_eq!(propose(None, None, "", &d), None);
        assert_eq!(propose(None, None, "人民路8号", &d), None);
        // Two districts named: no guess.
        assert_eq!(propose(None, None, "城东区与城西区交界", &d), None);
        // An empty district name matches nothing.
        assert_eq!(propose(None, None, "a b", &d), None);
        assert_eq!(propose(None, None, "x", &[]), None);
    }
}
