"use strict";
// The agent desktop (/desk): log in, the ACD state (shown only as the server reports it), the
// screen pop when the router offers a call (caller, queue, reason, IVR path), call control
// (hang up, hold, mute, transfer to a queue, a flow, an agent or a number, consult with
// complete / cancel / conference), the dial pad, the keyboard shortcuts and the wiring. The
// customer's account view and search are in desk-customer.js, tickets and follow-up calls in desk-tickets.js, the words in
// desk-strings.js; they share the page's state through `Hotline.desk`. Everything from the
// server is put on the page as text.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  const FLOWS = ["survey"];
  const POP_KEY = "hotline.pop";
  const CONSULT_KEY = "hotline.consult";
  // How often the agents' states are asked for while on a call (for the consult and transfer
  // lists: agents see only their own state on the live stream).
  const FLOOR_EVERY_MS = 5000;

  // Everything the page knows, all of it as the server said it.
  const S = {
    me: null,
    acd: null, // {state, registered, calls_handled}, or null before the first answer
    acdMissing: null, // the server's 404 message when the agent is not in the ACD
    queues: ["general"],
    districts: [],
    ivrTitles: {}, // "flow/node" -> {lang: title}, the flow designer's words for the IVR path
    pop: null, // the last offer (screen pop)
    callRecord: null, // its call record, once found
    callRecordState: "", // "", "searching", "missing"
    held: false,
    muted: false,
    // The consultation this desk started on the popped call: {call, who, conference}; the
    // server tells of its end only when the target was not reached (call_notice), so a
    // refusal naming no call ends it too.
    consult: null,
    consulting: null, // a consult request on its way: {call, notReached}
    floor: [], // the agents' states (GET /api/acd): [{id, state, registered}]
    names: null, // id -> colleague from GET /api/directory; null when it failed
    floorTimer: null,
    customer: null, // {customer, bills?, arrears?, ...}: the account view (bills absent while loading)
    custSeq: 0,
    unknownCaller: null,
    ticket: null, // TicketDetail
    tickets: [],
    followups: [],
    live: null,
    tick: null,
    reasonTree: [], // the call reasons' tree (GET /api/call-reasons)
  };
  // Shared with desk-customer.js, desk-tickets.js and desk-qa.js, which add their functions to it.
  const D = (H.desk = { S });

  // ---- login and start ---------------------------------------------------------------------

  function showLogin(message) {
    forgetPop();
    $("esc-banner").hidden = true;
    S.pop = null;
    if (S.live) S.live.stop();
    S.live = null;
    clearInterval(S.tick);
    stopFloor();
    $("desk").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("who").textContent = "";
    $("live").textContent = "";
    say($("login-msg"), message || "", "error");
    $("login-name").focus();
  }

  async function start(agent) {
    S.me = agent;
    $("login").hidden = true;
    $("desk").hidden = false;
    $("logout").hidden = false;
    renderWho();
    renderAll();
    S.live = H.live(onEvent, (status, detail) => H.liveStatus($("live"), status, detail));
    S.tick = setInterval(tick, 1000);
    loadDistricts();
    loadIvrTitles();
    if (agent.role !== "agent") H.escalations.loadDistricts();
    loadReasons();
    loadNames();
    restorePop();
    refreshMe();
    D.refreshTickets();
    D.refreshFollowups();
    D.refreshQa();
    D.refreshPreview();
  }

  // A reload keeps the last screen pop (kept in the tab's sessionStorage).
  function restorePop() {
    let pop = null;
    try {
      pop = JSON.parse(sessionStorage.getItem(POP_KEY) || "null");
    } catch (_) {
      pop = null;
    }
    if (pop && typeof pop.call === "number" && typeof pop.caller === "string") {
      let k = null;
      try {
        k = JSON.parse(sessionStorage.getItem(CONSULT_KEY) || "null");
      } catch (_) {
        k = null;
      }
      screenPop(pop);
      if (k && k.call === pop.call && typeof k.who === "string") {
        S.consult = { call: k.call, who: k.who, conference: !!k.conference };
        renderCall();
      }
    }
  }

  function forgetPop() {
    try {
      sessionStorage.removeItem(POP_KEY);
      sessionStorage.removeItem(CONSULT_KEY);
    } catch (_) {
      /* nothing kept */
    }
  }

  /** Keeps the consultation over a reload (with the screen pop). */
  function keepConsult() {
    try {
      if (S.consult) sessionStorage.setItem(CONSULT_KEY, JSON.stringify(S.consult));
      else sessionStorage.removeItem(CONSULT_KEY);
    } catch (_) {
      /* not kept over a reload */
    }
  }

  function renderWho() {
    if (S.me) $("who").textContent = t("who", { name: S.me.name, staff: S.me.staff_no });
  }

  async function loadDistricts() {
    try {
      S.districts = await api("GET", "/api/districts");
    } catch (_) {
      S.districts = [];
    }
    D.renderTicket();
  }

  async function loadIvrTitles() {
    try {
      S.ivrTitles = (await api("GET", "/api/ivr/titles")) || {};
    } catch (_) {
      S.ivrTitles = {};
    }
    renderCall();
  }

  /** A step of the IVR path (`flow/node`) in the page's language; the id without a title. */
  function ivrStep(step) {
    const titles = S.ivrTitles[step];
    return (titles && (titles[H.getLang()] || titles.zh || titles.en)) || step;
  }

  function districtName(id) {
    const d = S.districts.find((x) => x.id === id);
    return d ? d.name : id === null || id === undefined ? "—" : "#" + id;
  }

  // ---- ACD state ---------------------------------------------------------------------------

  async function refreshMe() {
    try {
      const a = await api("GET", "/api/acd/me");
      S.acdMissing = null;
      applyAgent(a);
    } catch (err) {
      if (err.status === 404) {
        S.acdMissing = err.message;
        renderState();
      } else say($("state-msg"), errorText(err), "error");
    }
  }

  /** Takes the server's word for the agent's state, unless it is older than what is shown. */
  function applyAgent(a) {
    if (!a || !a.state) return;
    const cur = S.acd;
    if (cur && cur.state && typeof a.state.since === "number" && a.state.since < cur.state.since) return;
    S.acd = {
      state: a.state,
      registered: a.registered !== undefined ? a.registered : cur ? cur.registered : undefined,
      calls_handled: a.calls_handled !== undefined ? a.calls_handled : cur ? cur.calls_handled : undefined,
    };
    S.acdMissing = null;
    const wasOnPop = !!(S.pop && cur && cur.state && (cur.state.state === "on_call" || cur.state.state === "reserved") && cur.state.call === S.pop.call);
    renderState();
    renderCall();
    if (wasOnPop && !onThisCall()) callEnded();
  }

  // The call is over: its messages go, and the account view is fetched again (the call's
  // record now has its talk time and result).
  function callEnded() {
    const focused = focusInCall();
    S.consult = null;
    S.muted = false;
    keepConsult();
    markRefused("xfer", null);
    markRefused("consult", null);
    renderCall();
    keepFocus(focused);
    say($("call-msg"), "");
    const c = S.customer && S.customer.customer;
    if (c && S.customer.bills) D.loadAccount(c.id);
    D.refreshTickets();
  }

  function renderState() {
    const st = S.acd && S.acd.state;
    const badge = $("state-name");
    const name = st ? st.state : S.acdMissing ? "logged_out" : "unknown";
    badge.dataset.state = name;
    badge.textContent = st ? H.label("state", st.state) : S.acdMissing ? t("state.not_in_acd") : t("state.unknown");
    let detail = "";
    if (st && st.state === "not_ready" && st.reason) detail = t("state.detail.reason", { r: H.label("reason", st.reason) });
    else if (st && st.state === "wrap_up" && st.until) detail = wrapDetail(st);
    else if (S.acdMissing) detail = S.acdMissing;
    $("state-detail").textContent = detail;
    $("state-time").textContent = st ? H.duration(H.serverNow() - st.since) : "—";
    const reg = S.acd && S.acd.registered;
    // Ready with no registered phone: the router offers no call (a warning, not a hint).
    const unreachable = reg === false && !!st && st.state === "ready";
    $("state-phone").textContent =
      reg === undefined || reg === null ? "" : reg ? t("state.phone.on") : unreachable ? t("state.phone.off.ready") : t("state.phone.off");
    $("state-phone").dataset.on = reg ? "1" : "0";
    $("state-phone").className = unreachable ? "warn" : "hint";
    const wrap = !!st && st.state === "wrap_up";
    const picking = !!S.pop && !!st && (wrap || st.state === "on_call");
    $("wrapup").hidden = !picking || !S.reasonTree.some((r) => r.pickable);
    $("btn-end-wrap").hidden = !wrap;
    $("btn-ready").hidden = wrap;
    $("btn-ready").disabled = !!st && st.state === "ready";
    const out = !st || st.state === "logged_out";
    $("btn-acd-login").hidden = !out;
    $("btn-acd-logout").hidden = out;
    D.renderTicketFor();
  }

  async function changeState(state, reason) {
    say($("state-msg"), "");
    const body = reason ? { state, reason } : { state };
    try {
      const a = await api("PUT", "/api/acd/me/state", body);
      applyAgent(a);
    } catch (err) {
      if (err && err.field === "reasons") {
        $("wrapup").setAttribute("aria-invalid", "true");
        const first = document.querySelector(".wrap-reason");
        if (first) first.focus();
      }
      say($("state-msg"), errorText(err), "error");
    }
  }

  function goReady() {
    endingWrapup().then((ok) => ok && changeState("ready"));
  }

  // ---- call reasons in wrap-up ---------------------------------------------------------------

  async function loadReasons() {
    try {
      S.reasonTree = await api("GET", "/api/call-reasons");
    } catch (_) {
      S.reasonTree = [];
    }
    renderReasonTree();
    renderState();
  }

  /** The tree as checkboxes, one group per category, in the agent's language. */
  function renderReasonTree() {
    const box = $("wrap-reasons");
    const checked = new Set(pickedReasons());
    box.textContent = "";
    const en = H.getLang() === "en";
    const name = (r) => (en ? r.name_en : r.name_zh) || r.code;
    for (const cat of S.reasonTree.filter((r) => !r.pickable)) {
      const group = el("div", { class: "wrap-group" }, el("span", { class: "wrap-cat", text: name(cat) }));
      for (const r of S.reasonTree.filter((x) => x.pickable && x.code.startsWith(cat.code + "/"))) {
        const input = el("input", { type: "checkbox", value: r.code, class: "wrap-reason" });
        input.checked = checked.has(r.code);
        group.append(el("label", { class: "wrap-item" }, input, " ", name(r)));
      }
      box.append(group);
    }
  }

  function pickedReasons() {
    return Array.from(document.querySelectorAll(".wrap-reason:checked")).map((i) => i.value);
  }

  function clearWrapup() {
    document.querySelectorAll(".wrap-reason").forEach((i) => {
      i.checked = false;
    });
    $("wrap-note").value = "";
    $("wrapup").removeAttribute("aria-invalid");
  }

  /** Before wrap-up ends from the desk: the reasons picked and the note go to the call's record.
   * False when they could not be saved (the message says why). */
  async function endingWrapup() {
    const st = S.acd && S.acd.state;
    if (!st || st.state !== "wrap_up") return true;
    const reasons = pickedReasons();
    const note = $("wrap-note").value.trim();
    if (!reasons.length && !note) return true; // the engine says whether reasons are required
    const ref = (S.callRecord && S.callRecord.call_ref) || (S.pop && S.pop.call_ref);
    if (!ref) {
      say($("state-msg"), t("wrap.nocall"), "error");
      return false;
    }
    try {
      await api("PUT", "/api/acd/me/wrapup", { call_ref: ref, reasons, note: note || null });
      $("wrapup").removeAttribute("aria-invalid");
      return true;
    } catch (err) {
      if (err && err.field === "reasons") $("wrapup").setAttribute("aria-invalid", "true");
      say($("state-msg"), errorText(err), "error");
      return false;
    }
  }

  function goNotReady() {
    let reason = $("nr-reason").value;
    if (reason === "other") {
      reason = $("nr-code").value.trim();
      if (!/^[a-z0-9_]{1,32}$/.test(reason) || reason === "missed" || reason === "login") {
        say($("state-msg"), t("state.reason.bad"), "error");
        $("nr-code").focus();
        return;
      }
    }
    endingWrapup().then((ok) => ok && changeState("not_ready", reason));
  }

  // ---- live events -------------------------------------------------------------------------

  function onEvent(name, data) {
    if (name === "overview") {
      H.learnServerTime(data.at);
      if (Array.isArray(data.queues)) {
        const names = data.queues.map((q) => q.name);
        if (names.join(",") !== S.queues.join(",")) {
          S.queues = names;
          renderTargets();
        }
      }
      const mine = (data.agents || []).find((a) => S.me && a.id === S.me.id);
      if (mine) applyAgent(mine);
    } else if (name === "agent_state") {
      if (S.me && data.agent === S.me.id) applyAgent({ state: data.state });
    } else if (name === "offer") {
      if (S.me && data.agent === S.me.id) screenPop(data);
    } else if (name === "preview") {
      if (S.me && data.agent === S.me.id) D.onPreview(data.offer);
    } else if (name === "escalation") {
      // Sent to supervisors only: a ticket raised by the escalation sweep.
      H.escalations.add(data);
      H.escalations.renderBanner($("esc-banner"));
    } else if (name === "call_notice") {
      // A callback's customer was not reached (busy, no answer): the leg ends after a prompt.
      // A consulted target was not reached: the caller is back with the agent.
      if (!S.me || data.agent !== S.me.id) return;
      if (data.notice === "consult_not_reached") {
        // The target may refuse before the request's answer is here.
        if (S.consulting) S.consulting.notReached = true;
        if (S.consult) consultOver();
      } else if (data.notice === "consult_ended") {
        // The target hung up (a consultation or a conference): back with the caller.
        if (S.consult) consultOver();
      }
      say($("call-msg"), t("notice." + data.notice), "error");
    }
  }

  // ---- the screen pop ----------------------------------------------------------------------

  function screenPop(pop) {
    if (!S.pop || S.pop.call !== pop.call) {
      clearWrapup();
      S.consult = null;
      keepConsult();
      for (const which of ["xfer", "consult"]) {
        markRefused(which, null);
        $(which + "-number").value = "";
      }
    }
    S.pop = pop;
    try {
      sessionStorage.setItem(POP_KEY, JSON.stringify(pop));
    } catch (_) {
      /* not kept over a reload */
    }
    S.held = false;
    S.muted = false;
    say($("dial-msg"), "");
    S.callRecord = null;
    S.callRecordState = "searching";
    say($("call-msg"), "");
    $("nt-phone").value = pop.caller || "";
    renderCall();
    if (pop.customer_account) {
      S.unknownCaller = null;
      D.loadByAccount(pop.customer_account);
    } else {
      S.unknownCaller = pop.caller;
      S.customer = null;
      S.custSeq += 1;
      D.renderCustomer();
      $("search-by").value = "phone";
      $("search-q").value = pop.caller || "";
      if (pop.caller) D.search("phone", pop.caller);
    }
    findCallRecord(pop);
  }

  function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
  }

  // The call record's id is needed to link tickets to the call. The offer carries the record's
  // call_ref (written shortly after the call arrives, hence the retries); an offer without one
  // falls back to the newest record of the last hours whose ref ends with the engine call id.
  async function findCallRecord(pop) {
    const suffix = "-" + pop.call;
    for (const wait of [0, 300, 700, 1500, 3000, 6000]) {
      if (wait) await sleep(wait);
      if (S.pop !== pop) return;
      try {
        let hit;
        if (pop.call_ref) {
          hit = (await api("GET", "/api/calls" + query({ call_ref: pop.call_ref })))[0];
        } else {
          const since = Math.max(0, Math.floor(H.serverNow() - 6 * 3600 * 1000));
          const calls = await api("GET", "/api/calls" + query({ since, limit: 200 }));
          hit =
            calls.find((c) => c.call_ref.endsWith(suffix) && c.caller === pop.caller) ||
            calls.find((c) => c.call_ref.endsWith(suffix));
        }
        if (S.pop !== pop) return;
        if (hit) {
          S.callRecord = hit;
          S.callRecordState = "";
          renderCall();
          D.renderTicketFor();
          // The repeat-contact hint needs the call's start: the account view is asked again.
          const c = S.customer && S.customer.customer;
          if (c && S.customer.bills) D.loadAccount(c.id);
          return;
        }
      } catch (_) {
        /* try again */
      }
    }
    if (S.pop === pop) {
      S.callRecordState = "missing";
      renderCall();
    }
  }

  function callStatus() {
    if (!S.pop) return "";
    const st = S.acd && S.acd.state;
    let s;
    if (st && st.state === "reserved" && st.call === S.pop.call) s = t("call.status.ringing");
    else if (st && st.state === "on_call" && st.call === S.pop.call) s = t("call.status.on") + " " + H.duration(H.serverNow() - st.since);
    else s = t("call.status.ended");
    return S.pop.callback ? s + " " + t("call.status.callback") : s;
  }

  /** Whether new tickets go with the popped call: during it and in the wrap-up after it. */
  function callCurrent() {
    const st = S.acd && S.acd.state;
    return !!S.pop && (onThisCall() || !!(st && st.state === "wrap_up"));
  }

  function onThisCall() {
    const st = S.acd && S.acd.state;
    return !!(S.pop && st && (st.state === "on_call" || st.state === "reserved") && st.call === S.pop.call);
  }

  /** The consultation running on the call the agent is on, if this desk started one. */
  function consultNow() {
    return S.consult && onThisCall() && S.consult.call === S.pop.call ? S.consult : null;
  }

  function renderCall() {
    const p = S.pop;
    // Call control only on a call, and only what the server would do now (no request it can
    // only refuse): during a consultation hold and transfer wait, mute only in a conference.
    const live = onThisCall();
    const k = consultNow();
    $("btn-hangup").disabled = !live;
    $("btn-hold").disabled = !live || !!k;
    ["btn-xfer", "xfer-target", "xfer-number"].forEach((id) => {
      $(id).disabled = !live || !!k;
    });
    ["btn-consult", "consult-target", "consult-number"].forEach((id) => {
      $(id).disabled = !live;
    });
    $("btn-mute").disabled = !live || (!!k && !k.conference);
    $("consult-box").hidden = !!k;
    $("xfer-box").hidden = !!k;
    $("consult-run").hidden = !k;
    if (k) {
      $("consult-run").dataset.phase = k.conference ? "conference" : "consulting";
      $("consult-status").textContent = t(k.conference ? "consult.conference.on" : "consult.ringing", { who: k.who });
      $("btn-conference").setAttribute("aria-pressed", k.conference ? "true" : "false");
    }
    $("btn-mute").textContent = S.muted ? t("call.unmute") : t("call.mute");
    $("btn-mute").setAttribute("aria-pressed", S.muted ? "true" : "false");
    $("btn-hold").textContent = S.held ? t("call.unhold") : t("call.hold");
    $("btn-hold").setAttribute("aria-pressed", S.held ? "true" : "false");
    renderDial();
    floorWhileLive(live);
    $("call-none").hidden = !!p;
    $("call-info").hidden = !p;
    $("call-panel").dataset.active = onThisCall() ? "1" : "0";
    if (!p) return;
    $("call-status").textContent = callStatus();
    $("call-caller").textContent = p.caller;
    $("call-queue").textContent = H.label("queue", p.queue);
    $("call-reason").textContent = H.label("reason", p.reason);
    // A campaign's call: which campaign called the customer.
    $("call-campaign-h").hidden = $("call-campaign").hidden = !p.campaign;
    $("call-campaign").textContent = p.campaign || "";
    const ivr = $("call-ivr");
    ivr.replaceChildren();
    (p.ivr_path || "")
      .split(">")
      .filter((s) => s)
      .forEach((step, i) => {
        if (i) ivr.append(el("span", { class: "sep", attrs: { "aria-hidden": "true" }, text: "›" }));
        ivr.append(el("span", { class: "step", attrs: { "data-node": step, title: step }, text: ivrStep(step) }));
      });
    const rec = $("call-record");
    if (S.callRecord) rec.textContent = "#" + S.callRecord.id;
    else if (S.callRecordState === "missing") rec.textContent = t("call.record.missing");
    else rec.textContent = t("call.record.searching");
  }

  function focusInCall() {
    return $("call-panel").contains(document.activeElement);
  }

  /** The focus was in the call's controls (`was`) and its control is now hidden or disabled:
   * the call's heading takes it (not lost to the page). */
  function keepFocus(was) {
    const a = document.activeElement;
    if (was && (!a || a === document.body || a.disabled || !a.offsetParent)) $("call-h").focus();
  }

  // ---- the other agents: targets to consult and transfer to ---------------------------------

  // Names from GET /api/directory (every desk role): colleagues by name and staff number.
  async function loadNames() {
    try {
      const list = await api("GET", "/api/directory");
      S.names = new Map(list.map((a) => [a.id, a]));
    } catch (_) {
      S.names = null;
    }
    renderTargets();
  }

  async function refreshFloor() {
    try {
      const snap = await api("GET", "/api/acd");
      S.floor = (snap && Array.isArray(snap.agents) && snap.agents) || [];
    } catch (_) {
      return;
    }
    renderTargets();
  }

  /** Asks for the agents' states at once and then every few seconds while on a call. */
  function floorWhileLive(live) {
    if (live && !S.floorTimer) {
      refreshFloor();
      S.floorTimer = setInterval(refreshFloor, FLOOR_EVERY_MS);
    } else if (!live) stopFloor();
  }

  function stopFloor() {
    clearInterval(S.floorTimer);
    S.floorTimer = null;
  }

  function agentName(id) {
    const a = S.names && S.names.get(id);
    return a ? a.name + " " + a.staff_no : t("agent.unnamed", { id });
  }

  const STATE_RANK = { ready: 0, not_ready: 1, wrap_up: 2, logged_out: 3 };

  /** Who can be consulted or transferred to: another agent whose phone is registered and who
   * is not on a call (the server checks again), the ready ones first. */
  function freeAgents() {
    return S.floor
      .filter((a) => S.me && a.id !== S.me.id && a.registered && a.state && a.state.state in STATE_RANK)
      .map((a) => ({ id: a.id, name: agentName(a.id), state: a.state.state }))
      .sort((x, y) => STATE_RANK[x.state] - STATE_RANK[y.state] || x.name.localeCompare(y.name, "zh"));
  }

  function agentOption(a) {
    return el("option", { value: "agent:" + a.id, text: t("agent.option", { name: a.name, state: H.label("state", a.state) }) });
  }

  let targetsShown = "";

  /** The transfer and consult lists; rebuilt only when what they show changed (an open list
   * is not closed under the agent's pointer). */
  function renderTargets() {
    const free = freeAgents();
    const sig = JSON.stringify([H.getLang(), S.queues, free]);
    if (sig === targetsShown) return;
    targetsShown = sig;
    const xfer = $("xfer-target");
    const keepX = xfer.value;
    xfer.replaceChildren(
      el("optgroup", { attrs: { label: t("call.xfer.queues") } }, ...S.queues.map((q) => el("option", { value: "queue:" + q, text: t("call.xfer.queue", { q: H.label("queue", q) }) }))),
      el("optgroup", { attrs: { label: t("call.xfer.flows") } }, ...FLOWS.map((f) => el("option", { value: "flow:" + f, text: t("call.xfer.flow", { f: H.label("flow", f) }) }))),
      free.length ? el("optgroup", { attrs: { label: t("call.xfer.agents") } }, ...free.map(agentOption)) : null,
      el("optgroup", { attrs: { label: t("call.xfer.other") } }, el("option", { value: "number", text: t("call.number.option") })),
    );
    if (keepX && [...xfer.options].some((o) => o.value === keepX)) xfer.value = keepX;
    const consult = $("consult-target");
    const keepC = consult.value;
    consult.replaceChildren(
      ...(free.length ? free.map(agentOption) : [el("option", { value: "", text: t("consult.none"), disabled: true })]),
      // A queue: the engine rings its first free qualified agent.
      S.queues.length
        ? el("optgroup", { attrs: { label: t("consult.queues") } }, ...S.queues.map((q) => el("option", { value: "queue:" + q, text: t("call.xfer.queue", { q: H.label("queue", q) }) })))
        : null,
      el("option", { value: "number", text: t("call.number.option") }),
    );
    if (keepC && [...consult.options].some((o) => o.value === keepC)) consult.value = keepC;
    else consult.value = free.length ? "agent:" + free[0].id : "number";
    $("consult-hint").textContent = free.length ? t("consult.hint.count", { n: free.length }) : t("consult.hint");
    showNumber("xfer");
    showNumber("consult");
  }

  /** The number field of the transfer (`xfer`) or consult list, shown when it is picked. */
  function showNumber(which, focus) {
    const on = $(which + "-target").value === "number";
    document.querySelectorAll("." + which + "-number").forEach((e) => {
      e.hidden = !on;
    });
    if (on && focus) $(which + "-number").focus();
  }

  /** A number as typed, without spaces, dashes, dots and brackets (the server judges the rest). */
  function cleanNumber(v) {
    return String(v || "").replace(/[\s\-().]/g, "");
  }

  /** The target picked in the transfer or consult list, as the API's body and in words; null
   * (and said why) when the number is missing. */
  function pickedTarget(which) {
    const v = $(which + "-target").value || "";
    if (v === "number") {
      const n = cleanNumber($(which + "-number").value);
      if (!n) {
        $(which + "-number").setAttribute("aria-invalid", "true");
        say($("call-msg"), t("call.number.missing"), "error");
        $(which + "-number").focus();
        return null;
      }
      return { body: { number: n }, who: n };
    }
    if (v.startsWith("agent:")) {
      const id = Number(v.slice(6));
      return { body: { agent: id }, who: agentName(id) };
    }
    const i = v.indexOf(":");
    if (i < 0) return null;
    if (v.slice(0, i) === "flow") return { body: { flow: v.slice(i + 1) }, who: null };
    const q = v.slice(i + 1);
    // Consulting a queue names it (its agent is known once rung); transferring to it does not.
    return { body: { queue: q }, who: which === "consult" ? t("call.xfer.queue", { q: H.label("queue", q) }) : null };
  }

  /** Marks the control a refusal names (`agent`, `number`, `queue`, `flow`) and clears the rest. */
  function markRefused(which, field) {
    const box = $(which + "-box");
    for (const e of box.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    const named = field === "number" ? $(which + "-number") : field ? $(which + "-target") : null;
    if (named && !named.hidden) {
      named.setAttribute("aria-invalid", "true");
      named.focus();
    }
  }

  // ---- call control ------------------------------------------------------------------------

  async function callAction(path, body, done, which) {
    say($("call-msg"), "");
    try {
      await api("POST", path, body);
      if (which) markRefused(which, null);
      done();
    } catch (err) {
      // The engine takes call control once the caller is through to the agent: right after
      // the answer the caller still hears the agent's staff number (工号 … 为您服务).
      const early = err.code === "no_call" && onThisCall();
      say($("call-msg"), errorText(err) + (early ? " " + t("call.not_yet") : ""), "error");
      if (which) markRefused(which, err.field);
      if (which && err.field === "agent") refreshFloor();
    }
  }

  function hangup() {
    callAction("/api/acd/me/call/hangup", {}, () => say($("call-msg"), t("call.done.hangup"), "ok"));
  }

  function hold() {
    const on = !S.held;
    callAction("/api/acd/me/call/hold", { on }, () => {
      S.held = on;
      renderCall();
      say($("call-msg"), t(on ? "call.done.hold" : "call.done.unhold"), "ok");
    });
  }

  function mute() {
    const on = !S.muted;
    callAction("/api/acd/me/call/mute", { on }, () => {
      S.muted = on;
      renderCall();
      say($("call-msg"), t(on ? "call.done.mute" : "call.done.unmute"), "ok");
    });
  }

  /** To a queue or a flow, or blind to an agent or a number: the agent leaves the call. */
  function transfer() {
    const target = pickedTarget("xfer");
    if (!target) return;
    callAction(
      "/api/acd/me/call/transfer",
      target.body,
      () => say($("call-msg"), target.who ? t("call.done.xfer.to", { who: target.who }) : t("call.done.xfer"), "ok"),
      "xfer",
    );
  }

  /** Consult an agent or a number: the caller is held with music while the target is rung. */
  async function consult() {
    const target = pickedTarget("consult");
    if (!target || !S.pop) return;
    const call = S.pop.call;
    const asked = (S.consulting = { call, notReached: false });
    await callAction(
      "/api/acd/me/call/consult",
      target.body,
      () => {
        if (!S.pop || S.pop.call !== call) return;
        if (asked.notReached) {
          say($("call-msg"), t("notice.consult_not_reached"), "error");
          return;
        }
        const hadFocus = $("consult-box").contains(document.activeElement);
        S.consult = { call, who: target.who, conference: false };
        // The agent now talks with the target; the caller's side is re-joined afterwards.
        S.muted = false;
        keepConsult();
        renderCall();
        say($("call-msg"), t("consult.done.start", { who: target.who }), "ok");
        if (hadFocus) $("btn-complete").focus();
      },
      "consult",
    );
    if (S.consulting === asked) S.consulting = null;
  }

  /** The consultation is over (cancelled, not reached, or the server knows none): back with
   * the caller, the consult controls again. */
  function consultOver() {
    const hadFocus = $("consult-run").contains(document.activeElement);
    S.consult = null;
    S.held = false;
    S.muted = false;
    keepConsult();
    renderCall();
    if (hadFocus) (onThisCall() ? $("btn-consult") : $("call-h")).focus();
  }

  /** Complete, cancel or conference; a refusal is shown and the buttons stay (the target may
   * answer yet); a refusal naming no call means the consultation is over. */
  async function consultStep(step) {
    const k = S.consult;
    if (!k) return;
    say($("call-msg"), "");
    try {
      await api("POST", "/api/acd/me/call/" + step);
    } catch (err) {
      const gone = err.code === "no_call" && S.consult === k;
      if (gone) consultOver();
      say($("call-msg"), (gone ? t("consult.gone") + " — " : "") + errorText(err), "error");
      return;
    }
    if (S.consult !== k) return;
    if (step === "conference") {
      k.conference = true;
      S.muted = false;
      keepConsult();
      renderCall();
      say($("call-msg"), t("consult.done.conference"), "ok");
    } else if (step === "cancel") {
      consultOver();
      say($("call-msg"), t("consult.done.cancel"), "ok");
    } else {
      const focused = focusInCall();
      S.consult = null;
      keepConsult();
      renderCall();
      keepFocus(focused);
      say($("call-msg"), t("consult.done.complete", { who: k.who }), "ok");
    }
  }

  // ---- the dial pad ------------------------------------------------------------------------

  /** Dialling waits while the agent has a call (ringing or talking). */
  function renderDial() {
    const st = S.acd && S.acd.state;
    const busy = !!st && (st.state === "on_call" || st.state === "reserved");
    $("dial-fields").disabled = busy;
    $("dial-hint").textContent = busy ? t("dial.busy") : t("dial.hint");
  }

  function dialKey(ev) {
    const b = ev.target.closest("button[data-key]");
    if (!b) return;
    const input = $("dial-number");
    const key = b.dataset.key;
    if (key === "clear") input.value = "";
    else if (input.value.length < input.maxLength) input.value += key;
    input.removeAttribute("aria-invalid");
  }

  async function dial(ev) {
    ev.preventDefault();
    const input = $("dial-number");
    const number = cleanNumber(input.value);
    if (!number) {
      input.setAttribute("aria-invalid", "true");
      say($("dial-msg"), t("call.number.missing"), "error");
      input.focus();
      return;
    }
    say($("dial-msg"), "");
    try {
      await api("POST", "/api/acd/me/dial", { number });
      input.removeAttribute("aria-invalid");
      say($("dial-msg"), t("dial.done", { number }), "ok");
    } catch (err) {
      // A refusal names `number` (dial rules) or `phone` (not a number that can be dialled).
      if (err.field === "number" || err.field === "phone") {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
      say($("dial-msg"), errorText(err), "error");
    }
  }

  // ---- wiring ------------------------------------------------------------------------------

  // Wrap-up's time left; once over and still in wrap-up, the router holds it for the call's
  // reasons (acd.wrapup_reasons_required).
  function wrapDetail(st) {
    const left = st.until - H.serverNow();
    return left > 1000 ? t("state.detail.wrap", { s: H.duration(left) }) : t("state.detail.wrap_reasons");
  }

  function tick() {
    const st = S.acd && S.acd.state;
    if (st) {
      $("state-time").textContent = H.duration(H.serverNow() - st.since);
      if (st.state === "wrap_up" && st.until) $("state-detail").textContent = wrapDetail(st);
    }
    if (S.pop) $("call-status").textContent = callStatus();
  }

  function renderAll() {
    renderWho();
    renderState();
    renderCall();
    renderTargets();
    D.renderCustomer();
    D.renderTicket();
    D.renderTicketList();
    D.renderFollowups();
  }

  function onKey(ev) {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || $("desk").hidden) return;
    const st = S.acd && S.acd.state;
    switch (ev.code) {
      case "KeyR":
        ev.preventDefault();
        goReady();
        (st && st.state === "wrap_up" ? $("btn-end-wrap") : $("btn-ready")).focus();
        break;
      case "KeyN":
        ev.preventDefault();
        goNotReady();
        $("btn-not-ready").focus();
        break;
      case "KeyT":
        ev.preventDefault();
        $("nt-summary").focus();
        $("nt-summary").scrollIntoView({ block: "center" });
        break;
      case "KeyF":
        ev.preventDefault();
        $("search-q").focus();
        $("search-q").select();
        break;
      default:
    }
  }

  function init() {
    H.applyStrings(document);
    H.langButton($("lang"));
    H.onLang(() => {
      document.title = t("desk.title") + " · hotline";
      renderReasonTree();
      renderAll();
    });
    document.title = t("desk.title") + " · hotline";
    H.onUnauthorized((err) => showLogin(err && err.status === 401 ? t("err.session") : ""));
    H.loginForm($("login-form"), $("login-msg"), start);
    $("logout").addEventListener("click", async () => {
      await H.logout();
      forgetPop();
      S.pop = null;
      S.customer = null;
      S.ticket = null;
      S.acd = null;
      showLogin("");
    });
    $("btn-ready").addEventListener("click", goReady);
    $("btn-end-wrap").addEventListener("click", goReady);
    $("btn-not-ready").addEventListener("click", goNotReady);
    $("btn-acd-login").addEventListener("click", () => changeState("logged_in"));
    $("btn-acd-logout").addEventListener("click", () => changeState("logged_out"));
    $("nr-reason").addEventListener("change", () => {
      const other = $("nr-reason").value === "other";
      document.querySelectorAll(".nr-code").forEach((e) => {
        e.hidden = !other;
      });
      if (other) $("nr-code").focus();
    });
    $("btn-hangup").addEventListener("click", hangup);
    $("btn-hold").addEventListener("click", hold);
    $("btn-xfer").addEventListener("click", transfer);
    $("btn-mute").addEventListener("click", mute);
    $("btn-consult").addEventListener("click", consult);
    $("btn-complete").addEventListener("click", () => consultStep("complete"));
    $("btn-consult-cancel").addEventListener("click", () => consultStep("cancel"));
    $("btn-conference").addEventListener("click", () => consultStep("conference"));
    ["xfer", "consult"].forEach((which) => {
      $(which + "-target").addEventListener("change", () => showNumber(which, true));
      // Enter in a number field does what its button does.
      $(which + "-number").addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" && !ev.isComposing) {
          ev.preventDefault();
          $(which === "xfer" ? "btn-xfer" : "btn-consult").click();
        }
      });
      $(which + "-number").addEventListener("input", () => $(which + "-number").removeAttribute("aria-invalid"));
    });
    $("dial-pad").addEventListener("click", dialKey);
    $("dial-back").addEventListener("click", () => {
      const input = $("dial-number");
      input.value = input.value.slice(0, -1);
      input.removeAttribute("aria-invalid");
    });
    $("dial-number").addEventListener("input", () => $("dial-number").removeAttribute("aria-invalid"));
    $("dial-form").addEventListener("submit", dial);
    $("my-keys").addEventListener("click", D.myKeyAccounts);
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      D.search($("search-by").value, $("search-q").value.trim());
    });
    $("nt-form").addEventListener("submit", D.openTicket);
    $("tk-dispatch").addEventListener("click", D.dispatch);
    $("tk-add-note").addEventListener("click", D.addNote);
    $("tk-link").addEventListener("click", D.linkCurrentCall);
    $("tl-refresh").addEventListener("click", D.refreshTickets);
    ["tl-status", "tl-overdue", "tl-mine"].forEach((id) => $(id).addEventListener("change", D.refreshTickets));
    $("fu-refresh").addEventListener("click", D.refreshFollowups);
    document.addEventListener("keydown", onKey);

    H.resume(start, showLogin);
  }

  Object.assign(D, { callCurrent, districtName });
  // The other parts of the page (deferred scripts after this one) are loaded by then.
  document.addEventListener("DOMContentLoaded", init);
})();
