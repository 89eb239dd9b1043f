//! `GET /api/teams`: the centre's teams with their agents and supervisors, a floor team (a
//! supervisor, no agents) marked, and which teams the reader supervises: a supervisor their
//! own, a floor supervisor every team, an agent none.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::Role;

#[tokio::test]
async fn the_teams_say_who_supervises_which() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let s = &api.store;
        agent_in_team(s, "floor", "1010", "3001", Role::Supervisor, "pw", "floor").await;
        agent_in_team(s, "east", "1011", "3002", Role::Supervisor, "pw", "repairs").await;
        agent_in_team(s, "wang", "1012", "3003", Role::Agent, "pw", "repairs").await;
        agent_in_team(s, "wu", "1014", "3005", Role::Agent, "pw", "repairs").await;
        let view = |login: &'static str, password: &'static str| {
            let api = &api;
            async move {
                let t = api.login(login, password).await;
                let a = api.get(&t, "/api/teams").await;
                assert_eq!(a.status, 200, "{:#}", a.body);
                a.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        let sups: Vec<&str> = t["supervisors"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|s| s["name"].as_str().unwrap())
                            .collect();
                        format!(
                            "{} agents={} floor={} sups={} mine={}",
                            t["name"].as_str().unwrap(),
                            t["agents"],
                            t["floor"],
                            sups.len(),
                            t["supervised_by_you"]
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        // billing: zhang (agent), li (supervisor) and root (admin); repairs: two agents and
        // east; floor: one supervisor and no agent.
        let li = view("li", "boss").await;
        assert_eq!(
            li,
            [
                "billing agents=1 floor=false sups=1 mine=true",
                "floor agents=0 floor=true sups=1 mine=false",
                "repairs agents=2 floor=false sups=1 mine=false",
            ]
        );
        let floor = view("floor", "pw").await;
        assert!(floor.iter().all(|t| t.ends_with("mine=true")), "{floor:?}");
        let east = view("east", "pw").await;
        assert!(
            east[2].ends_with("mine=true") && east[0].ends_with("mine=false"),
            "{east:?}"
        );
        let zhang = view("zhang", "secret").await;
        assert!(zhang.iter().all(|t| t.ends_with("mine=false")), "{zhang:?}");
    })
    .await;
}
