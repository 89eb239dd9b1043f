"use strict";
// The supervisors' incidents page (/wall/incidents): the open incidents (or all), each with
// its district, kind, who opened it and when, its reports and calls, its dispatch and its
// reporters (the first marked for the reward); per open incident a field to link a ticket
// (POST /api/incidents/{id}/tickets: the first dispatched ticket linked becomes the
// incident's dispatch, and the district's later IVR reports join it) and a close button
// (POST /api/incidents/{id}/close); and a form to open one by hand (POST /api/incidents).
// A refusal names the field: the page marks that input and says why. Agents see the list only.
// The list is read again every 10 s and after every change.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText } = H;

  // The ticket kinds of the default policy (their names are common.js's `kind.*`).
  const KINDS = ["leak", "repair", "meter", "complaint", "inquiry", "billing_dispute"];
  const REFRESH_MS = 10000;

  H.addStrings(
    {
      "i.title": "事件",
      "i.wall": "监控墙",
      "i.list": "进行中的事件",
      "i.all": "含已关闭",
      "i.title_col": "标题",
      "i.district": "区域",
      "i.kind": "类型",
      "i.opened": "开启",
      "i.opened_by": "{time} · {by}",
      "i.rule": "规则",
      "i.counts": "报告 / 来电",
      "i.dispatch": "派单",
      "i.no_dispatch": "未关联",
      "i.state": "状态",
      "i.actions": "操作",
      "i.open": "开启事件",
      "i.open.hint": "开启后关联一张已派出的工单作为事件的派单；此后该区域的语音报修都归入此事件，不再逐一派单。关闭事件后恢复逐一派单。",
      "i.submit": "开启",
      "i.close": "关闭",
      "i.close.label": "关闭事件：{title}",
      "i.link": "关联工单",
      "i.link.label": "关联到事件“{title}”的工单号",
      "i.link.placeholder": "工单号",
      "i.none": "没有事件",
      "i.state.open": "进行中",
      "i.state.closed": "{time} 由 {by} 关闭",
      "i.reporters": "报告人 {n}",
      "i.reporter": "#{ticket} · {phone} · {time}",
      "i.reporter.calls": "来电 {calls}",
      "i.first": "首报人",
      "i.opened_msg": "已开启：{title}",
      "i.closed_msg": "已关闭：{title}（该区域之后的报修恢复逐一派单）",
      "i.linked_msg": "已关联工单 #{ticket} 到：{title}",
      "i.role": "只有班长和管理员可以开启、关联或关闭事件",
      "i.field": "{field}：{message}",
    },
    {
      "i.title": "Incidents",
      "i.wall": "Wallboard",
      "i.list": "Open incidents",
      "i.all": "Include closed",
      "i.title_col": "Title",
      "i.district": "District",
      "i.kind": "Kind",
      "i.opened": "Opened",
      "i.opened_by": "{time} · {by}",
      "i.rule": "the rule",
      "i.counts": "Reports / calls",
      "i.dispatch": "Dispatch",
      "i.no_dispatch": "none linked",
      "i.state": "State",
      "i.actions": "Actions",
      "i.open": "Open an incident",
      "i.open.hint": "Then link a dispatched ticket as the incident's dispatch: the district's later IVR reports join the incident instead of being dispatched one by one, until it is closed.",
      "i.submit": "Open",
      "i.close": "Close",
      "i.close.label": "Close the incident: {title}",
      "i.link": "Link ticket",
      "i.link.label": "Ticket number to link to the incident “{title}”",
      "i.link.placeholder": "ticket no.",
      "i.none": "No incidents",
      "i.state.open": "open",
      "i.state.closed": "closed {time} by {by}",
      "i.reporters": "Reporters: {n}",
      "i.reporter": "#{ticket} · {phone} · {time}",
      "i.reporter.calls": "calls {calls}",
      "i.first": "first reporter",
      "i.opened_msg": "Opened: {title}",
      "i.closed_msg": "Closed: {title} (the district's next reports are dispatched one by one again)",
      "i.linked_msg": "Linked ticket #{ticket} to: {title}",
      "i.role": "Only supervisors and admins open, link or close incidents",
      "i.field": "{field}: {message}",
    },
  );

  const I = { me: null, list: [], districts: [], timer: null };

  function stop() {
    if (I.timer) clearInterval(I.timer);
    I.timer = null;
  }

  function writer() {
    return I.me && I.me.role !== "agent";
  }

  async function start(agent) {
    I.me = agent;
    $("form-card").hidden = !writer();
    if (!writer()) say($("i-msg"), t("i.role"), "info");
    try {
      I.districts = await api("GET", "/api/districts");
    } catch (err) {
      say($("i-msg"), errorText(err), "error");
    }
    renderForm();
    await load();
    if (!I.timer) I.timer = setInterval(load, REFRESH_MS);
  }

  async function load() {
    try {
      I.list = await api("GET", "/api/incidents" + H.query({ all: $("i-all").checked }));
      renderList();
    } catch (err) {
      if (err.status !== 401) say($("i-msg"), errorText(err), "error");
    }
  }

  function who(by) {
    return by === "rule" ? t("i.rule") : by;
  }

  function reporters(i) {
    if (!i.reporters.length) return el("span");
    return el(
      "details",
      { class: "reporters" },
      el("summary", { text: t("i.reporters", { n: i.reports }) }),
      el(
        "ol",
        {},
        ...i.reporters.map((r) =>
          el(
            "li",
            { data: { ticket: r.ticket_id, first: r.first ? "1" : "0" } },
            t("i.reporter", { ticket: r.ticket_id, phone: r.caller_phone || "—", time: H.dateTime(r.reported_at) }),
            r.call_ids.length ? " · " + t("i.reporter.calls", { calls: r.call_ids.map((c) => "#" + c).join(" ") }) : "",
            r.first ? el("strong", { class: "first", text: " · " + t("i.first") }) : "",
          ),
        ),
      ),
    );
  }

  function actions(i) {
    if (!writer() || i.closed_at !== null) return el("td");
    const input = el("input", {
      type: "number",
      attrs: { min: "1", step: "1", inputmode: "numeric", placeholder: t("i.link.placeholder"), "aria-label": t("i.link.label", { title: i.title }), "data-link": i.id },
    });
    const form = el(
      "form",
      { class: "inline-form", on: { submit: (ev) => link(ev, i, input) } },
      input,
      el("button", { type: "submit", text: t("i.link") }),
    );
    const close = el("button", {
      type: "button",
      text: t("i.close"),
      attrs: { "aria-label": t("i.close.label", { title: i.title }), "data-close": i.id },
      on: { click: () => closeIncident(i) },
    });
    return el("td", {}, form, close);
  }

  function renderList() {
    const rows = $("i-rows");
    if (!I.list.length) {
      rows.replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("i.none"), attrs: { colspan: 8 } })));
      return;
    }
    // Keep what the supervisor is typing and which reporter lists are open across a refresh.
    const typed = new Map([...rows.querySelectorAll("input[data-link]")].map((x) => [x.dataset.link, x.value]));
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.link : undefined;
    const opened = new Set([...rows.querySelectorAll("tr[data-incident] details[open]")].map((d) => d.closest("tr").dataset.incident));
    rows.replaceChildren(
      ...I.list.map((i) => {
        const closed = i.closed_at !== null;
        const row = el(
          "tr",
          { data: { incident: i.id, state: closed ? "closed" : "open", district: i.district_id } },
          el("td", {}, el("span", { text: i.title }), reporters(i)),
          el("td", { text: i.district_name }),
          el("td", { text: H.label("kind", i.kind) }),
          el("td", { class: "mono", text: t("i.opened_by", { time: H.dateTime(i.opened_at), by: who(i.opened_by) }) }),
          el("td", { class: "num", data: { reports: i.reports, calls: i.calls }, text: i.reports + " / " + i.calls }),
          el("td", { class: "mono", text: i.ticket_id === null ? t("i.no_dispatch") : "#" + i.ticket_id }),
          el("td", { text: closed ? t("i.state.closed", { time: H.dateTime(i.closed_at), by: who(i.closed_by) }) : t("i.state.open") }),
          actions(i),
        );
        const d = row.querySelector("details");
        if (d && opened.has(String(i.id))) d.open = true;
        const input = row.querySelector("input[data-link]");
        if (input && typed.has(String(i.id))) input.value = typed.get(String(i.id));
        return row;
      }),
    );
    if (focused !== undefined) {
      const again = rows.querySelector('input[data-link="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function renderForm() {
    const fill = (select, items) => {
      const v = select.value;
      select.replaceChildren(...items.map(([value, text]) => el("option", { text, attrs: { value } })));
      if (v) select.value = v;
    };
    fill($("f-district"), I.districts.map((d) => [String(d.id), d.name]));
    fill($("f-kind"), KINDS.map((k) => [k, H.label("kind", k)]));
  }

  /** Marks the input of the field the server named. */
  function markField(field) {
    H.markField($("i-form"), field);
  }

  function refusal(err) {
    return err instanceof H.ApiError && err.field ? t("i.field", { field: err.field, message: err.message }) : errorText(err);
  }

  async function openIncident(ev) {
    ev.preventDefault();
    const f = $("i-form").elements;
    const body = { district_id: Number(f.district_id.value), kind: f.kind.value, title: f.title.value };
    say($("f-msg"), "");
    try {
      const i = await api("POST", "/api/incidents", body);
      markField(null);
      say($("f-msg"), t("i.opened_msg", { title: i.title }), "ok");
      f.title.value = "";
      await load();
    } catch (err) {
      if (err instanceof H.ApiError && err.field) markField(err.field);
      say($("f-msg"), refusal(err), "error");
    }
  }

  async function link(ev, i, input) {
    ev.preventDefault();
    const ticket = Number(input.value);
    try {
      await api("POST", "/api/incidents/" + encodeURIComponent(i.id) + "/tickets", { ticket_id: ticket });
      input.value = "";
      say($("i-msg"), t("i.linked_msg", { ticket, title: i.title }), "ok");
    } catch (err) {
      say($("i-msg"), refusal(err), "error");
    }
    await load();
  }

  async function closeIncident(i) {
    try {
      await api("POST", "/api/incidents/" + encodeURIComponent(i.id) + "/close");
      say($("i-msg"), t("i.closed_msg", { title: i.title }), "ok");
    } catch (err) {
      say($("i-msg"), errorText(err), "error");
    }
    await load();
  }

  function init() {
    $("i-all").addEventListener("change", load);
    $("i-form").addEventListener("submit", openIncident);
    H.loginPage({
      content: $("incidents"),
      titleKey: "i.title",
      start,
      stop,
      relabel: () => {
        renderForm();
        renderList();
      },
    });
  }

  init();
})();
