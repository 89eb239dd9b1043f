//! Quality assessment helpers for the end-to-end tests: answers to a form as
//! `GET /api/qa/forms` gives it.

use serde_json::{json, Map, Value};

/// Every criterion of form `id` (from a `GET /api/qa/forms` answer) at its best: "yes", or
/// the top of its scale.
pub fn best_answers(forms: &Value, id: &str) -> Map<String, Value> {
    let form = forms["forms"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no form {id} in {forms}"));
    let mut out = Map::new();
    for s in form["sections"].as_array().into_iter().flatten() {
        for c in s["criteria"].as_array().into_iter().flatten() {
            let id = c["id"].as_str().expect("a criterion id").to_string();
            let v = match c["kind"]["max"].as_u64() {
                Some(max) => json!(max),
                None => json!("yes"),
            };
            out.insert(id, v);
        }
    }
    out
}
