"use strict";
// The supervisors' wallboard (/wall): a tile per queue and a row per agent, live from the
// `overview` events (every 2 s) and agent state events, with today's and the last 15 minutes'
// figures from GET /api/wallboard (polled every 5 s). Without /api/wallboard (404, or 403 for
// an agent) it shows what the overview gives: live figures and counters since the engine
// started. Supervisors can set an agent's state; the audit trail of forced states
// (GET /api/audit) is listed below. Escalations: a banner for each ticket raised (live) and
// the panel of urgent tickets not yet on site with countdowns (from /api/wallboard), drawn by
// escalate.js. Incidents: the open ones with their reports and calls, and the calls per
// district of the last 15 minutes (the spike), both from /api/wallboard.
// Supervision: on the row of an agent on a call, a supervisor (or admin) listens, whispers or
// barges in (PUT /api/acd/agents/{id}/monitor: the engine rings the supervisor's own phone
// and joins it to the call once answered; asked again, the mode changes) and leaves (DELETE).
// The page keeps which agent it monitors in what mode (the API has no list of it): until
// "Leave", or until that agent is no longer on a call (the call's end ends the monitoring).
// A refusal (phone not registered, no call, busy) is shown above the table in words.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "wall.title": "班长监控墙",
      "wall.notices": "停水停电公告",
      "wall.reports": "报表",
      "wall.calls": "通话录音",
      "wall.qa": "质检",
      "wall.campaigns": "外呼活动",
      "wall.who": "{name} · 工号 {staff}",
      "wall.queues": "队列",
      "wall.agents": "坐席",
      "wall.overdue": "超时工单（按区域）",
      "wall.ivr": "语音自助",
      "wall.ivr.none": "统计接口不可用",
      "ivr.calls": "语音导航来电",
      "ivr.self_served": "自助办结",
      "ivr.transferred": "转人工",
      "ivr.abandoned": "未办理挂机",
      "ivr.unserved": "未办理结束",
      "ivr.containment_percent": "自助率",
      "wall.audit": "强制状态记录",
      "wall.audit.none": "暂无",
      "wall.audit.item": "{time} {actor} → {target}：{detail}",
      "wall.audit.applied": "已生效",
      "wall.audit.refused": "未生效",
      "wall.overdue.none": "没有超时工单",
      "wall.reasons": "今日来电原因",
      "wall.reasons.none": "今天还没有记录来电原因",
      "wall.incidents": "进行中的事件",
      "wall.incidents.page": "事件",
      "wall.incidents.manage": "开启或关闭事件",
      "wall.incidents.none": "没有进行中的事件",
      "wall.incident.counts": "报告 {reports} · 来电 {calls}",
      "wall.incident.meta": "{district} · {time} 由 {by} 开启",
      "wall.incident.rule": "规则",
      "wall.incident.first": "首报人 {phone}",
      "wall.incident.ticket": "派单 #{id}",
      "wall.spike": "近 15 分钟各区域来电",
      "wall.spike.none": "近 15 分钟没有可归属区域的来电",
      "wall.source.board": "实时概览每 2 秒更新，当日统计每 5 秒更新（{time}）",
      "wall.source.overview": "仅实时概览：统计接口不可用（{why}）；计数为引擎启动以来",
      "wall.source.wait": "等待数据…",
      "wall.role": "您不是班长：只显示实时概览，不能改变坐席状态",
      "q.waiting": "排队",
      "q.longest_wait_ms": "最长等待",
      "q.expected_wait_ms": "预计等待",
      "q.agents_ready": "就绪坐席",
      "q.agents_available": "在线坐席",
      "q.ringing": "振铃中",
      "q.today": "今日",
      "q.last15": "近 15 分钟",
      "q.since_start": "引擎启动以来",
      "s.offered": "呼入",
      "s.answered": "接通",
      "s.answered_within_sl": "及时接通",
      "s.service_level_percent": "服务水平",
      "s.sl_target": "服务水平（{p}%/{s}秒）",
      "s.abandoned": "放弃",
      "s.short_abandoned": "短时放弃",
      "s.average_speed_of_answer_ms": "平均应答",
      "s.average_handle_ms": "平均处理",
      "s.agent_offers": "分配次数",
      "s.no_answers": "未接",
      "wall.a.staff": "工号",
      "wall.a.name": "姓名",
      "wall.a.state": "状态",
      "wall.a.time": "时长",
      "wall.a.detail": "说明",
      "wall.a.phone": "话机",
      "wall.a.calls": "接听",
      "wall.a.rating": "评分",
      "wall.a.force": "强制状态",
      "wall.a.registered": "已注册",
      "wall.a.unregistered": "未注册",
      "wall.a.wrap": "{s} 后结束",
      "wall.a.wrap_reasons": "待填来电原因",
      "wall.a.call": "通话 {c}",
      "wall.force.set": "设置",
      "wall.force.ready": "就绪",
      "wall.force.break": "示忙：小休",
      "wall.force.meeting": "示忙：会议",
      "wall.force.training": "示忙：培训",
      "wall.force.login": "签入",
      "wall.force.logout": "签出",
      "wall.force.label": "{name} 的新状态",
      "wall.force.done": "{name}：{state}",
      "wall.force.error": "{name}：{err}",
      "wall.a.monitor": "监听",
      "wall.mon.listen": "监听",
      "wall.mon.whisper": "耳语",
      "wall.mon.barge": "强插",
      "wall.mon.leave": "退出",
      "wall.mon.group": "监听 {name} 的通话",
      "wall.mon.mode.listen": "监听中",
      "wall.mon.mode.whisper": "耳语中",
      "wall.mon.mode.barge": "强插中",
      "wall.mon.started": "{name}：{mode}。引擎正在呼叫您的话机，接起后加入通话",
      "wall.mon.changed": "{name}：已切换为{mode}",
      "wall.mon.left": "已退出 {name} 的通话",
      "wall.mon.ended": "{name} 的通话已结束，监听随之结束",
      "wall.mon.error": "{name}：{why}（{err}）",
      "wall.mon.why.phone_offline": "您的话机未注册，无法监听：请先让话机注册（引擎会呼叫您的话机）",
      "wall.mon.why.no_call": "该坐席现在没有可监听的通话",
      "wall.mon.why.busy": "您正在通话，或正在监听另一通电话",
      "wall.mon.why.forbidden": "您不能监听该坐席",
      "wall.mon.why.other": "未能监听",
      "reason.monitoring": "监听中",
    },
    {
      "wall.title": "Supervisor wallboard",
      "wall.notices": "Outage notices",
      "wall.reports": "Reports",
      "wall.calls": "Calls and recordings",
      "wall.qa": "Quality",
      "wall.campaigns": "Outbound campaigns",
      "wall.who": "{name} · staff no. {staff}",
      "wall.queues": "Queues",
      "wall.agents": "Agents",
      "wall.overdue": "Overdue tickets by district",
      "wall.ivr": "IVR self-service",
      "wall.ivr.none": "Statistics not available",
      "ivr.calls": "calls through the IVR",
      "ivr.self_served": "self-served",
      "ivr.transferred": "to an agent",
      "ivr.abandoned": "hung up, nothing done",
      "ivr.unserved": "ended, nothing done",
      "ivr.containment_percent": "containment",
      "wall.audit": "Forced states (audit)",
      "wall.audit.none": "None",
      "wall.audit.item": "{time} {actor} → {target}: {detail}",
      "wall.audit.applied": "applied",
      "wall.audit.refused": "refused",
      "wall.overdue.none": "No overdue tickets",
      "wall.reasons": "Today's calls by reason",
      "wall.reasons.none": "No call reasons recorded today",
      "wall.incidents": "Active incidents",
      "wall.incidents.page": "Incidents",
      "wall.incidents.manage": "Open or close incidents",
      "wall.incidents.none": "No active incidents",
      "wall.incident.counts": "{reports} reports · {calls} calls",
      "wall.incident.meta": "{district} · opened {time} by {by}",
      "wall.incident.rule": "the rule",
      "wall.incident.first": "first reporter {phone}",
      "wall.incident.ticket": "dispatched #{id}",
      "wall.spike": "Calls per district, last 15 minutes",
      "wall.spike.none": "No calls with a known district in the last 15 minutes",
      "wall.source.board": "Live figures every 2 s, today's statistics every 5 s ({time})",
      "wall.source.overview": "Live overview only: the statistics are not available ({why}); counters since the engine started",
      "wall.source.wait": "Waiting for data…",
      "wall.role": "You are not a supervisor: live overview only, agents' states cannot be changed",
      "q.waiting": "Waiting",
      "q.longest_wait_ms": "Longest wait",
      "q.expected_wait_ms": "Expected wait",
      "q.agents_ready": "Agents ready",
      "q.agents_available": "Agents on",
      "q.ringing": "Ringing",
      "q.today": "Today",
      "q.last15": "Last 15 minutes",
      "q.since_start": "Since the engine started",
      "s.offered": "Offered",
      "s.answered": "Answered",
      "s.answered_within_sl": "Within SL",
      "s.service_level_percent": "Service level",
      "s.sl_target": "SL ({p}% in {s} s)",
      "s.abandoned": "Abandoned",
      "s.short_abandoned": "Short abandons",
      "s.average_speed_of_answer_ms": "Avg. answer",
      "s.average_handle_ms": "Avg. handling",
      "s.agent_offers": "Offers",
      "s.no_answers": "Not answered",
      "wall.a.staff": "Staff no.",
      "wall.a.name": "Name",
      "wall.a.state": "State",
      "wall.a.time": "For",
      "wall.a.detail": "Detail",
      "wall.a.phone": "Phone",
      "wall.a.calls": "Calls",
      "wall.a.rating": "Rating",
      "wall.a.force": "Set state",
      "wall.a.registered": "registered",
      "wall.a.unregistered": "not registered",
      "wall.a.wrap": "ends in {s}",
      "wall.a.wrap_reasons": "reasons owed",
      "wall.a.call": "call {c}",
      "wall.force.set": "Set",
      "wall.force.ready": "Ready",
      "wall.force.break": "Not ready: break",
      "wall.force.meeting": "Not ready: meeting",
      "wall.force.training": "Not ready: training",
      "wall.force.login": "Log in",
      "wall.force.logout": "Log out",
      "wall.force.label": "New state for {name}",
      "wall.force.done": "{name}: {state}",
      "wall.force.error": "{name}: {err}",
      "wall.a.monitor": "Monitor",
      "wall.mon.listen": "Listen",
      "wall.mon.whisper": "Whisper",
      "wall.mon.barge": "Barge",
      "wall.mon.leave": "Leave",
      "wall.mon.group": "Monitor the call of {name}",
      "wall.mon.mode.listen": "listening",
      "wall.mon.mode.whisper": "whispering",
      "wall.mon.mode.barge": "barged in",
      "wall.mon.started": "{name}: {mode}. The engine is ringing your phone: answer it to join the call",
      "wall.mon.changed": "{name}: now {mode}",
      "wall.mon.left": "Left the call of {name}",
      "wall.mon.ended": "The call of {name} ended, and the monitoring with it",
      "wall.mon.error": "{name}: {why} ({err})",
      "wall.mon.why.phone_offline": "your phone is not registered, so it cannot be rung to monitor: register it first",
      "wall.mon.why.no_call": "this agent has no call to monitor now",
      "wall.mon.why.busy": "you are on a call or monitoring another one",
      "wall.mon.why.forbidden": "you may not monitor this agent",
      "wall.mon.why.other": "monitoring refused",
      "reason.monitoring": "monitoring",
    },
  );

  const BOARD_EVERY = 5000;
  const MONITOR_KEY = "hotline.monitor";
  const MODES = ["listen", "whisper", "barge"];
  const BOARD_RETRY = 30000;
  const FALLBACK_EVERY = 30000;

  const W = {
    me: null,
    overview: null,
    board: null,
    boardStatus: "wait", // wait | ok | unavailable
    boardWhy: "",
    agents: new Map(), // id -> {id, state, registered, calls_handled}
    people: new Map(), // id -> {name, staff_no, rating}
    overdue: null, // [{district_id, district, overdue}]
    audit: null, // [AuditEvent], newest first (supervisors)
    rows: new Map(), // id -> row elements
    monitor: null, // {agent, mode}: the call this supervisor monitors (kept in the tab)
    live: null,
    timers: [],
  };

  // ---- login -------------------------------------------------------------------------------

  function showLogin(message) {
    stopAll();
    $("wall").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("who").textContent = "";
    say($("login-msg"), message || "", "error");
    $("login-name").focus();
  }

  function stopAll() {
    if (W.live) W.live.stop();
    W.live = null;
    W.timers.forEach((x) => clearTimeout(x));
    W.timers = [];
  }

  function start(agent) {
    W.me = agent;
    W.monitor = keptMonitor();
    $("login").hidden = true;
    $("wall").hidden = false;
    $("logout").hidden = false;
    renderWho();
    if (agent.role === "agent") say($("wall-msg"), t("wall.role"), "info");
    W.live = H.live(onEvent, (status, detail) => H.liveStatus($("live"), status, detail));
    H.escalations.loadDistricts().then(() => renderUrgent());
    pollBoard();
    W.timers.push(setInterval(tick, 1000));
    tick();
  }

  function renderWho() {
    if (W.me) $("who").textContent = t("wall.who", { name: W.me.name, staff: W.me.staff_no });
  }

  // ---- data --------------------------------------------------------------------------------

  function onEvent(name, data) {
    if (name === "overview") {
      H.learnServerTime(data.at);
      W.overview = data;
      mergeAgents(data.agents || [], data.at);
      render();
    } else if (name === "agent_state") {
      mergeAgent({ id: data.agent, state: data.state });
      renderAgents();
    } else if (name === "escalation") {
      H.escalations.add(data);
      H.escalations.renderBanner($("esc-banner"));
    }
  }

  /** Takes an agent's state unless it is older than the one shown. */
  function mergeAgent(a) {
    const cur = W.agents.get(a.id);
    if (cur && cur.state && a.state && a.state.since < cur.state.since) {
      // Older state; the counters may still be newer.
      if (a.calls_handled !== undefined) cur.calls_handled = Math.max(cur.calls_handled || 0, a.calls_handled);
      if (a.registered !== undefined) cur.registered = a.registered;
      return;
    }
    W.agents.set(a.id, {
      id: a.id,
      state: a.state || (cur && cur.state),
      registered: a.registered !== undefined ? a.registered : cur && cur.registered,
      calls_handled: a.calls_handled !== undefined ? a.calls_handled : cur && cur.calls_handled,
    });
  }

  function mergeAgents(list) {
    list.forEach(mergeAgent);
  }

  async function pollBoard() {
    let next = BOARD_EVERY;
    try {
      const b = await api("GET", "/api/wallboard");
      W.board = b;
      W.boardStatus = "ok";
      H.learnServerTime(b.at);
      (b.agents || []).forEach((a) => W.people.set(a.id, { name: a.name, staff_no: a.staff_no, rating: a.rating, role: a.role }));
      mergeAgents(b.agents || []);
      W.overdue = b.overdue_by_district || [];
      loadAudit();
    } catch (err) {
      if (err.status === 401) return;
      W.board = null;
      W.boardStatus = "unavailable";
      W.boardWhy = errorText(err);
      next = err.status === 404 || err.status === 403 ? BOARD_RETRY : BOARD_EVERY;
      loadFallback();
    }
    render();
    if (W.live) W.timers.push(setTimeout(pollBoard, next));
  }

  let fallbackAt = 0;
  // Without the wallboard endpoint: names from /api/agents (supervisors) and overdue tickets
  // counted from /api/tickets, every 30 s.
  async function loadFallback() {
    if (Date.now() - fallbackAt < FALLBACK_EVERY) return;
    fallbackAt = Date.now();
    try {
      const people = await api("GET", "/api/agents");
      people.forEach((a) => W.people.set(a.id, { name: a.name, staff_no: a.staff_no, rating: a.rating, role: a.role }));
    } catch (_) {
      /* agents may not list agents */
    }
    try {
      const [tickets, districts] = await Promise.all([api("GET", "/api/tickets" + query({ overdue: "true", limit: 500 })), api("GET", "/api/districts")]);
      const byId = new Map();
      tickets.forEach((tk) => {
        const k = tk.district_id === null ? -1 : tk.district_id;
        byId.set(k, (byId.get(k) || 0) + 1);
      });
      W.overdue = [...byId.entries()].map(([id, n]) => {
        const d = districts.find((x) => x.id === id);
        return { district_id: id < 0 ? null : id, district: d ? d.name : "—", overdue: n };
      });
    } catch (_) {
      W.overdue = null;
    }
    render();
  }

  // ---- rendering ---------------------------------------------------------------------------

  function newest() {
    const ov = W.overview;
    const b = W.board;
    if (b && (!ov || b.at >= ov.at)) return b;
    return ov;
  }

  function fig(field, value, text, lbl, cls, level) {
    return el(
      "div",
      { class: "fig" + (cls ? " " + cls : ""), data: { field, value: value === null || value === undefined ? "" : value, level: level || "" } },
      el("span", { class: "num", text }),
      el("span", { class: "lbl", text: lbl }),
    );
  }

  function pct(v) {
    return v === null || v === undefined ? "—" : Math.round(v * 10) / 10 + "%";
  }

  function statFigs(prefix, s, target) {
    if (!s) return [];
    const sl = s.service_level_percent;
    const slLevel = sl === null || sl === undefined ? "" : target && sl < target[0] ? "bad" : "good";
    return [
      fig(prefix + ".offered", s.offered, String(s.offered), t("s.offered")),
      fig(prefix + ".answered", s.answered, String(s.answered), t("s.answered")),
      fig(
        prefix + ".service_level_percent",
        sl,
        pct(sl),
        target ? t("s.sl_target", { p: target[0], s: target[1] }) : t("s.service_level_percent"),
        "",
        slLevel,
      ),
      fig(prefix + ".abandoned", s.abandoned, String(s.abandoned), t("s.abandoned"), "", s.abandoned > 0 ? "warn" : ""),
      fig(prefix + ".average_speed_of_answer_ms", s.average_speed_of_answer_ms, H.duration(s.average_speed_of_answer_ms), t("s.average_speed_of_answer_ms")),
      fig(prefix + ".average_handle_ms", s.average_handle_ms, H.duration(s.average_handle_ms), t("s.average_handle_ms")),
    ];
  }

  function counterFigs(c) {
    if (!c) return [];
    return [
      fig("counters.offered", c.offered, String(c.offered), t("s.offered")),
      fig("counters.answered", c.answered, String(c.answered), t("s.answered")),
      fig("counters.answered_within_sl", c.answered_within_sl, String(c.answered_within_sl), t("s.answered_within_sl")),
      fig("counters.abandoned", c.abandoned, String(c.abandoned), t("s.abandoned"), "", c.abandoned > 0 ? "warn" : ""),
      fig("counters.short_abandoned", c.short_abandoned, String(c.short_abandoned), t("s.short_abandoned")),
      fig("counters.no_answers", c.no_answers, String(c.no_answers), t("s.no_answers")),
    ];
  }

  function renderTiles() {
    const src = newest();
    const box = $("tiles");
    if (!src) {
      box.replaceChildren(el("p", { class: "empty", text: t("wall.source.wait") }));
      return;
    }
    const tiles = (src.queues || []).map((q) => {
      const bq = W.board && (W.board.queues || []).find((x) => x.name === q.name);
      const oq = W.overview && (W.overview.queues || []).find((x) => x.name === q.name);
      const longest = q.longest_wait_ms || 0;
      const alert = q.waiting > 0 ? (longest >= 60000 ? "2" : "1") : "0";
      const waitLevel = q.waiting === 0 ? "good" : longest >= 60000 ? "bad" : "warn";
      const tile = el(
        "article",
        { class: "tile", data: { queue: q.name, alert }, attrs: { "aria-label": H.label("queue", q.name) } },
        el("h3", {}, el("span", { text: H.label("queue", q.name) }), el("span", { class: "qcode mono", text: q.name })),
        el(
          "div",
          { class: "figs" },
          fig("waiting", q.waiting, String(q.waiting), t("q.waiting"), "hero", waitLevel),
          fig("longest_wait_ms", longest, H.duration(longest), t("q.longest_wait_ms"), "", longest >= 60000 ? "bad" : ""),
          fig("expected_wait_ms", q.expected_wait_ms, q.expected_wait_ms === null || q.expected_wait_ms === undefined ? "—" : H.duration(q.expected_wait_ms), t("q.expected_wait_ms")),
          fig("agents_ready", q.agents_ready, String(q.agents_ready), t("q.agents_ready"), "", q.agents_ready === 0 ? "warn" : ""),
          fig("agents_available", q.agents_available, String(q.agents_available), t("q.agents_available")),
          oq ? fig("ringing", oq.ringing, String(oq.ringing), t("q.ringing")) : null,
        ),
      );
      if (bq) {
        tile.append(el("p", { class: "stats-title", text: t("q.today") }), el("div", { class: "figs stats" }, ...statFigs("today", bq.today, bq.service_level_target)));
        if (bq.last_15_min) tile.append(el("p", { class: "stats-title", text: t("q.last15") }), el("div", { class: "figs stats recent" }, ...statFigs("last_15_min", bq.last_15_min, bq.service_level_target)));
      } else if (oq) {
        tile.append(el("p", { class: "stats-title", text: t("q.since_start") }), el("div", { class: "figs stats" }, ...counterFigs(oq.counters)));
      }
      return tile;
    });
    box.replaceChildren(...tiles);
  }

  function forceOptions() {
    return [
      ["ready", "wall.force.ready"],
      ["not_ready:break", "wall.force.break"],
      ["not_ready:meeting", "wall.force.meeting"],
      ["not_ready:training", "wall.force.training"],
      ["logged_in", "wall.force.login"],
      ["logged_out", "wall.force.logout"],
    ].map(([v, k]) => el("option", { value: v, text: t(k) }));
  }

  function personName(id) {
    const p = W.people.get(id);
    return p ? p.name : "#" + id;
  }

  function makeRow(id) {
    const cells = {
      staff: el("td", { class: "mono" }),
      name: el("td", {}),
      state: el("span", { class: "st" }),
      time: el("td", { class: "mono" }),
      detail: el("td", {}),
      phone: el("td", { class: "reg" }),
      calls: el("td", { class: "num", data: { field: "calls_handled" } }),
      rating: el("td", { class: "num" }),
    };
    const sel = el("select", { attrs: { id: "force-" + id } }, ...forceOptions());
    const label = el("label", { class: "sr-only", attrs: { for: "force-" + id } });
    const button = el("button", { type: "button", data: { i18n: "wall.force.set" }, text: t("wall.force.set"), on: { click: () => force(id, sel.value) } });
    const mon = {
      box: el("div", { class: "monitor", attrs: { role: "group" } }),
      mode: el("span", { class: "mon-mode", attrs: { "aria-live": "polite" } }),
      buttons: MODES.map((m) =>
        el("button", { type: "button", class: "small", i18n: "wall.mon." + m, data: { mode: m }, attrs: { "aria-pressed": "false" }, on: { click: () => monitor(id, m) } }),
      ),
      leave: el("button", { type: "button", class: "small danger", i18n: "wall.mon.leave", data: { mode: "leave" }, on: { click: () => leave(id) } }),
    };
    mon.box.append(...mon.buttons, mon.leave, mon.mode);
    const tr = el(
      "tr",
      { data: { agent: id } },
      cells.staff,
      cells.name,
      el("td", {}, cells.state),
      cells.time,
      cells.detail,
      cells.phone,
      cells.calls,
      cells.rating,
      el("td", {}, el("div", { class: "force" }, label, sel, button)),
      el("td", {}, mon.box),
    );
    return { tr, cells, sel, label, button, mon };
  }

  function renderAgents() {
    const body = $("agent-rows");
    // A supervisor (or admin) is in the ACD from the start (signed in, not ready) but is
    // listed only while working as an agent: a phone registered, or ready, on a call or in
    // wrap-up.
    const WORKING = ["ready", "reserved", "on_call", "wrap_up"];
    const listed = (id) => {
      const p = W.people.get(id);
      const a = W.agents.get(id);
      if (!p || !p.role || p.role === "agent") return true;
      return !!a && (a.registered === true || WORKING.includes(a.state && a.state.state));
    };
    const ids = [...W.agents.keys()].filter(listed).sort((a, b) => a - b);
    ids.forEach((id, i) => {
      let row = W.rows.get(id);
      if (!row) {
        row = makeRow(id);
        W.rows.set(id, row);
      }
      if (body.children[i] !== row.tr) body.insertBefore(row.tr, body.children[i] || null);
      const a = W.agents.get(id);
      const p = W.people.get(id);
      row.cells.staff.textContent = p ? p.staff_no : "";
      row.cells.name.textContent = personName(id);
      row.label.textContent = t("wall.force.label", { name: personName(id) });
      const st = a.state || {};
      row.cells.state.dataset.state = st.state || "";
      row.cells.state.textContent = H.label("state", st.state);
      row.tr.dataset.state = st.state || "";
      row.cells.phone.dataset.on = a.registered ? "1" : "0";
      row.cells.phone.textContent = a.registered ? "● " + t("wall.a.registered") : "○ " + t("wall.a.unregistered");
      row.cells.calls.textContent = a.calls_handled === undefined ? "—" : String(a.calls_handled);
      row.cells.calls.dataset.value = a.calls_handled === undefined ? "" : String(a.calls_handled);
      row.cells.rating.textContent = p && p.rating !== null && p.rating !== undefined ? (Math.round(p.rating * 10) / 10).toFixed(1) : "—";
      const canForce = !W.me || W.me.role !== "agent";
      row.sel.disabled = !canForce;
      row.button.disabled = !canForce;
      renderMonitor(row, id, a, canForce);
    });
    [...body.children].slice(ids.length).forEach((x) => x.remove());
    tickAgents();
  }

  function tickAgents() {
    const now = H.serverNow();
    W.rows.forEach((row, id) => {
      const a = W.agents.get(id);
      const st = (a && a.state) || {};
      row.cells.time.textContent = st.since ? H.duration(now - st.since) : "—";
      let d = "";
      if (st.state === "not_ready" && st.reason) d = H.label("reason", st.reason);
      else if (st.state === "wrap_up" && st.until) d = st.until - now > 1000 ? t("wall.a.wrap", { s: H.duration(st.until - now) }) : t("wall.a.wrap_reasons");
      else if ((st.state === "on_call" || st.state === "reserved") && st.call !== undefined) d = t("wall.a.call", { c: st.call });
      row.cells.detail.textContent = d;
    });
  }

  // The IVR's outcomes and containment (self-served / calls), today and in the last 15 minutes,
  // from GET /api/wallboard (no live source: the overview does not carry them).
  function ivrFigs(prefix, s) {
    if (!s) return [];
    const n = (k) => fig(prefix + "." + k, s[k], String(s[k]), t("ivr." + k));
    return [
      n("calls"),
      n("self_served"),
      fig(prefix + ".containment_percent", s.containment_percent, pct(s.containment_percent), t("ivr.containment_percent")),
      n("transferred"),
      n("abandoned"),
      n("unserved"),
    ];
  }

  function renderIvr() {
    const box = $("ivr");
    const ivr = W.board && W.board.ivr;
    if (!ivr) {
      box.replaceChildren(el("p", { class: "empty", text: t("wall.ivr.none") }));
      return;
    }
    const tile = el("div", { class: "tile", data: { ivr: "" } });
    tile.append(el("p", { class: "stats-title", text: t("q.today") }), el("div", { class: "figs stats" }, ...ivrFigs("today", ivr.today)));
    if (ivr.last_15_min) tile.append(el("p", { class: "stats-title", text: t("q.last15") }), el("div", { class: "figs stats recent" }, ...ivrFigs("last_15_min", ivr.last_15_min)));
    box.replaceChildren(tile);
  }

  function renderOverdue() {
    const list = $("overdue");
    if (!W.overdue) {
      list.replaceChildren();
      return;
    }
    const items = W.overdue.filter((d) => d.overdue > 0).sort((a, b) => b.overdue - a.overdue);
    if (!items.length) {
      list.replaceChildren(el("li", { class: "empty", text: t("wall.overdue.none") }));
      return;
    }
    list.replaceChildren(
      ...items.map((d) =>
        el(
          "li",
          { data: { district: d.district_id === null ? "" : d.district_id, level: d.overdue >= 5 ? "bad" : "" } },
          el("span", { class: "num", text: String(d.overdue) }),
          el("span", { class: "lbl", text: d.district }),
        ),
      ),
    );
  }

  /** Today's calls by reason (from the wallboard), most first, with a bar each. */
  function renderReasons() {
    const list = $("reasons");
    const all = (W.board && W.board.reasons_today) || [];
    const items = all.filter((r) => r.calls > 0).sort((a, b) => b.calls - a.calls);
    if (!items.length) {
      list.replaceChildren(el("li", { class: "empty", text: t("wall.reasons.none") }));
      return;
    }
    const most = items[0].calls;
    const en = H.getLang() === "en";
    list.replaceChildren(
      ...items.map((r) => {
        const bar = el("span", { class: "bar" });
        bar.style.width = Math.max(2, Math.round((r.calls * 100) / most)) + "%";
        return el(
          "li",
          { data: { reason: r.code } },
          el("span", { class: "num", text: String(r.calls) }),
          el("span", { class: "lbl", text: (en ? r.name_en : r.name_zh) || r.code }),
          bar,
        );
      }),
    );
  }

  /** The open incidents (from the wallboard): reports and calls each, the first reporter. */
  function renderIncidents() {
    const list = $("incidents");
    const section = $("incidents-section");
    section.hidden = !W.board;
    if (!W.board) return;
    const items = W.board.incidents || [];
    if (!items.length) {
      list.replaceChildren(el("li", { class: "empty", text: t("wall.incidents.none") }));
    } else {
      list.replaceChildren(
        ...items.map((i) =>
          el(
            "li",
            { data: { incident: i.id, district: i.district_id } },
            el("span", { class: "num", data: { reports: i.reports }, text: t("wall.incident.counts", { reports: i.reports, calls: i.calls }) }),
            el("span", { class: "lbl", text: i.title }),
            el("span", {
              class: "meta",
              text:
                t("wall.incident.meta", { district: i.district_name, time: H.clock(i.opened_at), by: i.opened_by === "rule" ? t("wall.incident.rule") : i.opened_by }) +
                (i.ticket_id === null ? "" : " · " + t("wall.incident.ticket", { id: i.ticket_id })) +
                (i.first_reporter_phone ? " · " + t("wall.incident.first", { phone: i.first_reporter_phone }) : ""),
            }),
          ),
        ),
      );
    }
    const spike = $("spike");
    const calls = W.board.calls_by_district_15_min || [];
    if (!calls.length) {
      spike.replaceChildren(el("li", { class: "empty", text: t("wall.spike.none") }));
      return;
    }
    const most = calls[0].calls;
    spike.replaceChildren(
      ...calls.map((d) => {
        const bar = el("span", { class: "bar" });
        bar.style.width = Math.max(2, Math.round((d.calls * 100) / most)) + "%";
        return el("li", { data: { district: d.district_id } }, el("span", { class: "num", text: String(d.calls) }), el("span", { class: "lbl", text: d.district_name }), bar);
      }),
    );
  }

  // The audit trail of forced states (supervisors and admins; agents get a 403 and no list).
  async function loadAudit() {
    if (!W.me || W.me.role === "agent") return;
    try {
      W.audit = await api("GET", "/api/audit" + query({ action: "acd_state", limit: 10 }));
    } catch (err) {
      if (err.status === 401) return;
      W.audit = null;
    }
    renderAudit();
  }

  /** `not_ready:meeting` → "示忙 · 会议" (the page's own words for states and reasons). */
  function auditWords(e) {
    if (e.action !== "acd_state") return e.detail;
    const i = e.detail.indexOf(":");
    const state = i < 0 ? e.detail : e.detail.slice(0, i);
    const reason = i < 0 ? "" : e.detail.slice(i + 1);
    return H.label("state", state) + (reason ? " · " + H.label("reason", reason) : "");
  }

  function renderAudit() {
    const list = $("audit");
    $("audit-section").hidden = W.audit === null;
    if (!W.audit) {
      list.replaceChildren();
      return;
    }
    if (!W.audit.length) {
      list.replaceChildren(el("li", { class: "empty", text: t("wall.audit.none") }));
      return;
    }
    list.replaceChildren(
      ...W.audit.map((e) => {
        const applied = e.outcome === "applied";
        return el(
          "li",
          { data: { audit: e.id, outcome: applied ? "applied" : "refused" }, attrs: { title: e.outcome } },
          el("span", { text: t("wall.audit.item", { time: H.dateTime(e.at), actor: e.actor_name, target: e.target_name || "#" + e.target_agent_id, detail: auditWords(e) }) }),
          el("span", { class: "outcome", text: " · " + t(applied ? "wall.audit.applied" : "wall.audit.refused") }),
        );
      }),
    );
  }

  function renderSource() {
    let s;
    if (W.boardStatus === "ok") s = t("wall.source.board", { time: H.clock(W.board.at) });
    else if (W.boardStatus === "unavailable") s = t("wall.source.overview", { why: W.boardWhy });
    else s = t("wall.source.wait");
    $("wall-source").textContent = s;
    $("wall").dataset.source = W.boardStatus;
  }

  function render() {
    renderSource();
    renderTiles();
    renderAgents();
    renderIvr();
    renderOverdue();
    renderReasons();
    renderIncidents();
    renderAudit();
    renderUrgent();
  }

  function renderUrgent() {
    const urgent = W.board && W.board.urgent;
    $("urgent-section").hidden = !urgent;
    if (urgent) H.escalations.renderUrgent($("urgent"), urgent);
    H.escalations.renderBanner($("esc-banner"));
  }

  function tick() {
    $("clock").textContent = H.clock(H.serverNow());
    tickAgents();
    H.escalations.tickUrgent($("urgent"));
  }

  async function force(id, value) {
    const [state, reason] = value.split(":");
    const body = reason ? { state, reason } : { state };
    const name = personName(id);
    say($("wall-msg"), "");
    try {
      const a = await api("PUT", "/api/acd/agents/" + encodeURIComponent(id) + "/state", body);
      mergeAgent(a);
      renderAgents();
      say($("wall-msg"), t("wall.force.done", { name, state: H.label("state", a.state.state) }), "ok");
    } catch (err) {
      say($("wall-msg"), t("wall.force.error", { name, err: errorText(err) }), "error");
    }
    loadAudit();
  }

  // ---- supervision: listen, whisper, barge, leave -------------------------------------------

  function keepMonitor(m) {
    if (m && W.me) m.by = W.me.id;
    W.monitor = m;
    try {
      if (m) sessionStorage.setItem(MONITOR_KEY, JSON.stringify(m));
      else sessionStorage.removeItem(MONITOR_KEY);
    } catch (_) {
      /* private mode: kept in the page only */
    }
  }

  function keptMonitor() {
    try {
      const m = JSON.parse(sessionStorage.getItem(MONITOR_KEY) || "null");
      return m && typeof m.agent === "number" && MODES.includes(m.mode) && W.me && m.by === W.me.id ? m : null;
    } catch (_) {
      return null;
    }
  }

  /** The row's buttons: Listen/Whisper/Barge on an agent on a call, Leave while monitoring it. */
  function renderMonitor(row, id, a, supervisor) {
    const st = (a && a.state && a.state.state) || "";
    const mine = W.monitor && W.monitor.agent === id ? W.monitor : null;
    if (mine && st && st !== "on_call") {
      // The call ended (the caller's or the agent's end hangs up the supervisor's phone).
      keepMonitor(null);
      say($("monitor-msg"), t("wall.mon.ended", { name: personName(id) }), "info");
      return renderMonitor(row, id, a, supervisor);
    }
    const can = supervisor && !!W.me && W.me.id !== id && (st === "on_call" || !!mine);
    row.mon.box.hidden = !can;
    row.mon.box.setAttribute("aria-label", t("wall.mon.group", { name: personName(id) }));
    row.tr.dataset.monitor = mine ? mine.mode : "";
    row.mon.buttons.forEach((b) => {
      b.setAttribute("aria-pressed", mine && mine.mode === b.dataset.mode ? "true" : "false");
    });
    row.mon.leave.hidden = !mine;
    row.mon.mode.textContent = mine ? t("wall.mon.mode." + mine.mode) : "";
  }

  function monitorRefused(id, err) {
    const code = err && err.status === 403 ? "forbidden" : err && err.code;
    const why = H.has("wall.mon.why." + code) ? t("wall.mon.why." + code) : t("wall.mon.why.other");
    const msg = $("monitor-msg");
    say(msg, t("wall.mon.error", { name: personName(id), why, err: errorText(err) }), "error");
    msg.dataset.code = (err && err.code) || "";
  }

  async function monitor(id, mode) {
    const name = personName(id);
    const changing = W.monitor && W.monitor.agent === id;
    const msg = $("monitor-msg");
    try {
      const r = await api("PUT", "/api/acd/agents/" + encodeURIComponent(id) + "/monitor", { mode });
      const done = MODES.includes(r && r.done) ? r.done : mode;
      keepMonitor({ agent: id, mode: done });
      say(msg, t(changing ? "wall.mon.changed" : "wall.mon.started", { name, mode: t("wall.mon.mode." + done) }), "ok");
      msg.dataset.code = "";
    } catch (err) {
      if (err.status === 401) return;
      // The call this page thought it monitored is over.
      if (changing && err.code === "no_call") keepMonitor(null);
      monitorRefused(id, err);
    }
    renderAgents();
  }

  async function leave(id) {
    const name = personName(id);
    const msg = $("monitor-msg");
    try {
      await api("DELETE", "/api/acd/agents/" + encodeURIComponent(id) + "/monitor");
      keepMonitor(null);
      say(msg, t("wall.mon.left", { name }), "ok");
      msg.dataset.code = "";
    } catch (err) {
      if (err.status === 401) return;
      if (err.code === "no_call") keepMonitor(null);
      monitorRefused(id, err);
    }
    renderAgents();
  }

  // ---- wiring ------------------------------------------------------------------------------

  function init() {
    H.applyStrings(document);
    H.langButton($("lang"));
    const title = () => {
      document.title = t("wall.title") + " · hotline";
    };
    title();
    H.onLang(() => {
      title();
      renderWho();
      W.rows.forEach((row) => {
        const v = row.sel.value;
        row.sel.replaceChildren(...forceOptions());
        row.sel.value = v;
        row.button.textContent = t("wall.force.set");
      });
      render();
    });
    H.onUnauthorized(() => showLogin(t("err.session")));
    H.loginForm($("login-form"), $("login-msg"), start);
    $("logout").addEventListener("click", async () => {
      stopAll();
      await H.logout();
      showLogin("");
    });
    H.resume(start, showLogin);
  }

  init();
})();
