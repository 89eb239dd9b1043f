"use strict";
// The agent desktop's tickets (open one for the call in a few keys, link the call, dispatch,
// notes, the lifecycle, the list with overdue ones first) and follow-up calls (the due list,
// click-to-call, reached or not and the rating). Part of desk.js (state in `Hotline.desk`),
// loaded after it.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;
  const D = H.desk;
  const S = D.S;

  H.addStrings(
    {
      "tk.dispatch.choose": "— 请选择区域 —",
      "tk.dispatch.address": "派往地址",
      "tk.dispatch.proposed": "建议派往 {d}，请确认后派单",
      "tk.dispatch.noproposal": "无法确定区域：请选择派往区域",
      "tk.why.district_id": "未派单：请先选择派往区域（{m}）",
      "tk.why.address": "未派单：工单没有地址也没有关联客户，请填写派往地址（{m}）",
      "tk.customer": "客户",
      "tk.level": "升级 {n} 级",
      "tk.event.acknowledged": "班组确认接单",
      "tk.event.escalation_level": "升级至 2 级",
      "tk.rating": "评价",
      "tk.dl.on_site": "到场",
      "tk.dl.reply": "回复",
      "tk.dl.follow_up": "回访",
      "tk.dl.left": "剩余 {d}",
      "tk.dl.late": "已超时 {d}",
      "tk.dl.met": "已完成 {at}",
      "tk.act.return": "退回中心",
      "tk.act.start": "到场开工",
      "tk.act.reply": "回复结果",
      "tk.act.send_back": "退回重办",
      "tk.act.close": "办结",
      "tk.act.follow_up": "回访完成",
      "tk.act.rate": "记录评价",
      "tk.act.reopen": "重新打开",
      "tk.act.note": "备注",
      "tk.act.note.result": "处理结果（必填）",
      "tk.act.note.reason": "原因（必填）",
      "tk.act.done": "工单 #{id}：{s}",
      "tk.act.conflict": "操作未生效：工单已被他人更新，当前状态为“{s}”（{m}）",
      "tk.why.note": "请填写{what}（{m}）",
      "tk.act.fu.reached": "已联系上客户",
      "tk.act.fu.notreached": "未联系上",
      "tl.kind": "类型",
      "tl.district": "区域",
      "tl.priority": "优先级",
      "tl.any": "全部",
      "tl.due_soon": "2小时内到期",
      "tl.my": "我的工单",
      "tk.actor.ivr": "语音导航",
      "tk.actor.system": "系统",
    },
    {
      "tk.dispatch.choose": "— choose a district —",
      "tk.dispatch.address": "Address for the crew",
      "tk.dispatch.proposed": "Proposed: {d}; confirm to dispatch",
      "tk.dispatch.noproposal": "No district could be proposed: choose one",
      "tk.why.district_id": "Not dispatched: choose the district first ({m})",
      "tk.why.address": "Not dispatched: the ticket has neither an address nor a customer; give the address ({m})",
      "tk.customer": "Customer",
      "tk.level": "escalated, level {n}",
      "tk.event.acknowledged": "acknowledged by the crew",
      "tk.event.escalation_level": "escalated to level 2",
      "tk.rating": "Rating",
      "tk.dl.on_site": "On site",
      "tk.dl.reply": "Reply",
      "tk.dl.follow_up": "Follow-up",
      "tk.dl.left": "{d} left",
      "tk.dl.late": "{d} late",
      "tk.dl.met": "met {at}",
      "tk.act.return": "Return to the centre",
      "tk.act.start": "Start on site",
      "tk.act.reply": "Reply with the result",
      "tk.act.send_back": "Send back",
      "tk.act.close": "Close",
      "tk.act.follow_up": "Follow-up done",
      "tk.act.rate": "Record the rating",
      "tk.act.reopen": "Re-open",
      "tk.act.note": "Note",
      "tk.act.note.result": "Result (required)",
      "tk.act.note.reason": "Reason (required)",
      "tk.act.done": "Ticket #{id}: {s}",
      "tk.act.conflict": "Not done: someone changed the ticket first; it is now “{s}” ({m})",
      "tk.why.note": "Write {what} ({m})",
      "tk.act.fu.reached": "customer reached",
      "tk.act.fu.notreached": "not reached",
      "tl.kind": "Kind",
      "tl.district": "District",
      "tl.priority": "Priority",
      "tl.any": "any",
      "tl.due_soon": "due within 2 h",
      "tl.my": "mine",
      "tk.actor.ivr": "IVR",
      "tk.actor.system": "system",
    },
  );

  // ---- tickets -----------------------------------------------------------------------------

  const DUE_SOON_MINUTES = 120;
  const PRIORITIES = ["urgent", "high", "normal", "low"];
  // The lifecycle actions offered below the dispatch box, in this order.
  const LIFECYCLE = ["start", "reply", "return", "send_back", "close", "follow_up", "rate", "reopen"];
  const NOTE_NEEDED = { reply: "result", return: "reason", send_back: "reason", reopen: "reason" };

  function ticketRow(tk) {
    const overdue = tk.overdue && tk.overdue.length > 0;
    return el(
      "li",
      {},
      el(
        "button",
        { type: "button", class: "tk-row" + (overdue ? " overdue" : ""), data: { ticket: tk.id }, on: { click: () => selectTicket(tk.id) } },
        el("span", { class: "mono tk-row-id", text: "#" + tk.id }),
        el("span", { class: "tk-row-kind", text: H.label("kind", tk.kind) }),
        el("span", { class: "badge status-" + tk.status, text: H.label("status", tk.status) }),
        overdue ? el("span", { class: "badge overdue", text: tk.overdue.map((o) => H.label("overdue", o)).join("、") }) : null,
        tk.escalation_level > 0 ? el("span", { class: "badge level-" + tk.escalation_level, text: t("tk.level", { n: tk.escalation_level }) }) : null,
        el("span", { class: "tk-row-summary", text: H.ticketSummary(tk) }),
      ),
    );
  }

  async function refreshTickets() {
    const c = S.customer && S.customer.customer;
    const params = {
      status: $("tl-status").value,
      overdue: $("tl-overdue").checked ? "true" : "",
      customer: $("tl-mine").checked && c ? c.id : "",
      kind: $("tl-kind").value,
      district: $("tl-district").value,
      priority: $("tl-priority").value,
      due_soon: $("tl-due-soon").checked ? DUE_SOON_MINUTES : "",
      mine: $("tl-my").checked ? "true" : "",
      limit: 50,
    };
    try {
      S.tickets = await api("GET", "/api/tickets" + query(params));
      say($("tl-msg"), "");
    } catch (err) {
      say($("tl-msg"), errorText(err), "error");
    }
    renderTicketList();
  }

  /** The list's choices (kinds as the new-ticket form has them, districts, priorities), the
   *  values chosen kept. */
  function fillListFilters() {
    const fill = (id, options) => {
      const sel = $(id);
      const keep = sel.value;
      sel.replaceChildren(el("option", { value: "", text: t("tl.any") }), ...options.map(([v, text]) => el("option", { value: v, text })));
      sel.value = keep;
    };
    fill("tl-kind", [...$("nt-kind").options].map((o) => [o.value, H.label("kind", o.value)]));
    fill("tl-district", S.districts.map((d) => [String(d.id), d.name]));
    fill("tl-priority", PRIORITIES.map((p) => [p, H.label("priority", p)]));
  }

  function renderTicketList() {
    fillListFilters();
    const list = $("tl-list");
    list.replaceChildren(...S.tickets.map(ticketRow));
    if (!S.tickets.length) list.append(el("li", { class: "empty", text: t("tl.none") }));
  }

  async function selectTicket(id, keepMessage) {
    try {
      S.ticket = await api("GET", "/api/tickets/" + encodeURIComponent(id));
      if (!keepMessage) say($("tk-msg"), "");
      renderTicket();
    } catch (err) {
      say($("tk-msg"), errorText(err), "error");
    }
  }

  function renderTicket() {
    const d = S.ticket;
    $("tk-none").hidden = !!d;
    $("tk-current").hidden = !d;
    const sel = $("tk-district-sel");
    const keep = S.ticketShown === (d && d.ticket.id) ? sel.value : "";
    // No district is chosen by default: the first option is "choose", the proposal is
    // preselected and named, and the agent confirms it by dispatching.
    sel.replaceChildren(
      el("option", { value: "", text: t("tk.dispatch.choose") }),
      ...S.districts.map((x) => el("option", { value: String(x.id), text: x.name + " · " + x.service_centre })),
    );
    sel.removeAttribute("aria-invalid");
    if (!d) {
      S.ticketShown = null;
      return;
    }
    S.ticketShown = d.ticket.id;
    const tk = d.ticket;
    $("tk-id").textContent = "#" + tk.id;
    $("tk-kind").textContent = H.label("kind", tk.kind);
    $("tk-status").textContent = H.label("status", tk.status);
    $("tk-status").className = "badge status-" + tk.status;
    $("tk-priority").textContent = H.label("priority", tk.priority);
    $("tk-priority").className = "badge priority-" + tk.priority;
    $("tk-summary").textContent = H.ticketSummary(tk);
    $("tk-address").textContent = tk.address || "—";
    $("tk-district").textContent = D.districtName(tk.district_id);
    $("tk-created").textContent = H.dateTime(tk.created_at);
    const due = [];
    if (tk.due_on_site_at !== null) due.push(t("tk.due.on_site", { at: H.dateTime(tk.due_on_site_at) }));
    if (tk.due_reply_at !== null) due.push(t("tk.due.reply", { at: H.dateTime(tk.due_reply_at) }));
    if (tk.due_follow_up_at !== null) due.push(t("tk.due.follow_up", { at: H.dateTime(tk.due_follow_up_at) }));
    $("tk-due").textContent = due.join(" · ") || "—";
    $("tk-calls").textContent = d.call_ids.length ? d.call_ids.map((c) => "#" + c).join(" ") : "—";
    $("tk-customer").textContent = d.customer_name ? d.customer_name + " · #" + tk.customer_id : "—";
    $("tk-rating").textContent = tk.rating ? "★".repeat(tk.rating) + " " + tk.rating : "—";
    renderDeadlines(tk);
    $("tk-dispatch-box").hidden = !d.actions.includes("dispatch");
    renderLifecycle(d);
    const od = $("tk-overdue");
    od.hidden = !tk.overdue.length && !tk.escalation_level;
    od.textContent = [
      tk.overdue.length ? t("tk.overdue", { what: tk.overdue.map((o) => H.label("overdue", o)).join("、") }) : "",
      tk.escalation_level ? t("tk.level", { n: tk.escalation_level }) : "",
    ]
      .filter(Boolean)
      .join(" · ");
    od.dataset.level = String(tk.escalation_level || 0);
    const proposed = d.proposed_district_id;
    sel.value = keep || (proposed !== null && proposed !== undefined ? String(proposed) : "");
    $("tk-district-hint").textContent =
      proposed !== null && proposed !== undefined ? t("tk.dispatch.proposed", { d: D.districtName(proposed) }) : t("tk.dispatch.noproposal");
    const needAddress = tk.customer_id === null && !tk.address.trim();
    document.querySelectorAll(".tk-dispatch-address").forEach((e) => {
      e.hidden = !needAddress;
    });
    $("tk-dispatch-address").removeAttribute("aria-invalid");
    $("tk-events").replaceChildren(
      ...d.events.map((e) =>
        el(
          "li",
          {},
          el("span", { class: "mono hint", text: H.dateTime(e.at) }),
          " ",
          el("span", { class: "ev-who", text: actorName(e) }),
          " ",
          el("span", { class: "ev-kind", text: H.label("tk.event", e.kind) }),
          e.to_status ? el("span", { text: " → " + H.label("status", e.to_status) }) : null,
          e.note ? el("span", { class: "ev-note", text: " · " + noteText(e) }) : null,
        ),
      ),
    );
  }

  /** An event's note in the page's language: the engine's own notes (automatic dispatch, a
   * linked call, the dispatch phone's "中文 / English") shown in words; people's notes as
   * written. */
  function noteText(e) {
    const note = e.note;
    if (e.actor !== "system" && e.actor !== "ivr") return note;
    if (note === "auto_dispatch") return t("tk.note.auto_dispatch");
    const call = /^call (\d+)$/.exec(note);
    if (call) return t("tk.note.call", { id: call[1] });
    const both = /^([^/]*[\u4e00-\u9fff][^/]*?)\s*\/\s*(.+)$/.exec(note);
    if (both) return H.getLang() === "en" ? both[2] : both[1];
    return note;
  }

  function actorName(e) {
    if (e.actor_name) return e.actor_name;
    if (e.actor === "ivr" || e.actor === "system") return t("tk.actor." + e.actor);
    return e.actor;
  }

  /** The deadlines with a countdown each (ticked every second by `tickDeadlines`). */
  function renderDeadlines(tk) {
    const rows = [
      ["on_site", tk.due_on_site_at, tk.on_site_at || tk.replied_at],
      ["reply", tk.due_reply_at, tk.replied_at],
      ["follow_up", tk.due_follow_up_at, tk.followed_up_at],
    ].filter(([, due]) => due !== null && due !== undefined);
    $("tk-deadlines").replaceChildren(
      ...rows.map(([m, due, met]) =>
        el(
          "li",
          { data: { milestone: m, due: String(due), met: met ? String(met) : "" } },
          el("span", { class: "dl-name", text: t("tk.dl." + m) }),
          " ",
          el("span", { class: "mono hint", text: H.dateTime(due) }),
          " ",
          el("span", { class: "dl-left mono" }),
        ),
      ),
    );
    tickDeadlines();
  }

  function tickDeadlines() {
    const now = H.serverNow();
    document.querySelectorAll("#tk-deadlines li").forEach((li) => {
      const due = Number(li.dataset.due);
      const met = li.dataset.met ? Number(li.dataset.met) : null;
      const left = li.querySelector(".dl-left");
      let text;
      let state;
      if (met !== null) {
        text = t("tk.dl.met", { at: H.dateTime(met) });
        state = "met";
      } else if (now > due) {
        text = t("tk.dl.late", { d: H.duration(now - due) });
        state = "late";
      } else {
        text = t("tk.dl.left", { d: H.duration(due - now) });
        state = due - now < 30 * 60000 ? "soon" : "ok";
      }
      if (left.textContent !== text) left.textContent = text;
      li.dataset.state = state;
    });
  }
  setInterval(tickDeadlines, 1000);

  /** One form per lifecycle action the ticket allows now (the server's `actions`). */
  function renderLifecycle(d) {
    const tk = d.ticket;
    const box = $("tk-lifecycle");
    box.replaceChildren(...LIFECYCLE.filter((a) => d.actions.includes(a)).map((a) => actionForm(d, tk, a)));
  }

  function actionForm(d, tk, action) {
    const id = "tk-act-" + action;
    const need = NOTE_NEEDED[action];
    const parts = [];
    let note = null;
    let rating = null;
    let reached = null;
    if (action === "follow_up" && d.followup_id) {
      reached = el("select", { attrs: { id: id + "-reached", "aria-label": t("fu.result") } }, el("option", { value: "1", text: t("tk.act.fu.reached") }), el("option", { value: "0", text: t("tk.act.fu.notreached") }));
      parts.push(reached);
    }
    if (action === "rate" || reached) {
      rating = el("select", { attrs: { id: id + "-rating", "aria-label": t("tk.rating") } }, ...(reached ? [el("option", { value: "", text: "—" })] : []), ...[5, 4, 3, 2, 1].map((n) => el("option", { value: String(n), text: "★".repeat(n) + " " + n })));
      parts.push(rating);
    }
    if (action !== "rate") {
      note = el("input", { attrs: { id: id + "-note", maxlength: "4000", autocomplete: "off", placeholder: t(need ? "tk.act.note." + need : "tk.act.note"), "aria-label": t(need ? "tk.act.note." + need : "tk.act.note") } });
      if (need) note.required = true;
      parts.push(note);
    }
    const button = el("button", { type: "submit", attrs: { id: id }, class: action === "close" || action === "reply" ? "primary" : "", text: t("tk.act." + action) });
    const form = el("form", { class: "tk-act", data: { action } }, ...parts, button);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      say($("tk-msg"), "");
      try {
        let after;
        if (reached) {
          const body = { reached: reached.value === "1" };
          if (body.reached && rating.value) body.rating = Number(rating.value);
          if (note.value.trim()) body.note = note.value.trim();
          await api("POST", "/api/followups/" + d.followup_id + "/result", body);
          after = (await api("GET", "/api/tickets/" + tk.id)).ticket;
        } else {
          const body = { action, version: tk.version };
          if (note && note.value.trim()) body.note = note.value.trim();
          if (rating) body.rating = Number(rating.value);
          after = await api("POST", "/api/tickets/" + tk.id + "/transitions", body);
        }
        say($("tk-msg"), t("tk.act.done", { id: tk.id, s: H.label("status", after.status) }), "ok");
        await selectTicket(tk.id, true);
        refreshTickets();
        reloadCustomerOf(after);
      } catch (err) {
        button.disabled = false;
        if (err && err.status === 409) {
          // Someone else was first: say where the ticket is now and show it as it is.
          const now = err.current && err.current.status;
          await selectTicket(tk.id, true);
          say($("tk-msg"), t("tk.act.conflict", { s: H.label("status", now || (S.ticket && S.ticket.ticket.status)), m: err.message }), "error");
          refreshTickets();
        } else if (err && err.status === 422 && err.field === "note" && note) {
          note.setAttribute("aria-invalid", "true");
          note.focus();
          say($("tk-msg"), t("tk.why.note", { what: t("tk.act.note." + (need || "reason")), m: err.message }), "error");
        } else {
          say($("tk-msg"), errorText(err), "error");
        }
      }
    });
    return form;
  }

  /** The account view again, when `ticket` is the shown customer's (its ticket list changed). */
  function reloadCustomerOf(ticket) {
    const c = S.customer && S.customer.customer;
    if (c && ticket && ticket.customer_id === c.id && S.customer.bills) D.loadAccount(c.id);
  }

  async function openTicket(ev) {
    ev.preventDefault();
    const summary = $("nt-summary").value.trim();
    if (!summary) {
      $("nt-summary").focus();
      return;
    }
    const c = S.customer && S.customer.customer;
    const body = { kind: $("nt-kind").value, summary };
    if ($("nt-priority").value) body.priority = $("nt-priority").value;
    if (c) body.customer_id = c.id;
    const addr = $("nt-address").value.trim();
    if (addr) body.address = addr;
    const phone = $("nt-phone").value.trim();
    if (phone) body.reporter_phone = phone;
    const name = $("nt-name").value.trim();
    if (name) body.reporter_name = name;
    $("nt-submit").disabled = true;
    say($("nt-msg"), "");
    try {
      const tk = await api("POST", "/api/tickets", body);
      let text = t("nt.created", { id: tk.id });
      let kind = "ok";
      if (S.callRecord && D.callCurrent()) {
        try {
          await api("POST", "/api/calls/" + S.callRecord.id + "/tickets", { ticket_id: tk.id });
          text += t("nt.linked", { call: S.callRecord.id });
        } catch (err) {
          text += t("nt.notlinked", { why: errorText(err) });
          kind = "error";
        }
      } else if (D.callCurrent()) {
        text += t("nt.notlinked", { why: t("nt.nocall") });
      }
      say($("nt-msg"), text, kind);
      $("nt-summary").value = "";
      await selectTicket(tk.id);
      refreshTickets();
      if (c) D.loadAccount(c.id);
    } catch (err) {
      say($("nt-msg"), errorText(err), "error");
    } finally {
      $("nt-submit").disabled = false;
    }
  }

  async function dispatch() {
    if (!S.ticket) return;
    const tk = S.ticket.ticket;
    const district = Number($("tk-district-sel").value);
    say($("tk-msg"), "");
    try {
      // Sent as chosen: the server decides what is missing and the page says why.
      const body = { action: "dispatch", version: tk.version };
      if (district) body.district_id = district;
      const address = $("tk-dispatch-address").value.trim();
      if (!$("tk-dispatch-address").hidden && address) body.address = address;
      const after = await api("POST", "/api/tickets/" + tk.id + "/transitions", body);
      say($("tk-msg"), t("tk.dispatched", { id: after.id, d: D.districtName(after.district_id) }), "ok");
      await selectTicket(tk.id, true);
      refreshTickets();
      reloadCustomerOf(after);
    } catch (err) {
      showRefusal(err, { district_id: "tk-district-sel", address: "tk-dispatch-address" });
    }
  }

  /** A refused action: why, in words, with the field at fault marked and focused. */
  function showRefusal(err, fields) {
    const id = err && err.status === 422 && fields[err.field];
    if (!id) {
      say($("tk-msg"), errorText(err), "error");
      return;
    }
    const input = $(id);
    const row = input.closest(".tk-dispatch-address");
    if (row) row.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    say($("tk-msg"), t("tk.why." + err.field, { m: err.message }), "error");
  }

  async function addNote() {
    if (!S.ticket) return;
    const note = $("tk-note").value.trim();
    if (!note) {
      say($("tk-msg"), t("tk.note.empty"), "error");
      $("tk-note").focus();
      return;
    }
    try {
      S.ticket = await api("POST", "/api/tickets/" + S.ticket.ticket.id + "/comments", { note });
      $("tk-note").value = "";
      say($("tk-msg"), t("tk.note.added"), "ok");
      renderTicket();
      reloadCustomerOf(S.ticket.ticket);
    } catch (err) {
      say($("tk-msg"), errorText(err), "error");
    }
  }

  async function linkCurrentCall() {
    if (!S.ticket) return;
    if (!S.callRecord) {
      say($("tk-msg"), t("nt.nocall"), "error");
      return;
    }
    try {
      await api("POST", "/api/calls/" + S.callRecord.id + "/tickets", { ticket_id: S.ticket.ticket.id });
      say($("tk-msg"), t("tk.linked", { call: S.callRecord.id }), "ok");
      await selectTicket(S.ticket.ticket.id, true);
    } catch (err) {
      say($("tk-msg"), errorText(err), "error");
    }
  }

  // ---- follow-ups --------------------------------------------------------------------------

  async function refreshFollowups() {
    try {
      S.followups = await api("GET", "/api/followups/due" + query({ limit: 20 }));
      say($("fu-msg"), "");
    } catch (err) {
      say($("fu-msg"), errorText(err), "error");
    }
    renderFollowups();
  }

  function renderFollowups() {
    const list = $("fu-list");
    list.replaceChildren();
    if (!S.followups.length) {
      list.append(el("li", { class: "empty", text: t("fu.none") }));
      return;
    }
    S.followups.forEach((f) => {
      const id = "fu-" + f.id;
      const msg = el("p", { class: "msg", attrs: { role: "alert" }, hidden: true });
      const reached = el("select", { attrs: { id: id + "-reached" } }, el("option", { value: "1", text: t("fu.reached") }), el("option", { value: "0", text: t("fu.notreached") }));
      const rating = el("select", { attrs: { id: id + "-rating" } }, el("option", { value: "", text: "—" }), ...[5, 4, 3, 2, 1].map((n) => el("option", { value: String(n), text: "★".repeat(n) + " " + n })));
      const note = el("input", { attrs: { id: id + "-note", maxlength: "4000", autocomplete: "off" } });
      reached.addEventListener("change", () => {
        rating.disabled = reached.value !== "1";
        if (rating.disabled) rating.value = "";
      });
      const form = el(
        "form",
        { class: "fu-form" },
        el("label", { attrs: { for: id + "-reached" }, text: t("fu.result") }),
        reached,
        el("label", { attrs: { for: id + "-rating" }, text: t("fu.rating") }),
        rating,
        el("label", { attrs: { for: id + "-note" }, text: t("fu.note") }),
        note,
        el("button", { type: "submit", class: "span2", text: t("fu.record") }),
      );
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = { reached: reached.value === "1" };
        if (body.reached && rating.value) body.rating = Number(rating.value);
        if (note.value.trim()) body.note = note.value.trim();
        try {
          const r = await api("POST", "/api/followups/" + f.id + "/result", body);
          say(msg, t("fu.recorded", { status: H.label("fu.status", r.status) }), "ok");
          setTimeout(refreshFollowups, 1500);
        } catch (err) {
          say(msg, errorText(err), "error");
        }
      });
      const call = el("button", {
        type: "button",
        text: t("fu.call"),
        disabled: !f.phone,
        on: {
          click: async () => {
            try {
              await api("POST", "/api/followups/" + f.id + "/call", {});
              say(msg, t("fu.calling", { phone: f.phone }), "ok");
            } catch (err) {
              say(msg, errorText(err), "error");
            }
          },
        },
      });
      list.append(
        el(
          "li",
          { class: "fu", data: { followup: f.id } },
          el("p", { class: "fu-head" }, el("span", { class: "mono", text: "#" + f.ticket_id }), " ", el("span", { text: H.label("kind", f.kind) }), " · ", el("span", { text: f.summary })),
          el(
            "p",
            { class: "hint" },
            el("span", { text: f.customer_name || "—" }),
            " · ",
            el("span", { class: "mono", text: f.phone || "—" }),
            " · ",
            el("span", { text: t("fu.attempts", { n: f.attempts + 1, max: f.max_attempts }) }),
          ),
          el("div", { class: "buttons" }, call),
          form,
          msg,
        ),
      );
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    ["tl-kind", "tl-district", "tl-priority", "tl-due-soon", "tl-my"].forEach((id) => $(id).addEventListener("change", refreshTickets));
  });

  Object.assign(D, { addNote, dispatch, linkCurrentCall, openTicket, refreshFollowups, refreshTickets, renderFollowups, renderTicket, renderTicketList, ticketRow });
})();
