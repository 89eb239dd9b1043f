//! The demo city's districts with their service centres and dispatch contacts (written only
//! into a store that has none), and today's notices, each with its cause: an outage in force
//! (a burst main), a water-quality notice (mains flushing) and planned works starting
//! tomorrow.

use super::names::AREA_CODE;
use crate::calendar::{local_date, local_midnight};
use crate::cis::NewDistrict;
use crate::db::Store;
use crate::error::Result;
use crate::lifecycle::Millis;
use crate::notices::{Figures, NoticeInput};
use rand::rngs::StdRng;
use rand::Rng;

const HOUR: Millis = 3_600_000;

/// (code, name, service centre, dispatch contact, share of customers in per cent).
const DISTRICTS: &[(&str, &str, &str, &str, u32)] = &[
    ("east", "城东区", "城东营业所", "王建军", 18),
    ("west", "城西区", "城西营业所", "李国华", 16),
    ("south", "城南区", "城南营业所", "张志强", 14),
    ("north", "城北区", "城北营业所", "刘明", 12),
    ("hitech", "高新区", "高新区营业所", "陈勇", 14),
    ("binjiang", "滨江区", "滨江抢修站", "杨海涛", 10),
    ("econ", "经开区", "经开区抢修站", "黄伟", 9),
    ("oldtown", "老城区", "老城抢修站", "赵永福", 7),
];

/// A district as the seeder uses it.
#[derive(Debug, Clone)]
pub(super) struct SeedDistrict {
    pub id: i64,
    pub name: String,
    /// Relative share of the customers.
    pub weight: u32,
}

/// The store's districts, creating the demo city's when there are none; and whether they
/// were created.
pub(super) async fn ensure(store: &Store) -> Result<(Vec<SeedDistrict>, u64)> {
    let existing = store.districts().await?;
    if !existing.is_empty() {
        let ds = existing
            .into_iter()
            .map(|d| SeedDistrict {
                weight: DISTRICTS.iter().find(|x| x.0 == d.code).map_or(10, |x| x.4),
                id: d.id,
                name: d.name,
            })
            .collect();
        return Ok((ds, 0));
    }
    let mut out = Vec::new();
    for (i, (code, name, centre, contact, weight)) in DISTRICTS.iter().enumerate() {
        let id = store
            .insert_district(&NewDistrict {
                code: code.to_string(),
                name: name.to_string(),
                service_centre: centre.to_string(),
                dispatch_contact: contact.to_string(),
                dispatch_phone: format!("{AREA_CODE}8888{:04}", 1001 + i),
            })
            .await?;
        out.push(SeedDistrict {
            id,
            name: name.to_string(),
            weight: *weight,
        });
    }
    let created = out.len() as u64;
    Ok((out, created))
}

/// Picks a district by weight (none from an empty list).
pub(super) fn pick<'a>(rng: &mut StdRng, ds: &'a [SeedDistrict]) -> Option<&'a SeedDistrict> {
    let total: u32 = ds.iter().map(|d| d.weight.max(1)).sum();
    let mut x = rng.random_range(0..total.max(1));
    for d in ds {
        let w = d.weight.max(1);
        if x < w {
            return Some(d);
        }
        x -= w;
    }
    ds.first()
}

/// Writes the three demo notices unless notices are already in force or coming; returns
/// how many were written.
pub(super) async fn notices(
    store: &Store,
    rng: &mut StdRng,
    ds: &[SeedDistrict],
    now: Millis,
) -> Result<u64> {
    if ds.is_empty() {
        return Ok(0);
    }
    let current: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE ends_at IS NULL OR ends_at > $1")
            .bind(now)
            .fetch_one(store.write_pool())
            .await?;
    if current > 0 {
        return Ok(0);
    }
    let (y, m, d) = local_date(now);
    let tomorrow = local_midnight(y, m, d) + 24 * HOUR;
    let outage = rng.random_range(0..ds.len());
    let quality = (outage + 1 + rng.random_range(0..ds.len().max(2) - 1)) % ds.len();
    let works = (outage + ds.len() / 2) % ds.len();
    let (Some(outage), Some(quality), Some(works)) =
        (ds.get(outage), ds.get(quality), ds.get(works))
    else {
        return Ok(0);
    };
    let road = |rng: &mut StdRng, d: &SeedDistrict| super::names::street(rng, &d.name);
    let burst = road(rng, outage);
    let works_at = road(rng, works);
    let list = [
        NoticeInput {
            district_ids: vec![outage.id],
            kind: "outage".into(),
            cause: "pipe_burst".into(),
            figures: Figures::default(),
            title: format!("{}爆管抢修停水", outage.name),
            body: format!(
                "因{burst}附近DN600供水主管爆裂，周边区域停水，抢修队伍已到场，预计6小时内恢复供水。\
                 停水期间已安排送水车，请市民做好储水准备。"
            ),
            starts_at: now - 2 * HOUR,
            ends_at: Some(now + 6 * HOUR),
        },
        NoticeInput {
            district_ids: vec![quality.id],
            kind: "water_quality".into(),
            cause: "flushing".into(),
            // No figures: read before the menu they would make the demo callers of this
            // district wait through some 30 s of audio (the end-to-end tests' patience).
            figures: Figures::default(),
            title: format!("{}管网冲洗期间水质提示", quality.name),
            body: "管网冲洗后部分用户自来水可能短时发黄或有气泡，属正常现象，放水数分钟即可恢复；\
                   水质检测结果符合国家生活饮用水卫生标准。"
                .into(),
            starts_at: now - 24 * HOUR,
            ends_at: Some(now + 48 * HOUR),
        },
        NoticeInput {
            district_ids: vec![works.id],
            kind: "planned_works".into(),
            cause: "construction".into(),
            figures: Figures::default(),
            title: format!("{}计划停水通知", works.name),
            body: format!(
                "因{works_at}供水管道改造施工，明日8:00至18:00周边区域计划停水，请提前储水。"
            ),
            starts_at: tomorrow + 8 * HOUR,
            ends_at: Some(tomorrow + 18 * HOUR),
        },
    ];
    for n in &list {
        store.create_notice(n, now).await?;
    }
    Ok(list.len() as u64)
}
