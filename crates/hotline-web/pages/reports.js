"use strict";
// The supervisors' reports page (/wall/reports): daily, weekly or monthly reports over a
// range of dates (GET /api/reports/{period}), in the centre's time zone, shown as tables
// (calls by queue, agent, reason, district and hour; IVR containment, also by flow; tickets
// by kind and district; follow-ups by agent and district; survey scores) and two charts drawn by the page on a canvas (calls per period,
// calls per hour); "Download CSV" fetches the same report as CSV (UTF-8 with BOM). A refused
// range names the field: the page marks that input. Below them, quality assessment's scores
// per ISO week by team (or by agent) from GET /api/reports/qa: a table and a chart of the
// average scores (evaluators, role qa, see only this part; /wall/reports#qa goes to it).

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "r.title": "报表",
      "r.wall": "监控墙",
      "r.ask": "报表范围",
      "r.period": "周期",
      "r.daily": "日报",
      "r.weekly": "周报",
      "r.monthly": "月报",
      "r.from": "从",
      "r.to": "到",
      "r.show": "查看",
      "r.csv": "下载 CSV",
      "r.chart": "来电量（按周期）",
      "r.hours": "来电量（按小时）",
      "r.zone": "时区：{zone}",
      "r.busy": "生成中…",
      "r.none": "该范围内没有记录",
      "r.role": "只有班长和管理员可以查看报表",
      "r.calls": "来电",
      "r.by_queue": "按队列",
      "r.by_agent": "按坐席",
      "r.by_reason": "按来电原因",
      "r.by_district": "按区域",
      "r.by_hour": "按小时",
      "r.tickets_by_kind": "工单（按类型）",
      "r.tickets_by_district": "工单（按区域）",
      "r.ivr": "语音自助与满意度",
      "r.key": "项目",
      "r.offered": "呼入",
      "r.answered": "接通",
      "r.abandoned": "放弃",
      "r.short": "短时放弃",
      "r.sl": "服务水平",
      "r.asa": "平均应答",
      "r.aht": "平均处理",
      "r.created": "新建",
      "r.closed": "已关闭",
      "r.overdue": "超时",
      "r.on_site": "平均到场",
      "r.reply": "平均回复",
      "r.ivr_calls": "语音自助来电",
      "r.self_served": "自助完成",
      "r.containment": "自助率",
      "r.survey": "满意度回复",
      "r.score": "平均评分",
      "r.none_key": "（无）",
      "r.ivr_by_flow": "语音自助（按流程）",
      "r.follow_ups_by_agent": "回访（按坐席）",
      "r.follow_ups_by_district": "回访（按区域）",
      "r.fu_due": "应回访",
      "r.fu_done": "已完成",
      "r.fu_reached": "已联系上",
      "r.fu_rate": "完成率",
      "r.fu_rating": "平均评价",
      "rq.title": "质检得分（按周）",
      "rq.from": "从（周）",
      "rq.to": "到（周）",
      "rq.by": "分组",
      "rq.by.team": "按班组",
      "rq.by.agent": "按坐席",
      "rq.page": "质检工作台",
      "rq.chart": "质检平均分（按周）",
      "rq.none": "该范围内没有计入考核的评估",
      "rq.role.qa": "质检员可查看质检报表；来电报表只对班长和管理员开放。",
      "rq.week": "周",
      "rq.team": "班组",
      "rq.agent": "坐席",
      "rq.evaluations": "评估数",
      "rq.average": "平均分",
      "rq.passed": "合格",
      "rq.pass_rate": "合格率",
      "rq.critical": "关键项不合格",
      "rq.disputed": "申诉",
    },
    {
      "r.title": "Reports",
      "r.wall": "Wallboard",
      "r.ask": "Range",
      "r.period": "Period",
      "r.daily": "Daily",
      "r.weekly": "Weekly",
      "r.monthly": "Monthly",
      "r.from": "From",
      "r.to": "To",
      "r.show": "Show",
      "r.csv": "Download CSV",
      "r.chart": "Calls per period",
      "r.hours": "Calls per hour",
      "r.zone": "Time zone: {zone}",
      "r.busy": "Working…",
      "r.none": "No records in this range",
      "r.role": "Only supervisors and admins see reports",
      "r.calls": "Calls",
      "r.by_queue": "By queue",
      "r.by_agent": "By agent",
      "r.by_reason": "By call reason",
      "r.by_district": "By district",
      "r.by_hour": "By hour",
      "r.tickets_by_kind": "Tickets by kind",
      "r.tickets_by_district": "Tickets by district",
      "r.ivr": "IVR and survey",
      "r.key": "Item",
      "r.offered": "Offered",
      "r.answered": "Answered",
      "r.abandoned": "Abandoned",
      "r.short": "Short abandoned",
      "r.sl": "Service level",
      "r.asa": "ASA",
      "r.aht": "AHT",
      "r.created": "Created",
      "r.closed": "Closed",
      "r.overdue": "Overdue",
      "r.on_site": "Time to on site",
      "r.reply": "Time to reply",
      "r.ivr_calls": "IVR calls",
      "r.self_served": "Self-served",
      "r.containment": "Containment",
      "r.survey": "Survey responses",
      "r.score": "Average score",
      "r.none_key": "(none)",
      "r.ivr_by_flow": "IVR by flow",
      "r.follow_ups_by_agent": "Follow-ups by agent",
      "r.follow_ups_by_district": "Follow-ups by district",
      "r.fu_due": "Due",
      "r.fu_done": "Completed",
      "r.fu_reached": "Reached",
      "r.fu_rate": "Completion",
      "r.fu_rating": "Average rating",
      "rq.title": "QA scores per week",
      "rq.from": "From (week)",
      "rq.to": "To (week)",
      "rq.by": "Group by",
      "rq.by.team": "by team",
      "rq.by.agent": "by agent",
      "rq.page": "Quality page",
      "rq.chart": "Average QA score per week",
      "rq.none": "No counted evaluations in this range",
      "rq.role.qa": "Evaluators see the QA report; the call reports are for supervisors and admins.",
      "rq.week": "Week",
      "rq.team": "Team",
      "rq.agent": "Agent",
      "rq.evaluations": "Evaluations",
      "rq.average": "Average",
      "rq.passed": "Passed",
      "rq.pass_rate": "Pass rate",
      "rq.critical": "Critical failed",
      "rq.disputed": "Disputed",
    },
  );

  const R = { me: null, report: null, qa: null, names: { agent: new Map(), district: new Map(), reason: new Map() } };

  function isoDate(d) {
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }

  async function start(agent) {
    R.me = agent;
    if (agent.role === "agent") {
      $("qa").hidden = true;
      say($("r-msg"), t("r.role"), "info");
      return;
    }
    $("qa").hidden = false;
    const qaOnly = agent.role === "qa";
    $("r-ask-card").hidden = qaOnly;
    $("r-chart-card").hidden = qaOnly;
    $("r-out").hidden = qaOnly;
    if (qaOnly) {
      await showQa();
      say($("q-msg"), t("rq.role.qa"), "info");
      return;
    }
    if (!$("r-from").value) {
      const now = new Date(H.serverNow());
      $("r-to").value = isoDate(now);
      $("r-from").value = isoDate(new Date(now.getTime() - 6 * 86400000));
    }
    await loadNames();
    await show();
    await showQa();
  }

  async function loadNames() {
    const [agents, districts, reasons] = await Promise.all([
      api("GET", "/api/agents").catch(() => []),
      api("GET", "/api/districts").catch(() => []),
      api("GET", "/api/call-reasons").catch(() => []),
    ]);
    agents.forEach((a) => R.names.agent.set(String(a.id), a.name));
    districts.forEach((d) => R.names.district.set(String(d.id), d.name));
    reasons.forEach((r) => R.names.reason.set(r.code, r));
  }

  function ask() {
    return { period: $("r-period").value, from: $("r-from").value, to: $("r-to").value };
  }

  /** Marks the date input the server named (`from`, `to`). */
  function markField(field) {
    H.markField($("r-form"), field, (f) => (f === "from" || f === "to" ? $("r-" + f) : null));
  }

  async function show(ev) {
    if (ev) ev.preventDefault();
    const a = ask();
    say($("r-msg"), t("r.busy"), "info");
    try {
      R.report = await api("GET", `/api/reports/${a.period}` + query({ from: a.from, to: a.to }));
      markField("");
      say($("r-msg"), "");
      render();
    } catch (err) {
      markField(err.field);
      say($("r-msg"), errorText(err), "error");
    }
  }

  async function downloadCsv() {
    const a = ask();
    const res = await fetch(`/api/reports/${a.period}` + query({ from: a.from, to: a.to, format: "csv" }), {
      headers: { Authorization: "Bearer " + H.session.token() },
      cache: "no-store",
    }).catch(() => null);
    if (!res || !res.ok) {
      let err = { status: res ? res.status : 0, message: res ? res.statusText : t("err.network") };
      try {
        const body = res && (await res.json());
        if (body && body.error) err = body.error;
      } catch (_) {
        /* keep the status */
      }
      markField(err.field);
      say($("r-msg"), errorText(err), "error");
      return;
    }
    const blob = await res.blob();
    const link = el("a", { attrs: { href: URL.createObjectURL(blob), download: `hotline-${a.period}-${a.from}-${a.to}.csv` } });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // ---- rendering -----------------------------------------------------------------------------

  const pct = (v) => (v === null || v === undefined ? "—" : v.toFixed(1) + "%");
  const ms = (v) => (v === null || v === undefined ? "—" : H.duration(v));

  function keyName(kind, key) {
    if (key === "none") return t("r.none_key");
    if (kind === "agent" || kind === "district") return R.names[kind].get(key) || key;
    if (kind === "reason") {
      const r = R.names.reason.get(key);
      const cat = r && R.names.reason.get(key.split("/")[0]);
      const n = (x) => (H.getLang() === "en" ? x.name_en : x.name_zh);
      return r ? (cat ? n(cat) + "/" : "") + n(r) : key;
    }
    return key;
  }

  function table(caption, head, rows) {
    return el(
      "table",
      { class: "data report" },
      el("caption", { text: caption }),
      el("thead", null, el("tr", null, ...head.map((h, i) => el("th", { attrs: { scope: "col" }, class: i ? "num" : "", text: h })))),
      el("tbody", null, ...rows.map((r) => el("tr", null, ...r.map((c, i) => (i === 0 ? el("th", { attrs: { scope: "row" }, text: c }) : el("td", { class: "num", text: c })))))),
    );
  }

  const CALL_HEAD = () => [t("r.key"), t("r.offered"), t("r.answered"), t("r.abandoned"), t("r.short"), t("r.sl"), t("r.asa"), t("r.aht")];
  const callRow = (key, s) => [key, s.offered, s.answered, s.abandoned, s.short_abandoned, pct(s.service_level_percent), ms(s.average_speed_of_answer_ms), ms(s.average_handle_ms)];
  const TICKET_HEAD = () => [t("r.key"), t("r.created"), t("r.closed"), t("r.overdue"), t("r.on_site"), t("r.reply")];
  const ticketRow = (key, s) => [key, s.created, s.closed, s.overdue, ms(s.time_to_on_site_ms), ms(s.time_to_reply_ms)];

  function render() {
    const r = R.report;
    if (!r) return;
    $("r-zone").textContent = t("r.zone", { zone: r.zone });
    const out = $("r-out");
    out.replaceChildren();
    drawPeriods(r);
    drawHours(r);
    if (!r.periods.some((p) => p.calls.offered || p.tickets.created || p.ivr.calls)) {
      out.append(el("p", { class: "empty", text: t("r.none") }));
      return;
    }
    for (const p of r.periods) {
      const card = el("section", { class: "card", data: { period: p.start } }, el("h2", { text: p.start }));
      card.append(table(t("r.calls"), CALL_HEAD(), [callRow(t("r.calls"), p.calls)]));
      const groups = [
        ["r.by_queue", "queue", p.by_queue],
        ["r.by_agent", "agent", p.by_agent],
        ["r.by_reason", "reason", p.by_reason],
        ["r.by_district", "district", p.by_district],
        ["r.by_hour", "hour", p.by_hour.filter((h) => h.offered > 0)],
      ];
      for (const [title, kind, rows] of groups) {
        if (rows.length) card.append(table(t(title), CALL_HEAD(), rows.map((g) => callRow(keyName(kind, g.key), g))));
      }
      card.append(
        table(t("r.ivr"), [t("r.key"), t("r.ivr_calls"), t("r.self_served"), t("r.containment"), t("r.survey"), t("r.score")], [
          [t("r.ivr"), p.ivr.calls, p.ivr.self_served, pct(p.ivr.containment_percent), p.survey.responses, p.survey.average_score === null ? "—" : p.survey.average_score.toFixed(2)],
        ]),
      );
      if (p.ivr_by_flow.length) {
        card.append(
          table(
            t("r.ivr_by_flow"),
            [t("r.key"), t("r.ivr_calls"), t("r.self_served"), t("r.containment")],
            p.ivr_by_flow.map((g) => [g.key, g.calls, g.self_served, pct(g.containment_percent)]),
          ),
        );
      }
      const fuHead = [t("r.key"), t("r.fu_due"), t("r.fu_done"), t("r.fu_reached"), t("r.fu_rate"), t("r.fu_rating")];
      const fuRow = (key, g) => [key, g.due, g.completed, g.reached, pct(g.completion_percent), g.average_rating === null ? "—" : g.average_rating.toFixed(2)];
      if (p.follow_ups_by_agent.length) card.append(table(t("r.follow_ups_by_agent"), fuHead, p.follow_ups_by_agent.map((g) => fuRow(keyName("agent", g.key), g))));
      if (p.follow_ups_by_district.length) card.append(table(t("r.follow_ups_by_district"), fuHead, p.follow_ups_by_district.map((g) => fuRow(keyName("district", g.key), g))));
      if (p.tickets_by_kind.length) card.append(table(t("r.tickets_by_kind"), TICKET_HEAD(), p.tickets_by_kind.map((g) => ticketRow(H.label("kind", g.key), g))));
      if (p.tickets_by_district.length) card.append(table(t("r.tickets_by_district"), TICKET_HEAD(), p.tickets_by_district.map((g) => ticketRow(keyName("district", g.key), g))));
      out.append(card);
    }
  }

  // ---- quality assessment ------------------------------------------------------------------

  /** GET /api/reports/qa for the weeks and grouping asked (the API's eight weeks at first). */
  async function showQa(ev) {
    if (ev) ev.preventDefault();
    const by = $("q-form").elements.by.value || "team";
    say($("q-msg"), t("r.busy"), "info");
    try {
      R.qa = await api("GET", "/api/reports/qa" + query({ from: $("q-from").value, to: $("q-to").value, by }));
    } catch (err) {
      if (err.status === 401) return;
      H.markField($("q-form"), err.field);
      say($("q-msg"), errorText(err), "error");
      return;
    }
    H.markField($("q-form"), "");
    say($("q-msg"), "");
    if (!$("q-from").value) $("q-from").value = R.qa.from;
    if (!$("q-to").value) $("q-to").value = R.qa.to;
    renderQa();
    if (location.hash === "#qa") $("qa").scrollIntoView({ block: "start" });
  }

  const QA_COLORS = ["#4a78b5", "#3c9a5f", "#c0504d", "#8064a2", "#d08c00", "#2a9d9d", "#7f7f7f", "#b05c9a"];

  function renderQa() {
    const r = R.qa;
    if (!r) return;
    const byAgent = r.by === "agent";
    const out = $("q-out");
    out.dataset.by = r.by;
    const key = (row) => (byAgent ? `${row.agent_name}（${row.team}）` : row.team);
    // The chart: one series per team (or agent), the weeks along the bottom.
    const weeks = [...new Set(r.rows.map((row) => row.week))].sort();
    const keys = [...new Set(r.rows.map(key))].slice(0, QA_COLORS.length);
    bars(
      $("q-chart"),
      weeks,
      keys.map((k, i) => ({
        label: k,
        color: QA_COLORS[i],
        values: weeks.map((w) => {
          const row = r.rows.find((x) => x.week === w && key(x) === k);
          return row ? row.average : 0;
        }),
      })),
    );
    if (!r.rows.length) {
      out.replaceChildren(el("p", { class: "empty", text: t("rq.none") }));
      return;
    }
    const head = [t("rq.week"), t("rq.team")];
    if (byAgent) head.push(t("rq.agent"));
    head.push(t("rq.evaluations"), t("rq.average"), t("rq.passed"), t("rq.pass_rate"), t("rq.critical"), t("rq.disputed"));
    const lead = byAgent ? 3 : 2;
    out.replaceChildren(
      el(
        "table",
        { class: "data report", attrs: { id: "q-table" } },
        el("caption", { text: `${t("rq.title")} · ${r.from} – ${r.to}` }),
        el("thead", null, el("tr", null, ...head.map((h, i) => el("th", { attrs: { scope: "col" }, class: i >= lead ? "num" : "", text: h })))),
        el(
          "tbody",
          null,
          ...r.rows.map((row) => {
            const cells = [row.week, row.team];
            if (byAgent) cells.push(row.agent_name || "#" + row.agent_id);
            cells.push(row.evaluations, row.average.toFixed(1) + "%", row.passed, pct(row.evaluations ? (100 * row.passed) / row.evaluations : null), row.critical_failed, row.disputed);
            return el(
              "tr",
              { data: { week: row.week, team: row.team, agent: byAgent ? row.agent_id : null } },
              ...cells.map((c, i) => (i === 0 ? el("th", { attrs: { scope: "row" }, text: c }) : el("td", { class: i >= lead ? "num" : "", text: c }))),
            );
          }),
        ),
      ),
    );
  }

  /** A bar chart on a canvas: `series` [{label, values: [n…], color}], `labels` under the bars. */
  function bars(canvas, labels, series) {
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.body);
    const ink = css.color || "#222";
    const max = Math.max(1, ...series.flatMap((s) => s.values));
    const left = 40;
    const bottom = h - 24;
    const slot = (w - left - 10) / Math.max(1, labels.length);
    const barW = Math.max(2, (slot * 0.8) / series.length);
    ctx.font = "12px sans-serif";
    ctx.fillStyle = ink;
    ctx.fillText(String(max), 4, 14);
    ctx.fillText("0", 4, bottom);
    ctx.strokeStyle = ink;
    ctx.beginPath();
    ctx.moveTo(left, 4);
    ctx.lineTo(left, bottom);
    ctx.lineTo(w - 4, bottom);
    ctx.stroke();
    const every = Math.ceil(labels.length / 16);
    labels.forEach((label, i) => {
      series.forEach((s, j) => {
        const v = s.values[i] || 0;
        const bh = ((bottom - 8) * v) / max;
        ctx.fillStyle = s.color;
        ctx.fillRect(left + i * slot + slot * 0.1 + j * barW, bottom - bh, barW - 1, bh);
      });
      if (i % every === 0) {
        ctx.fillStyle = ink;
        ctx.fillText(label, left + i * slot + 2, h - 6);
      }
    });
    series.forEach((s, j) => {
      ctx.fillStyle = s.color;
      ctx.fillRect(w - 160, 6 + j * 16, 10, 10);
      ctx.fillStyle = ink;
      ctx.fillText(s.label, w - 145, 15 + j * 16);
    });
  }

  function drawPeriods(r) {
    const labels = r.periods.map((p) => p.start.slice(5));
    bars($("r-chart"), labels, [
      { label: t("r.offered"), values: r.periods.map((p) => p.calls.offered), color: "#4a78b5" },
      { label: t("r.answered"), values: r.periods.map((p) => p.calls.answered), color: "#3c9a5f" },
      { label: t("r.abandoned"), values: r.periods.map((p) => p.calls.abandoned), color: "#c0504d" },
    ]);
  }

  function drawHours(r) {
    const hours = Array.from({ length: 24 }, (_, h) => r.periods.reduce((n, p) => n + ((p.by_hour[h] && p.by_hour[h].offered) || 0), 0));
    bars($("r-hours"), Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0")), [{ label: t("r.offered"), values: hours, color: "#4a78b5" }]);
  }

  function init() {
    $("r-form").addEventListener("submit", show);
    $("r-csv").addEventListener("click", downloadCsv);
    $("q-form").addEventListener("submit", showQa);
    $("q-form").addEventListener("change", (ev) => {
      if (ev.target.name === "by") showQa();
    });
    H.loginPage({
      content: $("reports"),
      titleKey: "r.title",
      start,
      relabel: () => {
        render();
        renderQa();
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
