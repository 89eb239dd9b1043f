"use strict";
// The agent desktop's customer panel: the account view of the caller (tier, key-account
// manager, 12 months of bills, arrears with late fees, readings, the credit/legal flag, open
// tickets and past calls), the unknown-caller search and the key-account manager's own
// accounts. Part of desk.js (state in `Hotline.desk`), loaded after it.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;
  const D = H.desk;
  const S = D.S;

  // ---- customers ---------------------------------------------------------------------------

  async function loadByAccount(acct) {
    const seq = ++S.custSeq;
    S.customer = null;
    renderCustomer(true);
    try {
      // POST, not GET: no account number in a URL.
      const list = await api("POST", "/api/customers/search", { account: acct });
      if (seq !== S.custSeq) return;
      const c = list.find((x) => x.account_no === acct) || list[0];
      if (!c) {
        S.unknownCaller = S.pop ? S.pop.caller : acct;
        renderCustomer();
        say($("search-msg"), t("search.none"), "info");
        return;
      }
      // The customer at once (name, tier, manager); the rest of the account view follows.
      S.customer = { customer: c };
      renderCustomer();
      await loadAccount(c.id, seq);
    } catch (err) {
      if (seq === S.custSeq) say($("search-msg"), errorText(err), "error");
    }
  }

  async function loadAccount(id, seqIn) {
    const seq = seqIn || ++S.custSeq;
    try {
      // With the current call's start, for the repeat-contact hint (none without a call).
      const before = S.callRecord && D.callCurrent() ? query({ before: S.callRecord.started_at }) : "";
      const view = await api("GET", "/api/customers/" + encodeURIComponent(id) + before);
      if (seq !== S.custSeq) return;
      S.customer = view;
      S.unknownCaller = null;
      renderCustomer();
      prefillTicket();
      if ($("tl-mine").checked) D.refreshTickets();
    } catch (err) {
      if (seq === S.custSeq) say($("search-msg"), errorText(err), "error");
    }
  }

  async function search(by, q) {
    const list = $("search-results");
    list.replaceChildren();
    list.hidden = true;
    if (!q) return;
    say($("search-msg"), t("loading"), "info");
    try {
      const found = await api("POST", "/api/customers/search", { [by]: q, limit: 20 });
      if (found.length === 1) {
        // One hit: no list to choose from, the account opens.
        pick(found[0]);
        say($("search-msg"), t("search.opened"), "info");
        return;
      }
      say($("search-msg"), found.length ? t("search.found", { n: found.length }) : t("search.none"), "info");
      found.forEach((c) => {
        const b = el(
          "button",
          { type: "button", class: "result", on: { click: () => pick(c) } },
          el("span", { class: "result-name", text: c.name }),
          c.tier === "key_account" ? el("span", { class: "badge key", text: t("cust.key") }) : null,
          el("span", { class: "mono", text: c.account_no }),
          el("span", { class: "result-addr", text: c.address }),
        );
        list.append(el("li", {}, b));
      });
      list.hidden = found.length === 0;
    } catch (err) {
      say($("search-msg"), errorText(err), "error");
    }
  }

  function myKeyAccounts() {
    $("search-q").value = "";
    search("manager", "me");
  }

  function pick(c) {
    $("search-results").hidden = true;
    say($("search-msg"), "");
    const seq = ++S.custSeq;
    S.customer = { customer: c };
    renderCustomer();
    loadAccount(c.id, seq);
  }

  function prefillTicket() {
    const c = S.customer && S.customer.customer;
    if (!c) return;
    $("nt-address").value = c.address || "";
    $("nt-name").value = c.name || "";
    if (!$("nt-phone").value && c.phones && c.phones.length) $("nt-phone").value = c.phones[0];
    renderTicketFor();
  }

  function renderTicketFor() {
    const c = S.customer && S.customer.customer;
    let s = c ? t("nt.for", { name: c.name, acct: c.account_no }) : t("nt.for.none");
    if (S.callRecord && D.callCurrent()) s += t("nt.for.call", { id: S.callRecord.id });
    $("nt-for").textContent = s;
  }

  function table(cls, heads, rows, rowClass) {
    return el(
      "table",
      { class: "data " + (cls || "") },
      el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { attrs: { scope: "col" }, text: h })))),
      el(
        "tbody",
        {},
        ...rows.map((r, i) => el("tr", { class: rowClass ? rowClass(i) : "" }, ...r.map((cell) => (cell instanceof Node ? el("td", {}, cell) : el("td", { text: cell }))))),
      ),
    );
  }

  function renderCustomer(loading) {
    const box = $("customer");
    const v = S.customer;
    $("cust-none").hidden = !!v || !!S.unknownCaller || !!loading;
    box.hidden = !v && !S.unknownCaller && !loading;
    box.replaceChildren();
    $("customer-panel").classList.toggle("is-key", !!(v && v.customer.tier === "key_account"));
    if (!v) {
      if (S.unknownCaller) box.append(el("p", { class: "warn", text: t("cust.unknown", { caller: S.unknownCaller }) }));
      else if (loading) box.append(el("p", { class: "empty", text: t("loading") }));
      renderTicketFor();
      return;
    }
    const c = v.customer;
    const head = el(
      "div",
      { class: "cust-head" },
      el("h3", { class: "cust-name", attrs: { id: "cust-name" }, text: c.name }),
      el("span", { class: "mono cust-acct", attrs: { id: "cust-account" }, text: c.account_no }),
      c.tier === "key_account" ? el("span", { class: "badge key", text: t("cust.key") }) : null,
      c.credit_flag && c.credit_flag !== "none" ? el("span", { class: "badge credit", text: H.label("credit", c.credit_flag) }) : null,
    );
    box.append(head);
    if (c.tier === "key_account") {
      box.append(
        el("p", {
          class: "keyacct",
          attrs: { id: "cust-keyacct" },
          text: c.manager_name ? t("cust.manager", { name: c.manager_name, sip: c.manager_sip_user || "—" }) : t("cust.manager.none"),
        }),
      );
    }
    // The district's notices first: the caller is probably calling about one.
    if (v.notices && v.notices.length) {
      box.append(
        el(
          "section",
          { class: "cust-notices", attrs: { id: "cust-notices", "aria-labelledby": "cust-notices-h" } },
          el("h4", { attrs: { id: "cust-notices-h" }, text: t("notices.title") }),
          el(
            "ul",
            { class: "notices" },
            ...v.notices.map((n) => el("li", {}, el("strong", { text: n.title }), " ", el("span", { class: "hint", text: H.dateTime(n.starts_at) + (n.ends_at ? " – " + H.dateTime(n.ends_at) : "") }), el("p", { text: n.body }))),
          ),
        ),
      );
    }
    if (v.repeat_contact && D.callCurrent()) box.append(el("p", { class: "warn", attrs: { id: "cust-repeat" }, text: t("cust.repeat") }));
    if (c.credit_flag && c.credit_flag !== "none") {
      box.append(el("p", { class: "warn" }, t("cust.credit", { flag: H.label("credit", c.credit_flag) }), c.credit_note ? " — " + c.credit_note : ""));
    }
    box.append(
      el(
        "dl",
        { class: "facts cust-facts" },
        el("dt", { text: t("cust.address") }),
        el("dd", { text: c.address }),
        el("dt", { text: t("cust.district") }),
        el("dd", { text: c.district_name || "—" }),
        el("dt", { text: t("cust.phones") }),
        el("dd", { class: "mono", text: (c.phones || []).join("，") || "—" }),
        el("dt", { text: t("cust.language") }),
        el("dd", { text: H.label("lang", c.language) }),
        ...(v.meters || []).flatMap((m) => [
          el("dt", { text: t("cust.meter") }),
          el(
            "dd",
            { class: "cust-meter" },
            el("span", { class: "mono", text: m.serial }),
            m.last_value === null || m.last_value === undefined ? "" : " " + t("cust.meter.last", { v: String(m.last_value), d: H.date(m.last_read_at) }),
          ),
        ]),
      ),
    );
    if (!v.bills) {
      box.append(el("p", { class: "empty", text: t("loading") }));
      renderTicketFor();
      return;
    }
    const cols = el("div", { class: "cust-cols" });
    const left = el("div", {});
    const right = el("div", {});
    cols.append(left, right);
    box.append(cols);

    // Arrears
    const a = v.arrears;
    const arrears = el("section", { class: "arrears", attrs: { "aria-labelledby": "arrears-h" } }, el("h4", { attrs: { id: "arrears-h" }, text: t("arrears.title") }));
    if (!a || a.total_fen === 0) {
      arrears.classList.add("clear");
      arrears.append(el("p", { class: "ok", text: t("arrears.none") }));
    } else {
      arrears.append(
        el("p", { class: "arrears-total" }, el("span", { text: t("arrears.total") + " " }), el("strong", { attrs: { id: "arrears-total" }, text: H.money(a.total_fen) })),
        el("p", { class: "arrears-split", text: t("arrears.principal") + " " + H.money(a.principal_fen) + " · " + t("arrears.fees") + " " + H.money(a.late_fee_fen) }),
        table(
          "",
          [t("arrears.period"), t("arrears.unpaid"), t("arrears.days"), t("arrears.fee")],
          a.items.map((i) => [i.period, H.money(i.unpaid_fen), String(i.days_overdue), H.money(i.late_fee_fen)]),
        ),
      );
    }
    left.append(arrears);

    // Bills
    const now = H.serverNow();
    left.append(el("h4", { text: t("bills.title") }));
    if (!v.bills.length) left.append(el("p", { class: "empty", text: t("bills.none") }));
    else
      left.append(
        table(
          "bills",
          [t("bills.period"), t("bills.volume"), t("bills.amount"), t("bills.paid"), t("bills.status")],
          v.bills.map((b) => {
            let st = "paid";
            if (b.paid_fen < b.amount_fen) st = b.due_at > now ? (b.paid_fen > 0 ? "partial" : "due") : "overdue";
            return [b.period, String(b.volume), H.money(b.amount_fen), H.money(b.paid_fen), el("span", { class: "bill-" + st, text: t("bill." + st) })];
          }),
        ),
      );

    // Readings
    right.append(el("h4", { text: t("readings.title") }));
    if (!v.readings.length) right.append(el("p", { class: "empty", text: t("readings.none") }));
    else
      right.append(
        table(
          "readings",
          [t("readings.date"), t("readings.meter"), t("readings.value"), t("readings.source"), t("readings.status")],
          v.readings.map((r) => [
            H.date(r.read_at),
            r.meter_serial,
            String(r.value),
            H.label("source", r.source),
            r.status === "queried"
              ? el("span", { class: "flag", text: "⚠ " + t("reading.queried.note", { r: r.reason || "" }) + (r.ticket_id ? " #" + r.ticket_id : "") })
              : H.label("reading", r.status),
          ]),
          (i) => (v.readings[i].status === "queried" ? "queried" : ""),
        ),
      );

    // Payments
    left.append(el("h4", { text: t("payments.title") }));
    if (!v.payments || !v.payments.length) left.append(el("p", { class: "empty", text: t("payments.none") }));
    else
      left.append(
        table(
          "payments",
          [t("payments.date"), t("payments.amount"), t("payments.channel"), t("payments.period")],
          v.payments.map((p) => [H.date(p.paid_at), H.money(p.amount_fen), H.label("channel", p.channel), p.period || "—"]),
        ),
      );

    // Tickets
    right.append(el("h4", { text: t("tickets.title") }));
    if (!v.tickets.length) right.append(el("p", { class: "empty", text: t("tickets.none") }));
    else right.append(el("ul", { class: "tk-list" }, ...v.tickets.map((tk) => D.ticketRow(tk))));

    // Calls
    right.append(el("h4", { text: t("calls.title") }));
    if (!v.calls.length) right.append(el("p", { class: "empty", text: t("calls.none") }));
    else
      right.append(
        table(
          "calls",
          [t("calls.time"), t("calls.queue"), t("calls.wait"), t("calls.talk"), t("calls.result")],
          v.calls.map((c2) => [
            H.dateTime(c2.started_at),
            c2.queue ? H.label("queue", c2.queue) : "—",
            c2.wait_ms === null ? "—" : H.duration(c2.wait_ms),
            c2.talk_ms === null ? "—" : H.duration(c2.talk_ms),
            c2.disposition ? H.label("disposition", c2.disposition) : "—",
          ]),
        ),
      );

    // Campaign calls (reminders, notices, follow-ups the centre placed)
    const cc = v.campaign_calls || [];
    if (cc.length) {
      right.append(el("h4", { text: t("ccalls.title") }));
      right.append(
        table(
          "campaign-calls",
          [t("calls.time"), t("calls.result"), t("ccalls.promise"), t("ccalls.note")],
          cc.map((a) => [
            H.dateTime(a.dialled_at),
            a.result ? H.label("cresult", a.result) : t("ccalls.ongoing"),
            a.promise_fen === null ? "—" : H.money(a.promise_fen) + (a.promise_by ? " · " + a.promise_by : ""),
            a.note || "—",
          ]),
        ),
      );
    }

    renderTicketFor();
  }

  Object.assign(D, { loadAccount, loadByAccount, myKeyAccounts, renderCustomer, renderTicketFor, search });
})();
