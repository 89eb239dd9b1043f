"use strict";
// The district crew's page (/crew), phone-first: the district's dispatched and in-progress
// tickets (overdue first, then priority and the nearest deadline, as the server orders them),
// live from /api/crew/events (a new dispatch shows at once with a sound), and on each ticket
// the crew's own steps: acknowledge, start on site, reply with the result, return with a
// reason. A dispatched ticket with more reports of the same leak (the incident rule's cluster
// or incident, from /api/crew/reports) shows them as one item: the count, the reporters, the
// first marked. Same token rules as the desk: the token in this tab's sessionStorage, sent in the
// Authorization header only; every text from the server goes in as text.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText } = H;

  H.addStrings(
    {
      "crew.title": "片区工单",
      "crew.login.title": "班组登录",
      "crew.list": "待处理工单",
      "crew.none": "暂无待处理工单",
      "crew.who": "{name} · {district}",
      "crew.not_crew": "此页面供片区班组使用；坐席请用工作台 /desk",
      "crew.new": "新派单 #{id}：{kind} {address}",
      "crew.ack": "确认接单",
      "crew.acked": "已确认接单",
      "crew.start": "到场开工",
      "crew.reply": "回复结果",
      "crew.return": "退回中心",
      "crew.result": "处理结果（必填）",
      "crew.reason": "退回原因（必填）",
      "crew.done": "工单 #{id}：{s}",
      "crew.conflict": "操作未生效：工单已变化，当前为“{s}”",
      "crew.gone": "工单 #{id} 已不在本片区待办中",
      "crew.reports": "同一事件共 {n} 起报告",
      "crew.incident": "事件 #{id}：{title}",
      "crew.reporter": "#{id} {time} {address}",
      "crew.reporter.first": "首报人",
      "crew.due.on_site": "到场时限",
      "crew.due.reply": "回复时限",
      "crew.left": "剩余 {d}",
      "crew.late": "已超时 {d}",
      "crew.on_site_at": "到场 {at}",
      "priority.low": "低",
      "priority.normal": "普通",
      "priority.high": "高",
      "priority.urgent": "紧急",
      "status.dispatched": "已派单",
      "status.in_progress": "处理中",
      "status.accepted": "已退回中心",
      "status.replied": "已回复",
    },
    {
      "crew.title": "District work orders",
      "crew.login.title": "Crew login",
      "crew.list": "To do",
      "crew.none": "Nothing to do",
      "crew.who": "{name} · {district}",
      "crew.not_crew": "This page is for district crews; agents use /desk",
      "crew.new": "New dispatch #{id}: {kind} {address}",
      "crew.ack": "Acknowledge",
      "crew.acked": "Acknowledged",
      "crew.start": "Start on site",
      "crew.reply": "Reply",
      "crew.return": "Return",
      "crew.result": "Result (required)",
      "crew.reason": "Reason (required)",
      "crew.done": "Ticket #{id}: {s}",
      "crew.conflict": "Not done: the ticket changed; it is now “{s}”",
      "crew.gone": "Ticket #{id} is no longer on the district's list",
      "crew.reports": "{n} reports of the same event",
      "crew.incident": "Incident #{id}: {title}",
      "crew.reporter": "#{id} {time} {address}",
      "crew.reporter.first": "first reporter",
      "crew.due.on_site": "on site by",
      "crew.due.reply": "reply by",
      "crew.left": "{d} left",
      "crew.late": "{d} late",
      "crew.on_site_at": "on site {at}",
      "priority.low": "low",
      "priority.normal": "normal",
      "priority.high": "high",
      "priority.urgent": "urgent",
      "status.dispatched": "dispatched",
      "status.in_progress": "in progress",
      "status.accepted": "returned to the centre",
      "status.replied": "replied",
    },
  );

  const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
  const C = { me: null, districts: [], tickets: [], live: null, audio: null, acked: new Set(), reports: new Map(), reportsTimer: null };

  function districtName(id) {
    const d = C.districts.find((x) => x.id === id);
    return d ? d.name : "#" + id;
  }

  /** A short tone for a new dispatch (the page was opened by a login click, so audio may play). */
  function beep() {
    try {
      if (!C.audio) C.audio = new AudioContext();
      const osc = C.audio.createOscillator();
      const gain = C.audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(C.audio.destination);
      osc.start();
      osc.stop(C.audio.currentTime + 0.35);
      document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    } catch (_) {
      /* no audio here: the banner still shows */
    }
  }

  function nextDeadline(tk) {
    if (tk.status === "dispatched" && tk.due_on_site_at !== null) return ["on_site", tk.due_on_site_at];
    if (tk.due_reply_at !== null) return ["reply", tk.due_reply_at];
    return null;
  }

  /** The server's order kept when a ticket changes live: overdue, priority, deadline, id. */
  function sortTickets() {
    const key = (tk) => [tk.overdue.length ? 0 : 1, PRIORITY_RANK[tk.priority] ?? 4, tk.due_on_site_at ?? tk.due_reply_at ?? tk.created_at, tk.id];
    C.tickets.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return 0;
    });
  }

  function render() {
    const list = $("crew-list");
    $("crew-count").textContent = String(C.tickets.length);
    list.replaceChildren(...C.tickets.map(card));
    if (!C.tickets.length) list.append(el("li", { class: "empty", text: t("crew.none") }));
    tick();
  }

  function card(tk) {
    const dl = nextDeadline(tk);
    const msg = el("p", { class: "msg", attrs: { role: "alert" }, hidden: true });
    const actions = el("div", { class: "crew-actions" });
    if (tk.status === "dispatched") {
      actions.append(
        el("button", {
          type: "button",
          class: "crew-ack",
          text: C.acked.has(tk.id) ? t("crew.acked") : t("crew.ack"),
          disabled: C.acked.has(tk.id),
          on: { click: () => acknowledge(tk, msg) },
        }),
        el("button", { type: "button", class: "primary crew-start", text: t("crew.start"), on: { click: () => act(tk, "start", null, msg) } }),
        noted(tk, "return", "crew.reason", msg),
      );
    } else if (tk.status === "in_progress") {
      actions.append(noted(tk, "reply", "crew.result", msg));
    }
    return el(
      "li",
      { class: "crew-card" + (tk.overdue.length ? " overdue" : ""), data: { ticket: tk.id, status: tk.status } },
      el(
        "p",
        { class: "crew-head" },
        el("span", { class: "mono", text: "#" + tk.id }),
        " ",
        el("span", { class: "crew-kind", text: H.label("kind", tk.kind) }),
        " ",
        el("span", { class: "badge priority-" + tk.priority, text: H.label("priority", tk.priority) }),
        " ",
        el("span", { class: "badge status-" + tk.status, text: H.label("status", tk.status) }),
      ),
      el("p", { class: "crew-address", text: tk.address || "—" }),
      el("p", { class: "crew-summary", text: H.ticketSummary(tk) }),
      tk.reporter_phone ? el("p", { class: "mono hint" }, el("a", { attrs: { href: "tel:" + tk.reporter_phone }, text: tk.reporter_phone + (tk.reporter_name ? " " + tk.reporter_name : "") })) : null,
      tk.on_site_at ? el("p", { class: "hint", text: t("crew.on_site_at", { at: H.dateTime(tk.on_site_at) }) }) : null,
      reportsOf(tk),
      dl ? el("p", { class: "crew-due", data: { due: String(dl[1]) } }, el("span", { text: t("crew.due." + dl[0]) + " " + H.dateTime(dl[1]) + " · " }), el("span", { class: "crew-left mono" })) : null,
      actions,
      msg,
    );
  }

  /** The reports linked to this dispatched ticket (its cluster or incident): one item, the
   *  reporters listed, the first marked. */
  function reportsOf(tk) {
    const g = C.reports.get(tk.id);
    if (!g) return null;
    return el(
      "details",
      { class: "crew-reports", data: { reports: g.reports, incident: g.incident_id } },
      el(
        "summary",
        { text: (g.incident_id !== null ? t("crew.incident", { id: g.incident_id, title: g.incident_title || "" }) + " · " : "") + t("crew.reports", { n: g.reports }) },
      ),
      el(
        "ol",
        {},
        ...g.reporters.map((r) =>
          el(
            "li",
            { data: { ticket: r.ticket_id, first: r.first ? "true" : "" } },
            el("span", { text: t("crew.reporter", { id: r.ticket_id, time: H.clock(r.reported_at), address: r.address || "—" }) }),
            r.first ? el("span", { class: "badge crew-first", text: " " + t("crew.reporter.first") }) : null,
          ),
        ),
      ),
    );
  }

  /** The reports grouped under the district's dispatched tickets (GET /api/crew/reports). */
  async function loadReports() {
    try {
      const groups = await api("GET", "/api/crew/reports");
      C.reports = new Map(groups.map((g) => [g.ticket_id, g]));
      render();
    } catch (_) {
      // Left as it was: the tickets themselves are still right.
    }
  }

  /** A new report of the district may have joined a ticket's reports: read them again, at
   *  most once a second. */
  function reportsSoon() {
    if (C.reportsTimer) return;
    C.reportsTimer = setTimeout(() => {
      C.reportsTimer = null;
      loadReports();
    }, 1000);
  }

  /** A step that needs a note (the result, the reason): the field and its button. */
  function noted(tk, action, placeholder, msg) {
    const id = "crew-" + action + "-" + tk.id;
    const input = el("input", { attrs: { id, maxlength: "4000", autocomplete: "off", placeholder: t(placeholder), "aria-label": t(placeholder) } });
    input.required = true;
    const form = el("form", { class: "crew-noted", data: { action } }, input, el("button", { type: "submit", class: action === "reply" ? "primary" : "", text: t("crew." + action) }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(tk, action, input.value.trim(), msg);
    });
    return form;
  }

  async function act(tk, action, note, msg) {
    say(msg, "");
    const body = { action, version: tk.version };
    if (note) body.note = note;
    try {
      const after = await api("POST", "/api/tickets/" + tk.id + "/transitions", body);
      upsert(after, after.status === "dispatched" || after.status === "in_progress");
      say($("crew-msg"), t("crew.done", { id: tk.id, s: H.label("status", after.status) }), "ok");
    } catch (err) {
      if (err.status === 409) {
        say(msg, t("crew.conflict", { s: "…" }), "error");
        await reload();
        const now = C.tickets.find((x) => x.id === tk.id);
        say($("crew-msg"), now ? t("crew.conflict", { s: H.label("status", now.status) }) : t("crew.gone", { id: tk.id }), "error");
      } else {
        say(msg, errorText(err), "error");
      }
    }
  }

  async function acknowledge(tk, msg) {
    try {
      await api("POST", "/api/tickets/" + tk.id + "/acknowledge", {});
      C.acked.add(tk.id);
      render();
    } catch (err) {
      say(msg, errorText(err), "error");
    }
  }

  function upsert(tk, onList) {
    const i = C.tickets.findIndex((x) => x.id === tk.id);
    if (!onList) {
      if (i >= 0) C.tickets.splice(i, 1);
    } else if (i >= 0) C.tickets[i] = tk;
    else C.tickets.push(tk);
    sortTickets();
    render();
  }

  async function reload() {
    try {
      C.tickets = await api("GET", "/api/crew/tickets");
      render();
    } catch (err) {
      say($("crew-msg"), errorText(err), "error");
    }
  }

  function onEvent(name, data) {
    if (name === "tickets") {
      C.tickets = data;
      sortTickets();
      render();
      loadReports();
    } else if (name === "ticket") {
      if (data.what === "created" || data.what === "incident") reportsSoon();
      const fresh = data.on_list && !C.tickets.some((x) => x.id === data.ticket.id);
      upsert(data.ticket, data.on_list);
      // New to the district: dispatched by the centre, or dispatched at its creation (the
      // IVR's automatic dispatch: its `created` change already carries the district).
      const dispatched = data.what === "dispatch" || (data.what === "created" && data.ticket.status === "dispatched");
      if (fresh && dispatched) {
        const tk = data.ticket;
        say($("crew-new"), t("crew.new", { id: tk.id, kind: H.label("kind", tk.kind), address: tk.address }), "info");
        $("crew-new").hidden = false;
        const li = document.querySelector(`.crew-card[data-ticket="${tk.id}"]`);
        if (li) li.classList.add("fresh");
        beep();
      }
    }
  }

  /** The countdowns, every second. */
  function tick() {
    const now = H.serverNow();
    document.querySelectorAll(".crew-due").forEach((p) => {
      const due = Number(p.dataset.due);
      const left = p.querySelector(".crew-left");
      const late = now > due;
      left.textContent = late ? t("crew.late", { d: H.duration(now - due) }) : t("crew.left", { d: H.duration(due - now) });
      p.dataset.state = late ? "late" : due - now < 30 * 60000 ? "soon" : "ok";
    });
  }

  function showLogin(message) {
    if (C.live) C.live.stop();
    C.live = null;
    $("crew").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("who").textContent = "";
    say($("login-msg"), message || "", "error");
    $("login-name").focus();
  }

  async function start(agent) {
    C.me = agent;
    if (agent.role !== "crew") {
      await H.logout();
      showLogin(t("crew.not_crew"));
      return;
    }
    $("login").hidden = true;
    $("crew").hidden = false;
    $("logout").hidden = false;
    try {
      C.districts = await api("GET", "/api/districts");
    } catch (_) {
      C.districts = [];
    }
    $("who").textContent = t("crew.who", { name: agent.name, district: districtName(agent.district_id) });
    C.live = H.live(onEvent, (status, detail) => H.liveStatus($("live"), status, detail), "/api/crew/events");
  }

  function init() {
    H.applyStrings(document);
    H.langButton($("lang"));
    H.onLang(() => {
      document.title = t("crew.title") + " · hotline";
      if (C.me) $("who").textContent = t("crew.who", { name: C.me.name, district: districtName(C.me.district_id) });
      render();
    });
    document.title = t("crew.title") + " · hotline";
    H.onUnauthorized(() => showLogin(t("err.session")));
    H.loginForm($("login-form"), $("login-msg"), start);
    $("logout").addEventListener("click", async () => {
      await H.logout();
      showLogin("");
    });
    setInterval(tick, 1000);
    H.resume(start, showLogin);
  }

  document.addEventListener("DOMContentLoaded", init);
})();
