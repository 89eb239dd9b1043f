"use strict";
// The agent desktop (/desk): log in, the ACD state (shown only as the server reports it), the
// screen pop when the router offers a call (caller, queue, reason, IVR path), call control,
// the keyboard shortcuts and the wiring. The customer's account view and search are in
// desk-customer.js, tickets and follow-up calls in desk-tickets.js, the words in
// desk-strings.js; they share the page's state through `Hotline.desk`. Everything from the
// server is put on the page as text.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  const FLOWS = ["survey"];
  const POP_KEY = "hotline.pop";

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
  // Shared with desk-customer.js and desk-tickets.js, which add their functions to it.
  const D = (H.desk = { S });

  // ---- login and start ---------------------------------------------------------------------

  function showLogin(message) {
    forgetPop();
    $("esc-banner").hidden = true;
    S.pop = null;
    if (S.live) S.live.stop();
    S.live = null;
    clearInterval(S.tick);
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
    restorePop();
    refreshMe();
    D.refreshTickets();
    D.refreshFollowups();
  }

  // A reload keeps the last screen pop (kept in the tab's sessionStorage).
  function restorePop() {
    let pop = null;
    try {
      pop = JSON.parse(sessionStorage.getItem(POP_KEY) || "null");
    } catch (_) {
      pop = null;
    }
    if (pop && typeof pop.call === "number" && typeof pop.caller === "string") screenPop(pop);
  }

  function forgetPop() {
    try {
      sessionStorage.removeItem(POP_KEY);
    } catch (_) {
      /* nothing kept */
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
          renderXferTargets();
        }
      }
      const mine = (data.agents || []).find((a) => S.me && a.id === S.me.id);
      if (mine) applyAgent(mine);
    } else if (name === "agent_state") {
      if (S.me && data.agent === S.me.id) applyAgent({ state: data.state });
    } else if (name === "offer") {
      if (S.me && data.agent === S.me.id) screenPop(data);
    } else if (name === "escalation") {
      // Sent to supervisors only: a ticket raised by the escalation sweep.
      H.escalations.add(data);
      H.escalations.renderBanner($("esc-banner"));
    } else if (name === "call_notice") {
      // A callback's customer was not reached (busy, no answer): the leg ends after a prompt.
      if (S.me && data.agent === S.me.id) say($("call-msg"), t("notice." + data.notice), "error");
    }
  }

  // ---- the screen pop ----------------------------------------------------------------------

  function screenPop(pop) {
    if (!S.pop || S.pop.call !== pop.call) clearWrapup();
    S.pop = pop;
    try {
      sessionStorage.setItem(POP_KEY, JSON.stringify(pop));
    } catch (_) {
      /* not kept over a reload */
    }
    S.held = false;
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

  function renderCall() {
    const p = S.pop;
    // Call control only on a call (no request the server can only refuse).
    const live = onThisCall();
    ["btn-hangup", "btn-hold", "btn-xfer", "xfer-target"].forEach((id) => {
      $(id).disabled = !live;
    });
    $("call-none").hidden = !!p;
    $("call-info").hidden = !p;
    $("call-panel").dataset.active = onThisCall() ? "1" : "0";
    if (!p) return;
    $("call-status").textContent = callStatus();
    $("call-caller").textContent = p.caller;
    $("call-queue").textContent = H.label("queue", p.queue);
    $("call-reason").textContent = H.label("reason", p.reason);
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
    $("btn-hold").textContent = S.held ? t("call.unhold") : t("call.hold");
    $("btn-hold").setAttribute("aria-pressed", S.held ? "true" : "false");
  }

  function renderXferTargets() {
    const sel = $("xfer-target");
    const keep = sel.value;
    sel.replaceChildren(
      el("optgroup", { attrs: { label: t("call.xfer.queues") } }, ...S.queues.map((q) => el("option", { value: "queue:" + q, text: t("call.xfer.queue", { q: H.label("queue", q) }) }))),
      el("optgroup", { attrs: { label: t("call.xfer.flows") } }, ...FLOWS.map((f) => el("option", { value: "flow:" + f, text: t("call.xfer.flow", { f: H.label("flow", f) }) }))),
    );
    if (keep) sel.value = keep;
  }

  async function callAction(path, body, done) {
    say($("call-msg"), "");
    try {
      await api("POST", path, body);
      done();
    } catch (err) {
      say($("call-msg"), errorText(err), "error");
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

  function transfer() {
    const v = $("xfer-target").value || "";
    const i = v.indexOf(":");
    if (i < 0) return;
    const kind = v.slice(0, i);
    const body = kind === "flow" ? { flow: v.slice(i + 1) } : { queue: v.slice(i + 1) };
    callAction("/api/acd/me/call/transfer", body, () => say($("call-msg"), t("call.done.xfer"), "ok"));
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
    renderXferTargets();
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
