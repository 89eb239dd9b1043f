//! Automatic dispatch: a kind marked `auto_dispatch` is dispatched at once when the IVR opens
//! it with a district and somewhere to go, in the creation's transaction (the dispatch event
//! by `system`, the outbox's dispatch event, the live change); otherwise, or when an agent
//! opens it, it waits for the centre. And the escalation levels a missed deadline raises.

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

fn policy() -> Policy {
    let mut p = Policy::default();
    if let Some(k) = p.kinds.get_mut("leak") {
        k.auto_dispatch = true;
    }
    p
}

fn leak(customer: Option<i64>, address: Option<&str>) -> NewTicket {
    NewTicket {
        kind: "leak".into(),
        customer_id: customer,
        address: address.map(str::to_string),
        summary: "漏水 leak".into(),
        reporter_phone: Some("13900002222".into()),
        ..NewTicket::default()
    }
}

#[tokio::test]
async fn an_ivr_leak_with_a_district_is_dispatched_at_once() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let mut changes = s.ticket_changes().subscribe();
        let t = s
            .create_ticket(&leak(Some(f.customer), None), Actor::Ivr, NOW)
            .await
            .unwrap();
        assert_eq!(t.status, Status::Dispatched);
        assert_eq!(t.district_id, Some(f.district));
        assert_eq!(t.dispatched_at, Some(NOW));
        let d = s.ticket_detail(t.id, NOW).await.unwrap().unwrap();
        let steps: Vec<(&str, &str, &str)> = d
            .events
            .iter()
            .map(|e| (e.kind.as_str(), e.actor.as_str(), e.note.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("created", "ivr", ""),
                ("transition", "system", "auto_dispatch")
            ]
        );
        let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM outbox WHERE ticket_id = $1")
            .bind(t.id)
            .fetch_all(s.read_pool())
            .await
            .unwrap();
        assert_eq!(kinds, ["dispatch"]);
        let seen: Vec<String> = [changes.recv().await.unwrap(), changes.recv().await.unwrap()]
            .into_iter()
            .map(|c| c.what)
            .collect();
        assert_eq!(seen, ["created", "dispatch"]);
    })
    .await;
}

#[tokio::test]
async fn without_a_district_or_from_an_agent_or_for_another_kind_it_waits() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        // No customer, an address but no district: the centre decides.
        let t = s
            .create_ticket(&leak(None, Some("人民路8号")), Actor::Ivr, NOW)
            .await
            .unwrap();
        assert_eq!(t.status, Status::Accepted);
        // An agent's leak: the agent dispatches it.
        let t = s
            .create_ticket(&leak(Some(f.customer), None), Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        assert_eq!(t.status, Status::Accepted);
        // A kind without auto_dispatch.
        let mut repair = leak(Some(f.customer), None);
        repair.kind = "repair".into();
        let t = s.create_ticket(&repair, Actor::Ivr, NOW).await.unwrap();
        assert_eq!(t.status, Status::Accepted);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(s.read_pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

/// The walk of issue 18: an IVR leak dispatched at once, worked by the district's crew (start,
/// reply), closed by an agent, followed up with a rating. The centre's agent who closed it is
/// the one who handled it, so the rating counts for her; the crew's steps do not make the crew
/// its handler (before, the crew's start did, and the agent's rating never showed it).
#[tokio::test]
async fn the_crews_steps_leave_the_ticket_and_its_rating_to_the_centres_agent() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let crew = s
            .upsert_crew(
                &NewAgent {
                    login: "crew-east".into(),
                    name: "城东抢修一班".into(),
                    staff_no: "C101".into(),
                    sip_user: "8101".into(),
                    ha1_md5: "0".repeat(32),
                    ha1_sha256: "0".repeat(64),
                    team: "crew".into(),
                    role: Role::Crew,
                    language: "zh".into(),
                    skills: vec![],
                },
                f.district,
                NOW,
            )
            .await
            .unwrap();
        let t = s
            .create_ticket(&leak(Some(f.customer), None), Actor::Ivr, NOW)
            .await
            .unwrap();
        assert_eq!((t.status, t.handled_by), (Status::Dispatched, None));
        let on_site = TransitionInput {
            crew_district: Some(f.district),
            ..TransitionInput::default()
        };
        let t = s
            .transition(
                t.id,
                Action::Start,
                &on_site,
                Actor::Agent(crew),
                NOW + 60_000,
            )
            .await
            .unwrap();
        assert_eq!((t.status, t.handled_by), (Status::InProgress, None));
        let result = TransitionInput {
            note: "已更换管段".into(),
            crew_district: Some(f.district),
            ..TransitionInput::default()
        };
        let t = s
            .transition(
                t.id,
                Action::Reply,
                &result,
                Actor::Agent(crew),
                NOW + 120_000,
            )
            .await
            .unwrap();
        assert_eq!((t.status, t.handled_by), (Status::Replied, None));
        let t = s
            .transition(
                t.id,
                Action::Close,
                &TransitionInput::default(),
                Actor::Agent(f.agent),
                NOW + 180_000,
            )
            .await
            .unwrap();
        assert_eq!((t.status, t.handled_by), (Status::Closed, Some(f.agent)));
        let due = s.due_followups(NOW + 240_000, 10).await.unwrap();
        let fu = due
            .iter()
            .find(|x| x.ticket_id == t.id)
            .expect("the follow-up");
        s.record_followup(
            fu.id,
            &FollowUpResult::Reached { rating: Some(5) },
            "",
            f.agent,
            NOW + 240_000,
        )
        .await
        .unwrap();
        let t = s.ticket(t.id, NOW + 240_000).await.unwrap().unwrap();
        assert_eq!(t.rating, Some(5));
        assert_eq!(s.agent_rating(f.agent).await.unwrap(), (Some(5.0), 1));
        assert_eq!(s.agent_rating(crew).await.unwrap(), (None, 0));
    })
    .await;
}

/// Escalation levels on a fake clock: level 1 at the deadline, 2 at twice the limit, each
/// raise once with its event and its webhook event; a ticket on time stays at 0.
#[tokio::test]
async fn the_escalation_level_rises_at_the_deadline_and_again_at_the_multiple() {
    const MIN: Millis = 60_000;
    each_store(|s| async move {
        let f = fixture(&s).await;
        let late = s
            .create_ticket(&leak(Some(f.customer), None), Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        let on_time = s
            .create_ticket(&leak(Some(f.customer), None), Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        let to = TransitionInput::default();
        s.transition(
            on_time.id,
            Action::Dispatch,
            &to,
            Actor::Agent(f.agent),
            NOW,
        )
        .await
        .unwrap();
        s.transition(
            on_time.id,
            Action::Start,
            &to,
            Actor::Agent(f.agent),
            NOW + 30 * MIN,
        )
        .await
        .unwrap();
        let level = |id| {
            let s = s.clone();
            async move { s.ticket(id, NOW).await.unwrap().unwrap().escalation_level }
        };
        let escalations = |id: i64| {
            let s = s.clone();
            async move {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM outbox WHERE ticket_id = $1 AND kind = 'escalation'",
                )
                .bind(id)
                .fetch_one(s.read_pool())
                .await
                .unwrap();
                n
            }
        };
        s.escalate_overdue(NOW + 45 * MIN).await.unwrap();
        assert_eq!((level(late.id).await, escalations(late.id).await), (0, 0));
        s.escalate_overdue(NOW + 46 * MIN).await.unwrap();
        assert_eq!((level(late.id).await, escalations(late.id).await), (1, 1));
        // Level 1: still read by each sweep (it may reach level 2).
        assert_eq!(s.escalation_candidates(NOW + 80 * MIN).await.unwrap(), 1);
        s.escalate_overdue(NOW + 80 * MIN).await.unwrap();
        assert_eq!((level(late.id).await, escalations(late.id).await), (1, 1));
        s.escalate_overdue(NOW + 91 * MIN).await.unwrap();
        assert_eq!((level(late.id).await, escalations(late.id).await), (2, 2));
        s.escalate_overdue(NOW + 200 * MIN).await.unwrap();
        assert_eq!((level(late.id).await, escalations(late.id).await), (2, 2));
        // Settled (its missed deadline escalated, level 2): later sweeps do not read it
        // again, until it misses another deadline.
        assert_eq!(s.escalation_candidates(NOW + 80 * MIN).await.unwrap(), 0);
        assert_eq!(s.escalation_candidates(NOW + 200 * MIN).await.unwrap(), 0);
        // The other ticket is answered in time; the late one misses its reply deadline too.
        let answer = TransitionInput {
            note: "修好了".into(),
            ..TransitionInput::default()
        };
        s.transition(
            on_time.id,
            Action::Reply,
            &answer,
            Actor::Agent(f.agent),
            NOW + 60 * MIN,
        )
        .await
        .unwrap();
        let reply_due = s
            .ticket(late.id, NOW)
            .await
            .unwrap()
            .unwrap()
            .due_reply_at
            .expect("a reply deadline");
        assert_eq!(s.escalation_candidates(reply_due + 1).await.unwrap(), 1);
        let done = s.escalate_overdue(reply_due + 1).await.unwrap();
        assert_eq!(done, [(late.id, Milestone::Reply)]);
        assert_eq!(s.escalation_candidates(reply_due + 2).await.unwrap(), 0);
        let d = s.ticket_detail(late.id, NOW).await.unwrap().unwrap();
        let notes: Vec<&str> = d
            .events
            .iter()
            .filter(|e| e.kind.starts_with("escalat"))
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "on_site overdue",
                "level 2: on_site overdue",
                "reply overdue"
            ]
        );
        assert_eq!(
            (level(on_time.id).await, escalations(on_time.id).await),
            (0, 0)
        );
    })
    .await;
}

/// More overdue tickets than one page of the sweep: every one is escalated in one sweep, and
/// tickets escalated long ago do not hide the new ones behind them.
#[tokio::test]
async fn the_sweep_reaches_every_overdue_ticket_beyond_a_page() {
    const MIN: Millis = 60_000;
    each_store(|s| async move {
        let f = fixture(&s).await;
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..1010 {
            let s = s.clone();
            let t = leak(Some(f.customer), None);
            set.spawn(async move {
                s.create_ticket(&t, Actor::Agent(f.agent), NOW)
                    .await
                    .map(|t| t.id)
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap().unwrap();
        }
        let first = s.escalate_overdue(NOW + 46 * MIN).await.unwrap();
        assert_eq!(first.len(), 1010);
        // A later one, behind 1010 escalated ones.
        let late = s
            .create_ticket(
                &leak(Some(f.customer), None),
                Actor::Agent(f.agent),
                NOW + 10 * MIN,
            )
            .await
            .unwrap();
        let second = s.escalate_overdue(NOW + 56 * MIN).await.unwrap();
        assert_eq!(second, [(late.id, Milestone::OnSite)]);
    })
    .await;
}
