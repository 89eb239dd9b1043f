"use strict";
// What supervisors must see of missed deadlines, on the wall and on supervisors' desks: a
// banner for each ticket the escalation sweep raises (the live `escalation` events, newest
// first, each dismissed by hand), and the wall's panel of urgent tickets nobody has reached
// on site yet, with their on-site countdowns ticking each second. Shared by wall.js and
// desk.js through `Hotline.escalations`; everything from the server is put on the page as text.

(() => {
  const H = Hotline;
  const { t, el } = H;

  H.addStrings(
    {
      "esc.title": "工单升级",
      "esc.line": "工单 #{id} 已升级至 {level} 级：{kind} · {priority} · {district} · {what}",
      "esc.dismiss": "知道了",
      "esc.priority.urgent": "紧急",
      "esc.priority.high": "高",
      "esc.priority.normal": "普通",
      "esc.priority.low": "低",
      "esc.overdue.on_site": "到场超时",
      "esc.overdue.reply": "回复超时",
      "esc.overdue.follow_up": "回访超时",
      "esc.reason.dispatch_unacknowledged": "片区调度电话未确认",
      "esc.no_district": "未定区域",
      "urgent.title": "紧急工单（未到场）",
      "urgent.none": "没有未到场的紧急工单",
      "urgent.left": "剩余 {d}",
      "urgent.late": "已超时 {d}",
      "urgent.item": "#{id} {kind} · {district} · {address}",
    },
    {
      "esc.title": "Escalations",
      "esc.line": "Ticket #{id} escalated to level {level}: {kind} · {priority} · {district} · {what}",
      "esc.dismiss": "Dismiss",
      "esc.priority.urgent": "urgent",
      "esc.priority.high": "high",
      "esc.priority.normal": "normal",
      "esc.priority.low": "low",
      "esc.overdue.on_site": "on-site overdue",
      "esc.overdue.reply": "reply overdue",
      "esc.overdue.follow_up": "follow-up overdue",
      "esc.reason.dispatch_unacknowledged": "the district's dispatch phone did not acknowledge",
      "esc.no_district": "no district",
      "urgent.title": "Urgent tickets not yet on site",
      "urgent.none": "No urgent ticket waiting for a crew",
      "urgent.left": "{d} left",
      "urgent.late": "{d} late",
      "urgent.item": "#{id} {kind} · {district} · {address}",
    },
  );

  /** Banners kept at most. */
  const KEEP = 5;

  const E = {
    list: [], // escalation events, newest first (one per ticket: its latest level)
    districts: new Map(), // id -> name
  };

  async function loadDistricts() {
    try {
      (await H.api("GET", "/api/districts")).forEach((d) => E.districts.set(d.id, d.name));
    } catch (_) {
      /* ids shown instead */
    }
  }

  function districtName(id) {
    if (id === null || id === undefined) return t("esc.no_district");
    return E.districts.get(id) || "#" + id;
  }

  /** A live `escalation` event: its banner goes on top (replacing the ticket's older one). */
  function add(data) {
    if (!data || typeof data.ticket_id !== "number") return;
    E.list = [data, ...E.list.filter((x) => x.ticket_id !== data.ticket_id)].slice(0, KEEP);
  }

  function renderBanner(box) {
    box.replaceChildren(
      ...E.list.map((e) => {
        const what = e.reason ? H.label("esc.reason", e.reason) : (e.overdue || []).map((m) => H.label("esc.overdue", m)).join("、");
        const line = t("esc.line", {
          id: e.ticket_id,
          level: e.level,
          kind: H.label("kind", e.kind),
          priority: H.label("esc.priority", e.priority),
          district: districtName(e.district_id),
          what: what || "—",
        });
        const dismiss = el("button", {
          type: "button",
          class: "quiet small",
          text: t("esc.dismiss"),
          on: {
            click: () => {
              E.list = E.list.filter((x) => x !== e);
              renderBanner(box);
            },
          },
        });
        return el("p", { class: "esc esc-" + e.level, attrs: { "data-ticket": String(e.ticket_id), "data-level": String(e.level) } }, el("span", { text: "⚠ " + line }), " ", dismiss);
      }),
    );
    box.hidden = E.list.length === 0;
  }

  /** The wall's panel: `tickets` (urgent, not on site), nearest deadline first. */
  function renderUrgent(list, tickets) {
    list.replaceChildren();
    if (!tickets || !tickets.length) {
      list.append(el("li", { class: "empty", text: t("urgent.none") }));
      return;
    }
    tickets.forEach((tk) => {
      const left = el("span", { class: "countdown mono", attrs: { "data-due": String(tk.due_on_site_at) } });
      const text = t("urgent.item", { id: tk.id, kind: H.label("kind", tk.kind), district: districtName(tk.district_id), address: tk.address || "—" });
      list.append(el("li", { class: "urgent-item", attrs: { "data-ticket": String(tk.id) } }, el("span", { text }), " ", left, tk.escalation_level > 0 ? el("span", { class: "badge esc-level", text: "L" + tk.escalation_level }) : null));
    });
    tickUrgent(list);
  }

  /** Each countdown, now. */
  function tickUrgent(list) {
    const now = H.serverNow();
    list.querySelectorAll(".countdown[data-due]").forEach((c) => {
      const due = Number(c.dataset.due);
      const late = now > due;
      c.textContent = late ? t("urgent.late", { d: H.duration(now - due) }) : t("urgent.left", { d: H.duration(due - now) });
      c.dataset.late = late ? "1" : "0";
    });
  }

  H.escalations = { add, loadDistricts, renderBanner, renderUrgent, tickUrgent };
})();
