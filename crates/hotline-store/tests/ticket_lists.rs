//! The desk's ticket lists, read in parts (overdue, then each priority on time): for many
//! filters, limits and offsets, exactly the tickets a plain sort gives (overdue first, then
//! urgent, high, normal, low, then oldest first), on a fake clock, on each backend.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::*;

const MIN: Millis = 60_000;

fn rank(p: &str) -> u8 {
    match p {
        "urgent" => 0,
        "high" => 1,
        "normal" => 2,
        _ => 3,
    }
}

#[tokio::test]
async fn every_list_is_the_plain_sort_of_its_tickets() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let kinds = [
            "leak",
            "repair",
            "complaint",
            "billing_dispute",
            "meter",
            "inquiry",
        ];
        let priorities = [
            None,
            Some(Priority::Low),
            Some(Priority::High),
            Some(Priority::Urgent),
            Some(Priority::Normal),
        ];
        let mut ids = Vec::new();
        for i in 0..90i64 {
            let new = NewTicket {
                kind: kinds[(i % 6) as usize].into(),
                priority: priorities[(i % 5) as usize],
                customer_id: (i % 3 != 0).then_some(f.customer),
                district_id: Some(if i % 2 == 0 {
                    f.district
                } else {
                    f.other_district
                }),
                address: Some(format!("解放路{i}号")),
                summary: format!("工单 {i}"),
                ..NewTicket::default()
            };
            let actor = if i % 4 == 0 {
                Actor::Ivr
            } else {
                Actor::Agent(f.agent)
            };
            // Some created at the same moment (the id breaks the tie).
            let at = NOW + (i / 2) * 7 * MIN;
            let t = s.create_ticket(&new, actor, at).await.expect("ticket");
            ids.push(t.id);
            // Some move on: dispatched, on site, replied, closed.
            let steps: &[Action] = match i % 7 {
                1 => &[Action::Dispatch],
                2 => &[Action::Dispatch, Action::Start],
                3 => &[Action::Dispatch, Action::Start, Action::Reply],
                4 => &[
                    Action::Dispatch,
                    Action::Start,
                    Action::Reply,
                    Action::Close,
                ],
                5 => &[Action::Reply, Action::Close, Action::FollowUp],
                _ => &[],
            };
            for (n, &a) in steps.iter().enumerate() {
                let input = TransitionInput {
                    district_id: Some(f.district),
                    note: "处理".into(),
                    ..TransitionInput::default()
                };
                s.transition(
                    t.id,
                    a,
                    &input,
                    Actor::Agent(f.agent),
                    at + (n as i64 + 1) * MIN,
                )
                .await
                .unwrap_or_else(|e| panic!("ticket {i} {a:?}: {e}"));
            }
        }
        // Late enough that some deadlines have passed, not all.
        let now = NOW + 5 * 60 * MIN;
        let mut all = Vec::new();
        for &id in &ids {
            all.push(s.ticket(id, now).await.expect("read").expect("exists"));
        }
        assert!(
            all.iter().any(|t| !t.overdue.is_empty()) && all.iter().any(|t| t.overdue.is_empty())
        );
        let filters = vec![
            TicketFilter::default(),
            TicketFilter {
                status: Some(Status::Accepted),
                ..TicketFilter::default()
            },
            TicketFilter {
                district_id: Some(f.district),
                ..TicketFilter::default()
            },
            TicketFilter {
                overdue_only: true,
                ..TicketFilter::default()
            },
            TicketFilter {
                priority: Some(Priority::High),
                ..TicketFilter::default()
            },
            TicketFilter {
                priority: Some(Priority::Low),
                ..TicketFilter::default()
            },
            TicketFilter {
                agent_id: Some(f.agent),
                ..TicketFilter::default()
            },
            TicketFilter {
                due_before: Some(now + 2 * 60 * MIN),
                ..TicketFilter::default()
            },
            TicketFilter {
                kind: Some("leak".into()),
                district_id: Some(f.other_district),
                ..TicketFilter::default()
            },
        ];
        for base in filters {
            let due_soon = base.due_before;
            let mut want: Vec<&Ticket> = all
                .iter()
                .filter(|t| base.status.is_none_or(|st| t.status == st))
                .filter(|t| base.district_id.is_none_or(|d| t.district_id == Some(d)))
                .filter(|t| base.kind.as_deref().is_none_or(|k| t.kind == k))
                .filter(|t| base.priority.is_none_or(|p| t.priority == p.as_str()))
                .filter(|t| !base.overdue_only || !t.overdue.is_empty())
                .filter(|t| {
                    base.agent_id
                        .is_none_or(|a| t.created_by == Some(a) || t.handled_by == Some(a))
                })
                .collect();
            if let Some(at) = due_soon {
                let later: Vec<i64> = s
                    .list_tickets(
                        &TicketFilter {
                            overdue_only: true,
                            limit: 500,
                            ..TicketFilter::default()
                        },
                        at,
                    )
                    .await
                    .expect("overdue then")
                    .iter()
                    .map(|t| t.id)
                    .collect();
                want.retain(|t| later.contains(&t.id));
            }
            want.sort_by_key(|t| (t.overdue.is_empty(), rank(&t.priority), t.created_at, t.id));
            let want: Vec<i64> = want.iter().map(|t| t.id).collect();
            for (limit, offset) in [(500, 0), (10, 0), (7, 3), (25, 20), (5, 60), (50, 2500)] {
                let f2 = TicketFilter {
                    limit,
                    offset,
                    ..base.clone()
                };
                let got: Vec<i64> = s
                    .list_tickets(&f2, now)
                    .await
                    .expect("list")
                    .iter()
                    .map(|t| t.id)
                    .collect();
                let expect: Vec<i64> = want
                    .iter()
                    .copied()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .collect();
                assert_eq!(got, expect, "{base:?} limit {limit} offset {offset}");
            }
        }
    })
    .await;
}
