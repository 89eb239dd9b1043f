//! For unit tests: a fresh SQLite store in a folder of its own, with one district
//! (`north`, 城北区).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline_store::{NewDistrict, OpenOptions, Policy, Store};

/// The store, its district's id, and the folder to remove afterwards.
pub async fn with_a_district(tag: &str) -> (Store, i64, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("hotline-{tag}-{}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .unwrap();
    let district = store
        .insert_district(&NewDistrict {
            code: "north".into(),
            name: "城北区".into(),
            service_centre: String::new(),
            dispatch_contact: String::new(),
            dispatch_phone: String::new(),
        })
        .await
        .unwrap();
    (store, district, dir)
}
