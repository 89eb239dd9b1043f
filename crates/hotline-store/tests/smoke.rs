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

#[tokio::test]
async fn opens_migrates_and_finds_the_fixture_on_each_backend() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let found = s.customers_by_phone("13800001111").await.expect("lookup");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, f.customer);
        assert_eq!(found[0].district_code.as_deref(), Some("east"));
        assert_eq!(found[0].manager_name.as_deref(), Some("张敏"));
        assert_eq!(found[0].phones, vec!["02088881234", "13800001111"]);
    })
    .await;
}
