"use strict";
// Call search and recordings (/wall/calls): a search form over GET /api/calls (the caller's
// number whole or its last digits, account number, agent, queue, call reason, ticket, dates,
// talk time, lowest survey score; a refused field is marked and named), the results as a
// table, and the recording player (recording.js: Range requests, both channels' waveforms)
// for the call chosen. What a search finds and who may listen is the API's rule (agents their
// own calls; supervisors their team's, a floor supervisor every call; qa and admins all). Evaluators,
// supervisors and admins get an "Evaluate" link per answered call, to /wall/qa?call=ID.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "c.title": "通话查询与录音",
      "c.wall": "监控墙",
      "c.qa": "质检",
      "c.search": "查询通话",
      "c.phone": "来电号码",
      "c.phone.hint": "完整号码或尾号",
      "c.account": "户号",
      "c.agent": "坐席",
      "c.queue": "队列",
      "c.reason": "来电原因",
      "c.ticket": "工单号",
      "c.since": "从（日期）",
      "c.until": "到（日期，含当天）",
      "c.min_secs": "通话至少（秒）",
      "c.max_secs": "通话至多（秒）",
      "c.survey": "满意度不低于",
      "c.any": "不限",
      "c.me": "我自己",
      "c.find": "查询",
      "c.clear": "清空",
      "c.busy": "查询中…",
      "c.results": "通话记录",
      "c.count": "共 {n} 通（最多显示 {max} 通，最新在前）",
      "c.none": "没有符合条件的通话",
      "c.note.agent": "坐席只能查到和收听自己接听的通话。",
      "c.col.time": "时间",
      "c.col.caller": "来电号码",
      "c.col.agent": "坐席",
      "c.col.queue": "队列",
      "c.col.talk": "通话时长",
      "c.col.disposition": "结果",
      "c.col.survey": "满意度",
      "c.col.recording": "录音",
      "c.col.open": "收听",
      "c.has": "有",
      "c.hasnt": "无",
      "c.open": "收听",
      "c.open.label": "收听通话 {id} 的录音",
      "c.evaluate": "评估",
      "c.evaluate.label": "评估通话 {id}",
      "c.live": "通话中",
      "c.player": "通话 {id} 的录音",
      "c.facts": "{time} · {caller} · 坐席 {agent} · 通话 {talk}",
      "c.parts": "这通电话的录音：",
      "c.part.own": "通话录音",
      "c.part.consult": "咨询录音 {n}（{time}）",
      "d.answered": "已接通",
      "d.self_served": "自助办结",
      "d.abandoned_in_ivr": "语音导航中挂机",
      "d.unserved_in_ivr": "语音导航未办理",
      "d.abandoned_in_queue": "排队中放弃",
      "d.callback": "预约回拨",
      "d.transferred": "已转接",
      "d.failed": "失败",
      "d.interrupted": "中断",
    },
    {
      "c.title": "Calls and recordings",
      "c.wall": "Wallboard",
      "c.qa": "Quality",
      "c.search": "Find calls",
      "c.phone": "Caller's number",
      "c.phone.hint": "whole number or last digits",
      "c.account": "Account no.",
      "c.agent": "Agent",
      "c.queue": "Queue",
      "c.reason": "Call reason",
      "c.ticket": "Ticket no.",
      "c.since": "From (date)",
      "c.until": "To (date, included)",
      "c.min_secs": "Talk at least (s)",
      "c.max_secs": "Talk at most (s)",
      "c.survey": "Survey score at least",
      "c.any": "any",
      "c.me": "me",
      "c.find": "Find",
      "c.clear": "Clear",
      "c.busy": "Searching…",
      "c.results": "Calls",
      "c.count": "{n} calls (at most {max}, newest first)",
      "c.none": "No calls match",
      "c.note.agent": "Agents find and hear their own calls only.",
      "c.col.time": "Time",
      "c.col.caller": "Caller",
      "c.col.agent": "Agent",
      "c.col.queue": "Queue",
      "c.col.talk": "Talk",
      "c.col.disposition": "Outcome",
      "c.col.survey": "Survey",
      "c.col.recording": "Recording",
      "c.col.open": "Listen",
      "c.has": "yes",
      "c.hasnt": "no",
      "c.open": "Listen",
      "c.open.label": "Listen to the recording of call {id}",
      "c.evaluate": "Evaluate",
      "c.evaluate.label": "Evaluate call {id}",
      "c.live": "in progress",
      "c.player": "Recording of call {id}",
      "c.facts": "{time} · {caller} · agent {agent} · talk {talk}",
      "c.parts": "This call's recordings:",
      "c.part.own": "The call",
      "c.part.consult": "Consultation {n} ({time})",
      "d.answered": "answered",
      "d.self_served": "self-served",
      "d.abandoned_in_ivr": "hung up in the IVR",
      "d.unserved_in_ivr": "ended in the IVR",
      "d.abandoned_in_queue": "abandoned in queue",
      "d.callback": "callback",
      "d.transferred": "transferred",
      "d.failed": "failed",
      "d.interrupted": "interrupted",
    },
  );

  const LIMIT = 100;
  const QUEUES = ["general", "billing", "repairs", "key_accounts"];

  const C = {
    me: null,
    agents: new Map(), // id -> name
    queues: [],
    reasons: [],
    calls: [],
    player: null, // { id, call }: the call whose recording is open
    rec: null, // the recording player (recording.js)
  };

  // ---- start and the form's choices ---------------------------------------------------------

  async function start(agent) {
    C.me = agent;
    C.agents.set(agent.id, agent.name);
    $("c-note").textContent = agent.role === "agent" ? t("c.note.agent") : "";
    const [agents, acd, reasons] = await Promise.all([
      agent.role === "agent" ? Promise.resolve(null) : api("GET", "/api/directory").catch(() => null),
      api("GET", "/api/acd").catch(() => null),
      api("GET", "/api/call-reasons").catch(() => []),
    ]);
    (agents || []).forEach((a) => C.agents.set(a.id, a.name));
    C.queues = acd && Array.isArray(acd.queues) && acd.queues.length ? acd.queues.map((q) => q.name) : QUEUES;
    C.reasons = reasons || [];
    C.agentList = agents;
    fillChoices();
    await search();
  }

  function stop() {
    closePlayer();
    C.calls = [];
    $("c-rows").replaceChildren();
  }

  function option(value, text) {
    return el("option", { value, text });
  }

  /** The agent, queue and reason lists, in the page's language (the choice kept). */
  function fillChoices() {
    const keep = (sel, f) => {
      const v = sel.value;
      f();
      sel.value = v;
      if (sel.value !== v) sel.value = "";
    };
    keep($("c-agent"), () => {
      const list = C.agentList ? C.agentList.filter((a) => a.role !== "crew") : [{ id: C.me.id, name: t("c.me") }];
      $("c-agent").replaceChildren(option("", t("c.any")), ...list.map((a) => option(String(a.id), a.staff_no ? `${a.name}（${a.staff_no}）` : a.name)));
    });
    keep($("c-queue"), () => {
      $("c-queue").replaceChildren(option("", t("c.any")), ...C.queues.map((q) => option(q, H.label("queue", q) + (H.has("queue." + q) ? ` (${q})` : ""))));
    });
    keep($("c-reason"), () => {
      const en = H.getLang() === "en";
      $("c-reason").replaceChildren(
        option("", t("c.any")),
        ...C.reasons.map((r) => option(r.code, (r.pickable ? "\u3000" : "") + ((en ? r.name_en : r.name_zh) || r.code))),
      );
    });
  }

  // ---- search --------------------------------------------------------------------------------

  /** Local midnight of a date input's day (`plusDays` later), in Unix ms. */
  function dayStart(value, plusDays) {
    const [y, m, d] = value.split("-").map(Number);
    return new Date(y, m - 1, d + (plusDays || 0)).getTime();
  }

  function params() {
    const f = $("c-form").elements;
    const v = (name) => f[name].value.trim();
    return {
      phone: v("phone"),
      account: v("account"),
      agent: v("agent"),
      queue: v("queue"),
      reason: v("reason"),
      ticket: v("ticket"),
      since: v("since") ? dayStart(v("since")) : "",
      until: v("until") ? dayStart(v("until"), 1) : "",
      min_secs: v("min_secs"),
      max_secs: v("max_secs"),
      survey: v("survey"),
      limit: LIMIT,
    };
  }

  async function search(ev) {
    if (ev) ev.preventDefault();
    say($("c-msg"), t("c.busy"), "info");
    try {
      C.calls = await api("GET", "/api/calls" + query(params()));
      H.markField($("c-form"), "");
      say($("c-msg"), "");
    } catch (err) {
      if (err.status === 401) return;
      H.markField($("c-form"), err.field);
      say($("c-msg"), errorText(err), "error");
      return;
    }
    renderRows();
  }

  function agentName(id) {
    if (id === null || id === undefined) return "—";
    return C.agents.get(id) || "#" + id;
  }

  function when(ms) {
    return ms === null || ms === undefined ? "—" : H.date(ms) + " " + H.clock(ms);
  }

  /** Evaluators, supervisors and admins assess calls (/wall/qa; the API has the last word). */
  function mayEvaluate() {
    return !!C.me && ["qa", "supervisor", "admin"].includes(C.me.role);
  }

  /** The link to evaluate call `c` on /wall/qa. */
  function evaluate(c) {
    return el("a", {
      class: "small-link",
      text: t("c.evaluate"),
      attrs: { href: "/wall/qa?call=" + encodeURIComponent(c.id), "aria-label": t("c.evaluate.label", { id: c.id }) },
      data: { evaluate: c.id },
    });
  }

  function renderRows() {
    const body = $("c-rows");
    $("c-count").textContent = C.calls.length ? t("c.count", { n: C.calls.length, max: LIMIT }) : "";
    if (!C.calls.length) {
      body.replaceChildren(el("tr", {}, el("td", { class: "empty", attrs: { colspan: 9 }, text: t("c.none") })));
      return;
    }
    body.replaceChildren(
      ...C.calls.map((c) => {
        const ended = c.ended_at !== null && c.ended_at !== undefined;
        const playable = !!c.recording && ended;
        const evaluable = mayEvaluate() && ended && c.agent_id !== null && c.agent_id !== undefined && c.agent_id !== C.me.id;
        const open = el("button", {
          type: "button",
          class: "small",
          text: t("c.open"),
          attrs: { "aria-label": t("c.open.label", { id: c.id }) },
          disabled: !playable,
          on: { click: () => openPlayer(c) },
        });
        const tr = el(
          "tr",
          { data: { call: c.id, recording: playable ? "1" : "0" }, class: C.player && C.player.id === c.id ? "chosen" : "" },
          el("td", { class: "mono", text: when(c.started_at) }),
          el("td", { class: "mono", text: c.caller }),
          el("td", { text: agentName(c.agent_id) }),
          el("td", { text: c.queue ? H.label("queue", c.queue) : "—" }),
          el("td", { class: "num mono", text: c.talk_ms === null || c.talk_ms === undefined ? "—" : H.duration(c.talk_ms) }),
          el("td", { text: ended ? (c.disposition ? H.label("d", c.disposition) : "—") : t("c.live") }),
          el("td", { class: "num", text: c.survey_score === null || c.survey_score === undefined ? "—" : String(c.survey_score) }),
          el("td", { text: c.recording ? t("c.has") : t("c.hasnt") }),
          el("td", { class: "row-actions" }, open, evaluable ? evaluate(c) : null),
        );
        return tr;
      }),
    );
  }

  // ---- the player ----------------------------------------------------------------------------

  function closePlayer() {
    if (C.rec) C.rec.close();
    C.player = null;
  }

  function playerHead(call) {
    $("player-h").textContent = t("c.player", { id: call.id });
    $("p-facts").textContent = t("c.facts", { time: when(call.started_at), caller: call.caller, agent: agentName(call.agent_id), talk: H.duration(call.talk_ms) });
  }

  async function openPlayer(call) {
    C.player = { id: call.id, call };
    renderRows();
    playerHead(call);
    const shown = C.rec.open(call.id);
    // Its other recordings (consultations), each a button; the call's own first.
    const parts = $("p-parts");
    parts.replaceChildren();
    parts.hidden = true;
    const detail = await api("GET", "/api/calls/" + encodeURIComponent(call.id)).catch(() => null);
    const others = (detail && detail.other_recordings) || [];
    if (others.length && C.player && C.player.id === call.id) {
      const button = (label, other) =>
        el("button", { type: "button", class: "secondary", data: { other: other || "" }, text: label, on: { click: () => C.rec.open(call.id, other) } });
      parts.append(
        el("span", { text: t("c.parts") }),
        button(t("c.part.own"), null),
        ...others.filter((o) => o.available).map((o, i) => button(t("c.part.consult", { n: i + 1, time: when(o.started_at) }), o.id)),
      );
      parts.hidden = false;
    }
    await shown;
  }

  // ---- wiring --------------------------------------------------------------------------------

  function init() {
    $("c-form").addEventListener("submit", search);
    $("c-form").addEventListener("reset", () => {
      H.markField($("c-form"), "");
      setTimeout(() => search(), 0);
    });
    C.rec = H.recording.player($("player"));
    H.loginPage({
      content: $("calls"),
      titleKey: "c.title",
      start,
      stop,
      relabel: () => {
        if (!C.me) return;
        $("c-note").textContent = C.me.role === "agent" ? t("c.note.agent") : "";
        fillChoices();
        renderRows();
        if (C.player) playerHead(C.player.call);
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
