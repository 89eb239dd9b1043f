//! Logging in, tokens (missing, bad, expired, revoked) and roles.

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
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn tokens_are_needed_checked_expire_and_can_be_revoked() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;

        // /healthz needs none.
        let a = api.send(api.request(Method::GET, "/healthz", None)).await;
        assert_eq!((a.status, &a.body), (200, &json!({"status": "ok"})));

        // No token, a malformed header, an unknown token: 401 with a Bearer challenge.
        for auth in [
            None,
            Some("Basic emhhbmc6c2VjcmV0"),
            Some("Bearer"),
            Some("Bearer nope"),
        ] {
            let mut rb = api.request(Method::GET, "/api/me", None);
            if let Some(h) = auth {
                rb = rb.header("Authorization", h);
            }
            let a = api.send(rb).await;
            assert_eq!(a.status, 401, "{auth:?}");
            assert_eq!(a.code(), Some("unauthenticated"));
            let challenge = a.headers["www-authenticate"].to_str().expect("ascii");
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
        // Every guarded endpoint, not only /api/me.
        for path in ["/api/tickets", "/api/customers?phone=1", "/api/agents"] {
            let a = api.send(api.request(Method::GET, path, None)).await;
            assert_eq!(a.status, 401, "{path}");
        }
        // The API's description needs none: it is how a newcomer learns to log in.
        let doc = api
            .send(api.request(Method::GET, "/api/openapi.json", None))
            .await;
        assert_eq!(doc.status, 200);
        assert!(doc.body["paths"]["/api/login"]["post"].is_object());
        assert_eq!(
            doc.body["paths"]["/api/openapi.json"]["get"]["security"],
            json!([])
        );
        // An unknown path says where to look and how to log in.
        let a = api.send(api.request(Method::GET, "/", None)).await;
        assert_eq!(a.status, 404);
        let message = a.body["error"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains("/api/openapi.json") && message.contains("POST /api/login"),
            "{message}"
        );

        let token = api.login("zhang", "secret").await;
        let me = api.get(&token, "/api/me").await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["id"], f.agent);
        assert_eq!(me.body["login"], "zhang");
        assert_eq!(me.body["role"], "agent");
        assert!(me.body.get("ha1_sha256").is_none() && me.body.get("ha1_md5").is_none());
        // The scheme is case-insensitive.
        let a = api
            .send(
                api.request(Method::GET, "/api/me", None)
                    .header("Authorization", format!("bearer {token}")),
            )
            .await;
        assert_eq!(a.status, 200);

        // Valid up to the store's TTL, not past it.
        let ttl = api.store.policy().token_ttl;
        api.advance(ttl - 1);
        assert_eq!(api.get(&token, "/api/me").await.status, 200);
        api.advance(2);
        let a = api.get(&token, "/api/me").await;
        assert_eq!(a.status, 401);
        assert!(a.headers.contains_key("www-authenticate"));

        // Logout revokes that token only.
        let t1 = api.login("zhang", "secret").await;
        let t2 = api.login("zhang", "secret").await;
        let a = api.post(&t1, "/api/logout", json!(null)).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(api.get(&t1, "/api/me").await.status, 401);
        assert_eq!(api.post(&t1, "/api/logout", json!(null)).await.status, 401);
        assert_eq!(api.get(&t2, "/api/me").await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_look_the_same() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let try_login = |login: &'static str, password: &'static str| {
            api.send(
                api.request(Method::POST, "/api/login", None)
                    .json(&json!({"login": login, "password": password})),
            )
        };
        let wrong = try_login("zhang", "Secret").await;
        let unknown = try_login("nobody", "secret").await;
        let other_realm = try_login("zhang", "secret ").await;
        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(wrong.body, other_realm.body);
        assert_eq!(unknown.status, 401);
        assert_eq!(wrong.body["error"]["message"], "wrong login or password");

        let ok = try_login("zhang", "secret").await;
        assert_eq!(ok.status, 200);
        let token = ok.body["token"].as_str().expect("token");
        assert_eq!(token.len(), 64);
        assert_eq!(ok.body["agent"]["login"], "zhang");
        let ttl = api.store.policy().token_ttl;
        assert_eq!(ok.body["expires_at"], NOW + ttl);
    })
    .await;
}

/// The agent in the login answer and in `GET /api/me` is the one `GET /api/agents` lists,
/// skills and levels included (they were once always empty).
#[tokio::test]
async fn login_and_me_carry_the_agents_skills() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let a = api
            .send(
                api.request(Method::POST, "/api/login", None)
                    .json(&json!({"login": "zhang", "password": "secret"})),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["agent"]["skills"], json!([["billing", 8]]));
        let token = a.body["token"].as_str().expect("token");
        let me = api.get(token, "/api/me").await;
        assert_eq!(me.body["skills"], json!([["billing", 8]]));
        let sup = api.login("li", "boss").await;
        let list = api.get(&sup, "/api/agents").await;
        let listed = list
            .body
            .as_array()
            .and_then(|l| l.iter().find(|x| x["id"] == f.agent).cloned())
            .expect("zhang listed");
        assert_eq!(me.body["skills"], listed["skills"]);
    })
    .await;
}

#[tokio::test]
async fn supervisors_and_admins_see_agents_and_agents_do_not() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let agent = api.login("zhang", "secret").await;
        let a = api.get(&agent, "/api/agents").await;
        assert_eq!(a.status, 403);
        assert_eq!(a.code(), Some("forbidden"));

        for (login, password) in [("li", "boss"), ("root", "admin")] {
            let token = api.login(login, password).await;
            let a = api.get(&token, "/api/agents").await;
            assert_eq!(a.status, 200, "{login}");
            let list = a.body.as_array().expect("list");
            assert_eq!(list.len(), 3);
            let zhang = list
                .iter()
                .find(|x| x["id"] == f.agent)
                .expect("zhang listed");
            assert_eq!(zhang["rating"], json!(null));
            assert_eq!(zhang["rated_tickets"], 0);
            assert_eq!(zhang["staff_no"], "1023");
        }
        let me = api.get(&api.login("li", "boss").await, "/api/me").await;
        assert_eq!(
            (me.body["id"].as_i64(), &me.body["role"]),
            (Some(f.supervisor), &json!("supervisor"))
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let token = api.login("zhang", "secret").await;
        let a = api.get(&token, "/api/nothing-here").await;
        assert_eq!((a.status, a.code()), (404, Some("no_route")));
        let a = api.send(api.request(Method::GET, "/api/login", None)).await;
        assert_eq!((a.status, a.code()), (405, Some("method_not_allowed")));
        let a = api
            .send(api.request(Method::DELETE, "/api/tickets/1", Some(&token)))
            .await;
        assert_eq!(a.status, 405);
        let doc = api.get(&token, "/api/openapi.json").await;
        assert_eq!(doc.status, 200);
        assert_eq!(doc.body["openapi"], "3.1.0");
    })
    .await;
}

#[tokio::test]
async fn every_desk_role_reads_the_directory_without_skills_or_ratings() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let root = api.login("root", "admin").await;
        let c = api
            .post(
                &root,
                "/api/crews",
                json!({"login": "crew1", "name": "城东班组", "staff_no": "C-1",
                       "sip_user": "8801", "password": "crew-secret", "district_id": f.district}),
            )
            .await;
        assert_eq!(c.status, 201, "{:#}", c.body);
        let zhang = api.login("zhang", "secret").await;
        let d = api.get(&zhang, "/api/directory").await;
        assert_eq!(d.status, 200, "{:#}", d.body);
        let list = d.body.as_array().expect("list");
        // zhang, li, root: crews are not colleagues on the phone.
        assert_eq!(list.len(), 3, "{list:?}");
        let li = list
            .iter()
            .find(|x| x["id"] == f.supervisor)
            .expect("li listed");
        assert_eq!(
            li,
            &json!({"id": f.supervisor, "name": "li name", "staff_no": "2001", "team": "billing",
                    "extension": "1002", "role": "supervisor"})
        );
        let crew = api.login("crew1", "crew-secret").await;
        assert_eq!(api.get(&crew, "/api/directory").await.status, 403);
        let bad = api.get(&zhang, "/api/directory?all=1").await;
        bad.assert_error(400, "all");
    })
    .await;
}
