//! The word lists of the demo city: Chinese surnames weighted by how common they are, given
//! name characters, a few English names, roads and housing estates, organisations for the key
//! accounts, and phone numbers (mobiles 13x/15x/18x, landlines with the city's area code).

use rand::rngs::StdRng;
use rand::Rng;

/// Surnames with their rough share (per mille) of the population.
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 22), ("赵", 20),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 12),
    ("何", 12), ("林", 11), ("高", 11), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6),
    ("田", 5), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5),
    ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4),
    ("卢", 4), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3), ("范", 3), ("金", 3),
    ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2),
    ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("欧阳", 1), ("司马", 1), ("上官", 1),
    ("诸葛", 1),
];

/// Characters of given names.
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "建", "国", "文", "辉", "鹏",
    "飞", "斌", "宇", "浩", "凯", "婷", "雪", "琳", "晨", "欣", "怡", "佳", "俊", "志", "海", "林",
    "波", "峰", "兰", "凤", "梅", "云", "亮", "成", "春", "东", "丹", "玲", "燕", "莉", "宁", "新",
    "昊", "睿", "子", "梓", "涵", "轩", "博", "彬", "嘉", "瑞", "德", "永", "福", "荣", "庆", "秋",
    "金", "淑", "惠", "慧", "然", "阳", "思", "雨", "泽", "航",
];

const EN_FIRST: &[&str] = &[
    "James", "Mary", "David", "Sarah", "Michael", "Emma", "Daniel", "Anna", "Thomas", "Laura",
    "Peter", "Julia", "Mark", "Sophie", "Paul", "Olivia", "John", "Claire",
];
const EN_LAST: &[&str] = &[
    "Smith", "Miller", "Brown", "Wilson", "Taylor", "Martin", "Müller", "Schmidt", "Dubois",
    "Rossi", "Kim", "Tanaka", "Johnson", "Garcia", "Novak", "Andersen",
];

/// Road names without their suffix.
const ROADS: &[&str] = &[
    "解放", "人民", "中山", "建设", "和平", "新华", "胜利", "文化", "朝阳", "长江", "黄河", "北京",
    "上海", "南京", "东风", "跃进", "光明", "幸福", "青年", "学府", "科技", "创业", "滨江", "沿河",
    "望湖", "桂花", "梧桐", "银杏", "紫荆", "东湖", "西湖", "五一", "八一", "工业", "环城", "迎宾",
    "府前", "育才", "健康", "振兴",
];
const ROAD_SUFFIXES: &[(&str, u32)] = &[("路", 6), ("街", 3), ("大道", 1)];

const ESTATES: &[&str] = &[
    "幸福家园",
    "阳光花园",
    "锦绣苑",
    "翠湖小区",
    "金色家园",
    "碧桂园",
    "丽景湾",
    "华府",
    "滨江名苑",
    "和谐家园",
    "紫荆花园",
    "康乐新村",
    "水岸人家",
    "书香苑",
    "东方明珠苑",
];

/// Words organisations are named after.
const TRADE_NAMES: &[&str] = &[
    "华润", "恒达", "金泰", "宏图", "鑫源", "永盛", "隆基", "中联", "天宇", "瑞丰", "新奥", "长城",
    "海鸥", "百川", "正大", "华美", "东方", "明珠", "兴业", "泰和",
];
/// Kinds of large water users.
const ORG_KINDS: &[&str] = &[
    "食品有限公司",
    "啤酒有限公司",
    "饮料有限公司",
    "纺织印染有限公司",
    "造纸有限公司",
    "制药股份有限公司",
    "化工有限公司",
    "热电有限公司",
    "酒店管理有限公司",
    "物业管理有限公司",
    "钢铁有限公司",
    "电子科技有限公司",
    "水处理有限公司",
    "建材有限公司",
];
const INSTITUTIONS: &[&str] = &[
    "人民医院",
    "中医院",
    "妇幼保健院",
    "大学",
    "职业技术学院",
    "体育中心",
];

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189",
];

/// The city's telephone area code.
pub(super) const AREA_CODE: &str = "020";

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    // The same draw as indexing would make: the demo data stays what it was.
    list.get(rng.random_range(0..list.len()))
        .copied()
        .unwrap_or_default()
}

fn weighted<'a>(rng: &mut StdRng, list: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (s, w) in list {
        if x < *w {
            return s;
        }
        x -= w;
    }
    list.first().map_or("", |f| f.0)
}

/// A Chinese personal name: a weighted surname and one or two given-name characters.
pub(super) fn chinese_name(rng: &mut StdRng) -> String {
    let mut s = weighted(rng, SURNAMES).to_string();
    s.push_str(pick(rng, GIVEN));
    if rng.random_bool(0.7) {
        s.push_str(pick(rng, GIVEN));
    }
    s
}

/// The name of a foreign resident (whose hotline language is English).
pub(super) fn english_name(rng: &mut StdRng) -> String {
    format!("{} {}", pick(rng, EN_FIRST), pick(rng, EN_LAST))
}

/// An organisation using a lot of water: a company or a public institution.
pub(super) fn organisation(rng: &mut StdRng, district: &str) -> String {
    if rng.random_bool(0.25) {
        let place = if rng.random_bool(0.5) {
            district.trim_end_matches('区')
        } else {
            "市"
        };
        format!("{place}{}", pick(rng, INSTITUTIONS))
    } else {
        format!(
            "{}{}{}",
            pick(rng, TRADE_NAMES),
            pick(rng, TRADE_NAMES),
            pick(rng, ORG_KINDS)
        )
    }
}

/// A street address: road, number.
pub(super) fn street(rng: &mut StdRng, district: &str) -> String {
    let road = pick(rng, ROADS);
    let suffix = weighted(rng, ROAD_SUFFIXES);
    format!("{district}{road}{suffix}{}号", rng.random_range(1..400))
}

/// A flat: street, maybe an estate, building, unit, floor and room.
pub(super) fn home_address(rng: &mut StdRng, district: &str) -> String {
    let mut s = street(rng, district);
    if rng.random_bool(0.6) {
        s.push_str(pick(rng, ESTATES));
    }
    let building = rng.random_range(1..=30);
    let unit = rng.random_range(1..=6);
    let floor = rng.random_range(1..=33);
    let room = rng.random_range(1..=4);
    s.push_str(&format!("{building}栋{unit}单元{floor}{room:02}室"));
    s
}

/// An 11-digit mobile number.
pub(super) fn mobile(rng: &mut StdRng) -> String {
    format!(
        "{}{:08}",
        pick(rng, MOBILE_PREFIXES),
        rng.random_range(0..100_000_000u32)
    )
}

/// An 11-digit landline number: area code and an 8-digit local number.
pub(super) fn landline(rng: &mut StdRng) -> String {
    format!(
        "{AREA_CODE}{}{:07}",
        rng.random_range(3..=8u32),
        rng.random_range(0..10_000_000u32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_and_numbers_have_the_expected_shape() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..500 {
            let n = chinese_name(&mut rng);
            assert!((2..=4).contains(&n.chars().count()), "{n}");
            let m = mobile(&mut rng);
            assert_eq!(m.len(), 11);
            assert!(m.starts_with("13") || m.starts_with("15") || m.starts_with("18"));
            let l = landline(&mut rng);
            assert_eq!(l.len(), 11);
            assert!(l.starts_with(AREA_CODE));
            let a = home_address(&mut rng, "城东区");
            assert!(a.starts_with("城东区") && a.ends_with('室'), "{a}");
        }
    }

    #[test]
    fn common_surnames_come_first() {
        let mut rng = StdRng::seed_from_u64(1);
        let wang = (0..10_000)
            .filter(|_| chinese_name(&mut rng).starts_with('王'))
            .count();
        // 王 is about 7 % of the weights.
        assert!((500..1000).contains(&wang), "{wang}");
    }
}
