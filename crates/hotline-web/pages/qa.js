"use strict";
// Quality assessment (/wall/qa), for evaluators (role qa), supervisors and admins. Four tabs:
//   工作列表 the week's work list (GET /api/qa/work: a week picker, last week by default, and a
//     team filter); each drawn call with its agent, staff number, time, talk time, queue and
//     score or status, and a button to evaluate it;
//   评估通话 one call (from the list, from /wall/calls' "Evaluate" link, or /wall/qa?call=ID):
//     its facts (GET /api/calls/{id}), the recording player (recording.js: Range requests,
//     both channels' waveforms) and the form (GET /api/qa/forms): sections, each criterion
//     with its text, guidance and weight, critical items marked, yes/no (and n/a where
//     allowed) or 0..max; a preview of the score computed here, then Save: POST
//     /api/qa/evaluations, or PUT /api/qa/evaluations/{id} when revising one's own. What is
//     shown after saving is the server's score. A refusal naming `answers.<criterion>` is
//     shown at that criterion;
//   校准 calls two or more evaluators scored (GET /api/qa/calibration): the scores side by
//     side, the spread, the criteria they answered differently highlighted;
//   评估记录与申诉 evaluations by status (disputed first: the agent's note and a form to
//     resolve it, POST /api/qa/evaluations/{id}/resolve).
// The tab in view is read again every 10 s while the page is visible (a new dispute, another
// evaluator's scores appear without a reload; a resolution being typed is not redrawn).
// And a link to the QA report (/wall/reports#qa). Agents may open a call here only to be told
// the API's answer (they evaluate nothing; their own evaluations are on the desk). The API
// decides who may do what; the page shows its refusals.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "q.title": "质检",
      "q.wall": "监控墙",
      "q.calls": "通话录音",
      "q.report": "质检报表",
      "q.login": "质检员 / 班长登录",
      "q.tabs": "质检功能",
      "q.tab.work": "工作列表",
      "q.tab.eval": "评估通话",
      "q.tab.cal": "校准",
      "q.tab.list": "评估记录与申诉",
      "q.role.agent": "坐席不能评估通话；自己的质检结果请在坐席工作台“我的质检”中查看。",
      "q.work.title": "每周抽检工作列表",
      "q.week": "周",
      "q.team": "班组",
      "q.team.any": "全部班组",
      "q.show": "查看",
      "q.busy": "加载中…",
      "q.work.info": "{week} · 每位坐席抽 {n} 通",
      "q.work.drawn": "已抽样",
      "q.work.not_drawn": "该周尚未结束，结束后才抽样",
      "q.work.none": "该周没有抽到通话",
      "q.col.agent": "坐席",
      "q.col.staff": "工号",
      "q.col.time": "通话时间",
      "q.col.talk": "通话时长",
      "q.col.queue": "队列",
      "q.col.score": "得分 / 状态",
      "q.col.action": "操作",
      "q.todo": "待评估",
      "q.evaluate": "评估",
      "q.review": "查看",
      "q.evaluate.label": "评估通话 {id}",
      "q.eval.title": "评估通话",
      "q.call_id": "通话编号",
      "q.open": "打开",
      "q.caller": "来电号码",
      "q.player": "通话 {id} 的录音",
      "q.bad_id": "请输入通话编号（数字）",
      "q.not_ended": "通话尚未结束，结束后才能评估",
      "q.no_agent": "该通话没有接到坐席，无需评估",
      "q.own_call": "不能评估自己接听的通话",
      "q.not_evaluator": "只有质检员、班长和管理员可以评估通话",
      "q.form": "评估表",
      "q.form.title": "{title}（版本 {version}）",
      "q.pass_mark": "合格线 {mark}%；关键项答“否”则整通不合格（0 分）。",
      "q.weight": "权重 {w}",
      "q.scale": "0–{max} 分",
      "q.critical": "关键项",
      "q.yes": "是",
      "q.no": "否",
      "q.na": "不适用",
      "q.comments": "评语",
      "q.save": "保存评估",
      "q.revise": "保存修改",
      "q.saving": "保存中…",
      "q.saved": "已保存评估 #{id}",
      "q.saved_score": "服务器评分",
      "q.preview": "预估得分 {p}%（保存后以服务器评分为准）",
      "q.preview.missing": "预估得分 {p}%，还有 {n} 项未答",
      "q.preview.critical": "关键项答“否”：整通不合格，0 分",
      "q.mine": "你已评估过这通电话（{p}%，{status}）：可修改后再保存。",
      "q.mine.locked": "你的评估（{p}%）已{status}，不能再修改。",
      "q.others": "这通电话已有 {n} 份其他评估：你的评估将作为校准评估，不计入考核。",
      "q.conflict": "你已评估过这通电话，已载入你的评估：请修改后再保存。",
      "q.passed": "合格",
      "q.failed": "不合格",
      "q.critical_failed": "关键项不合格",
      "q.counted": "计入考核",
      "q.calibration": "校准评估（不计入考核）",
      "q.result": "评估 #{id} · {form} · 评估人 {evaluator} · {status}",
      "q.st.open": "待坐席确认",
      "q.st.acknowledged": "已确认",
      "q.st.disputed": "申诉中",
      "q.st.resolved": "申诉已处理",
      "q.st.any": "全部",
      "q.status": "状态",
      "q.cal.title": "校准：多人评估的通话",
      "q.from": "从（周）",
      "q.to": "到（周）",
      "q.cal.none": "该范围内没有两人以上评估的通话",
      "q.cal.hint": "不填周则为最近八周。分差为最高分减最低分；评估人答案不一致的项目以红色标出。",
      "q.cal.call": "通话 {ref}（#{id}）· {agent} · {team} · {week}",
      "q.cal.spread": "分差 {s} 分",
      "q.cal.wide": "分差较大，建议一起复听",
      "q.cal.item": "评估项",
      "q.cal.score": "得分",
      "q.cal.disagree": "不一致",
      "q.cal.no_items": "评估所用的表单或版本不同，无法逐项比较",
      "q.cal.agree": "{n} 项中 {d} 项不一致",
      "q.list.title": "评估记录与申诉处理",
      "q.list.none": "没有符合条件的评估",
      "q.list.head": "通话 {ref}（#{id}）· {agent}（工号 {staff}）· {team} · {week}",
      "q.list.evaluator": "评估人 {name} · {at}",
      "q.list.comments": "评语：{c}",
      "q.list.agent_note": "坐席意见（{at}）：{note}",
      "q.list.resolution": "处理结果（{at}，{by}）：{note}",
      "q.resolve.note": "处理意见（必填）",
      "q.resolve": "处理申诉",
      "q.resolved": "评估 #{id} 的申诉已处理",
      "q.open_eval": "查看 / 修改评分",
    },
    {
      "q.title": "Quality",
      "q.wall": "Wallboard",
      "q.calls": "Calls and recordings",
      "q.report": "QA report",
      "q.login": "Evaluator / supervisor log in",
      "q.tabs": "Quality assessment",
      "q.tab.work": "Work list",
      "q.tab.eval": "Evaluate a call",
      "q.tab.cal": "Calibration",
      "q.tab.list": "Evaluations and disputes",
      "q.role.agent": "Agents do not evaluate calls; your own evaluations are under “My evaluations” on the desk.",
      "q.work.title": "The week's work list",
      "q.week": "Week",
      "q.team": "Team",
      "q.team.any": "all teams",
      "q.show": "Show",
      "q.busy": "Loading…",
      "q.work.info": "{week} · {n} calls per agent",
      "q.work.drawn": "drawn",
      "q.work.not_drawn": "the week is not over: its calls are drawn once it is",
      "q.work.none": "No calls drawn that week",
      "q.col.agent": "Agent",
      "q.col.staff": "Staff no.",
      "q.col.time": "Call time",
      "q.col.talk": "Talk",
      "q.col.queue": "Queue",
      "q.col.score": "Score / status",
      "q.col.action": "Action",
      "q.todo": "to evaluate",
      "q.evaluate": "Evaluate",
      "q.review": "Review",
      "q.evaluate.label": "Evaluate call {id}",
      "q.eval.title": "Evaluate a call",
      "q.call_id": "Call id",
      "q.open": "Open",
      "q.caller": "Caller",
      "q.player": "Recording of call {id}",
      "q.bad_id": "Give a call id (a number)",
      "q.not_ended": "The call has not ended: evaluate it once it has",
      "q.no_agent": "The call never reached an agent: nothing to evaluate",
      "q.own_call": "You cannot evaluate a call you answered",
      "q.not_evaluator": "Only evaluators, supervisors and admins evaluate calls",
      "q.form": "Form",
      "q.form.title": "{title} (version {version})",
      "q.pass_mark": "Pass mark {mark}%; a critical item answered “no” fails the call (score 0).",
      "q.weight": "weight {w}",
      "q.scale": "0–{max}",
      "q.critical": "critical",
      "q.yes": "yes",
      "q.no": "no",
      "q.na": "n/a",
      "q.comments": "Comments",
      "q.save": "Save the evaluation",
      "q.revise": "Save the revision",
      "q.saving": "Saving…",
      "q.saved": "Evaluation #{id} saved",
      "q.saved_score": "Server's score",
      "q.preview": "Preview {p}% (the server's score counts once saved)",
      "q.preview.missing": "Preview {p}%, {n} items unanswered",
      "q.preview.critical": "A critical item answered “no”: the call fails, score 0",
      "q.mine": "You evaluated this call already ({p}%, {status}): change it and save again.",
      "q.mine.locked": "Your evaluation ({p}%) is {status}: it can no longer be revised.",
      "q.others": "This call has {n} other evaluation(s): yours will be a calibration one, not counted.",
      "q.conflict": "You evaluated this call already; your evaluation is loaded: change it and save again.",
      "q.passed": "passed",
      "q.failed": "failed",
      "q.critical_failed": "critical item failed",
      "q.counted": "counted",
      "q.calibration": "calibration (not counted)",
      "q.result": "Evaluation #{id} · {form} · evaluator {evaluator} · {status}",
      "q.st.open": "open",
      "q.st.acknowledged": "acknowledged",
      "q.st.disputed": "disputed",
      "q.st.resolved": "resolved",
      "q.st.any": "all",
      "q.status": "Status",
      "q.cal.title": "Calibration: calls scored by several evaluators",
      "q.from": "From (week)",
      "q.to": "To (week)",
      "q.cal.none": "No call in this range was scored by two or more evaluators",
      "q.cal.hint": "Without weeks: the last eight. The spread is the highest score less the lowest; the criteria the evaluators answered differently are in red.",
      "q.cal.call": "Call {ref} (#{id}) · {agent} · {team} · {week}",
      "q.cal.spread": "Spread {s} points",
      "q.cal.wide": "Wide spread: listen to the call together",
      "q.cal.item": "Criterion",
      "q.cal.score": "Score",
      "q.cal.disagree": "differ",
      "q.cal.no_items": "The evaluations used different forms or versions: no item-by-item comparison",
      "q.cal.agree": "{d} of {n} items differ",
      "q.list.title": "Evaluations and disputes",
      "q.list.none": "No evaluations match",
      "q.list.head": "Call {ref} (#{id}) · {agent} (staff no. {staff}) · {team} · {week}",
      "q.list.evaluator": "Evaluator {name} · {at}",
      "q.list.comments": "Comments: {c}",
      "q.list.agent_note": "Agent's note ({at}): {note}",
      "q.list.resolution": "Resolution ({at}, {by}): {note}",
      "q.resolve.note": "Resolution (required)",
      "q.resolve": "Resolve the dispute",
      "q.resolved": "The dispute of evaluation #{id} is resolved",
      "q.open_eval": "Review / revise the score",
    },
  );

  const EVALUATORS = ["qa", "supervisor", "admin"];
  /** A spread (points) worth listening to together. */
  const WIDE = 10;

  const Q = {
    me: null,
    tab: "work",
    forms: null, // GET /api/qa/forms
    teams: new Set(),
    names: new Map(), // agent id -> name
    work: null,
    cal: null,
    list: null,
    // The call being evaluated: { call, evaluations, mine, others, form }
    ev: null,
    rec: null, // the recording player
    seq: 0, // the latest call opened (a slower answer for an earlier one is dropped)
  };

  const mayEvaluate = () => !!Q.me && EVALUATORS.includes(Q.me.role);
  const pct = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(1) + "%");
  const when = (ms) => (ms === null || ms === undefined ? "—" : H.date(ms) + " " + H.clock(ms));
  const statusText = (s) => (s ? H.label("q.st", s) : "");

  // ---- start ---------------------------------------------------------------------------------

  async function start(agent) {
    Q.me = agent;
    Q.names.set(agent.id, agent.name);
    const evaluator = mayEvaluate();
    ["work", "cal", "list"].forEach((tab) => {
      $("tab-" + tab).hidden = !evaluator;
    });
    say($("q-note"), evaluator ? "" : t("q.role.agent"), "info");
    const params = new URLSearchParams(location.search);
    const call = params.get("call");
    const tab = params.get("tab");
    // The tab first (a click meanwhile is not undone); a call waits for the forms.
    if (call) showTab("eval");
    else showTab(evaluator ? (["work", "eval", "cal", "list"].includes(tab) ? tab : "work") : "eval");
    const [forms, agents] = await Promise.all([
      api("GET", "/api/qa/forms").catch((err) => {
        if (evaluator) say($("q-note"), errorText(err), "error");
        return null;
      }),
      api("GET", "/api/directory").catch(() => null),
    ]);
    Q.forms = forms;
    (agents || []).forEach((a) => {
      Q.names.set(a.id, a.name);
      if (a.role === "agent") learnTeam(a.team);
    });
    if (call && Q.me === agent) openCall(call);
  }

  function stop() {
    if (Q.rec) Q.rec.close();
    Q.me = null;
    Q.work = Q.cal = Q.list = Q.ev = null;
    $("w-rows").replaceChildren();
    $("cal-out").replaceChildren();
    $("l-list").replaceChildren();
    clearEval();
  }

  function learnTeam(team) {
    if (!team || Q.teams.has(team)) return;
    Q.teams.add(team);
    $("q-teams").replaceChildren(...[...Q.teams].sort().map((v) => el("option", { value: v })));
  }

  function showTab(tab) {
    Q.tab = tab;
    document.querySelectorAll("#q-tabs [role=tab]").forEach((b) => {
      b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    });
    $("pane-work").hidden = tab !== "work";
    $("pane-eval").hidden = tab !== "eval";
    $("pane-cal").hidden = tab !== "cal";
    $("pane-list").hidden = tab !== "list";
    if (tab === "work" && !Q.work) loadWork();
    if (tab === "cal" && !Q.cal) loadCal();
    if (tab === "list" && !Q.list) loadList();
  }

  /** The refused input of `form` marked (the API's `field`), or every mark cleared. */
  function refused(form, msg, err) {
    H.markField(form, err ? err.field : "");
    say(msg, err ? errorText(err) : "", "error");
  }

  // ---- (a) the work list -----------------------------------------------------------------------

  async function loadWork(ev, quiet) {
    if (ev) ev.preventDefault();
    if (!quiet) say($("w-msg"), t("q.busy"), "info");
    try {
      Q.work = await api("GET", "/api/qa/work" + query({ week: $("w-week").value, team: $("w-team").value.trim() }));
    } catch (err) {
      if (err.status !== 401 && !quiet) refused($("w-form"), $("w-msg"), err);
      return;
    }
    refused($("w-form"), $("w-msg"), null);
    if (!$("w-week").value) $("w-week").value = Q.work.week;
    Q.work.items.forEach((i) => {
      learnTeam(i.team);
      Q.names.set(i.agent_id, i.agent_name);
    });
    renderWork();
  }

  function renderWork() {
    const w = Q.work;
    if (!w) return;
    $("w-info").textContent = t("q.work.info", { week: w.week, n: w.per_agent }) + " · " + (w.drawn ? t("q.work.drawn") : t("q.work.not_drawn"));
    $("w-info").dataset.drawn = w.drawn ? "1" : "0";
    const body = $("w-rows");
    if (!w.items.length) {
      body.replaceChildren(el("tr", {}, el("td", { class: "empty", attrs: { colspan: 7 }, text: w.drawn ? t("q.work.none") : t("q.work.not_drawn") })));
      return;
    }
    body.replaceChildren(
      ...w.items.map((i) => {
        const done = i.evaluation_id !== null && i.evaluation_id !== undefined;
        return el(
          "tr",
          { data: { call: i.call_id, evaluation: done ? i.evaluation_id : null } },
          el("td", { text: i.agent_name }),
          el("td", { class: "mono", text: i.agent_staff_no }),
          el("td", { class: "mono", text: when(i.started_at) }),
          el("td", { class: "num mono", text: H.duration(i.talk_ms) }),
          el("td", { text: i.queue ? H.label("queue", i.queue) : "—" }),
          el("td", { class: "qa-score-cell", text: done ? `${pct(i.percent)} · ${statusText(i.status)}` : t("q.todo") }),
          el(
            "td",
            {},
            el("button", {
              type: "button",
              class: "small" + (done ? "" : " primary"),
              text: done ? t("q.review") : t("q.evaluate"),
              attrs: { "aria-label": t("q.evaluate.label", { id: i.call_id }) },
              on: { click: () => openCall(i.call_id) },
            }),
          ),
        );
      }),
    );
  }

  // ---- (b) evaluate a call ---------------------------------------------------------------------

  function clearEval() {
    Q.ev = null;
    $("e-facts").hidden = true;
    $("e-form").hidden = true;
    $("e-result").hidden = true;
    $("e-mine").hidden = true;
    say($("e-save-msg"), "");
    $("e-sections").replaceChildren();
    $("e-comments").value = "";
  }

  async function pickCall(ev) {
    ev.preventDefault();
    const v = $("e-call").value.trim();
    if (!/^\d{1,18}$/.test(v)) {
      $("e-call").setAttribute("aria-invalid", "true");
      say($("e-msg"), t("q.bad_id"), "error");
      return;
    }
    $("e-call").removeAttribute("aria-invalid");
    openCall(v);
  }

  /** Opens call `id` for evaluation: its facts, its recording and the form. */
  async function openCall(id) {
    const seq = ++Q.seq;
    showTab("eval");
    $("e-call").value = String(id);
    if (new URLSearchParams(location.search).get("call") !== String(id)) history.replaceState(null, "", "/wall/qa?call=" + encodeURIComponent(id));
    clearEval();
    if (Q.rec) Q.rec.close();
    $("player").hidden = true;
    say($("e-msg"), t("q.busy"), "info");
    let call;
    try {
      call = (await api("GET", "/api/calls/" + encodeURIComponent(id))).call;
    } catch (err) {
      if (seq === Q.seq && err.status !== 401) say($("e-msg"), errorText(err), "error");
      return;
    }
    if (seq !== Q.seq) return;
    say($("e-msg"), "");
    Q.ev = { call, evaluations: [], mine: null, others: [], form: null };
    renderFacts();
    $("player-h").textContent = t("q.player", { id: call.id });
    // Everyone gets the player; the API says who may listen (a refusal shows its message).
    if (call.recording && call.ended_at !== null && call.ended_at !== undefined) Q.rec.open(call.id);
    if (!mayEvaluate()) return;
    let why = "";
    if (call.ended_at === null || call.ended_at === undefined) why = t("q.not_ended");
    else if (call.agent_id === null || call.agent_id === undefined) why = t("q.no_agent");
    else if (call.agent_id === Q.me.id) why = t("q.own_call");
    if (why) {
      say($("e-msg"), why, "info");
      return;
    }
    await loadEvaluations(seq);
  }

  /** The call's evaluations (all of them, calibration ones too), mine picked out; the form. */
  async function loadEvaluations(seq) {
    const e = Q.ev;
    let list = [];
    try {
      list = await api("GET", "/api/qa/evaluations" + query({ call: e.call.id, calibration: true }));
    } catch (err) {
      if (seq === Q.seq && err.status !== 401) say($("e-msg"), errorText(err), "error");
      return;
    }
    if (seq !== Q.seq) return;
    e.evaluations = list;
    e.mine = list.find((x) => x.evaluator_id === Q.me.id) || null;
    e.others = list.filter((x) => x.evaluator_id !== Q.me.id);
    if (list.length) Q.names.set(list[0].agent_id, list[0].agent_name);
    renderFacts();
    if (!Q.forms || !Q.forms.forms.length) return;
    const formId = e.mine ? e.mine.form_id : $("e-form-id").value || Q.forms.default;
    e.form = Q.forms.forms.find((f) => f.id === formId) || Q.forms.forms.find((f) => f.id === Q.forms.default) || Q.forms.forms[0];
    renderForm(e.mine ? e.mine.answers : {}, e.mine ? e.mine.comments : "");
    if (e.mine) showResult(e.mine);
  }

  function renderFacts() {
    const e = Q.ev;
    if (!e) return;
    const c = e.call;
    $("e-facts").hidden = false;
    $("e-time").textContent = when(c.started_at);
    $("e-caller").textContent = c.caller;
    const agent = c.agent_id === null || c.agent_id === undefined ? "—" : Q.names.get(c.agent_id) || "#" + c.agent_id;
    const staff = e.evaluations.length ? e.evaluations[0].agent_staff_no : "";
    $("e-agent").textContent = staff ? `${agent}（${staff}）` : agent;
    $("e-queue").textContent = c.queue ? H.label("queue", c.queue) : "—";
    $("e-talk").textContent = H.duration(c.talk_ms);
  }

  /** The form's fields, `answers` ticked, `comments` filled. */
  function renderForm(answers, comments) {
    const e = Q.ev;
    const form = e.form;
    $("e-form").hidden = false;
    $("e-form").dataset.form = form.id;
    $("e-form-h").textContent = t("q.form.title", { title: form.title, version: form.version });
    $("e-pass").textContent = t("q.pass_mark", { mark: form.pass_mark });
    const select = $("e-form-id");
    select.replaceChildren(...Q.forms.forms.map((f) => el("option", { value: f.id, text: f.title })));
    select.value = form.id;
    // Another form only for a new evaluation (a revision keeps its form).
    select.hidden = Q.forms.forms.length < 2 || !!e.mine;
    $("e-sections").replaceChildren(
      ...form.sections.map((s) =>
        el("section", { class: "qa-section", data: { section: s.id } }, el("h3", { text: s.title }), ...s.criteria.map((c) => criterion(c, answers ? answers[c.id] : undefined))),
      ),
    );
    $("e-comments").value = comments || "";
    renderMine();
    preview();
  }

  /** One criterion: its text, marks, guidance and answer buttons (radios). */
  function criterion(c, answer) {
    const name = "a-" + c.id;
    const choices = [];
    if (c.kind.type === "scale") for (let v = 0; v <= c.kind.max; v += 1) choices.push([String(v), String(v)]);
    else choices.push(["yes", t("q.yes")], ["no", t("q.no")]);
    if (c.allow_na) choices.push(["na", t("q.na")]);
    const given = answer === undefined || answer === null ? null : String(answer);
    const radios = choices.map(([value, text]) => {
      const input = el("input", { type: "radio", attrs: { name, value } });
      input.checked = given === value;
      return el("label", { class: "qa-choice" }, input, el("span", { text }));
    });
    const meta = [t("q.weight", { w: c.weight })];
    if (c.kind.type === "scale") meta.push(t("q.scale", { max: c.kind.max }));
    return el(
      "fieldset",
      { class: "qa-crit", attrs: { id: "crit-" + c.id }, data: { criterion: c.id, critical: c.critical ? "1" : "0" } },
      el("legend", {}, el("span", { class: "qa-crit-text", text: c.text }), c.critical ? el("span", { class: "badge qa-critical", text: t("q.critical") }) : null, el("span", { class: "qa-meta", text: meta.join(" · ") })),
      c.guidance ? el("p", { class: "hint qa-guidance", text: c.guidance }) : null,
      el("div", { class: "qa-choices" }, ...radios),
      el("p", { class: "msg qa-crit-msg", attrs: { role: "alert" }, hidden: true }),
    );
  }

  /** The answers ticked: `{criterion: "yes"|"no"|"na"|point}`; unanswered ones left out. */
  function answers() {
    const out = {};
    const form = Q.ev && Q.ev.form;
    if (!form) return out;
    for (const s of form.sections) {
      for (const c of s.criteria) {
        const r = document.querySelector(`input[name="a-${c.id}"]:checked`);
        if (!r) continue;
        out[c.id] = c.kind.type === "scale" && r.value !== "na" ? Number(r.value) : r.value;
      }
    }
    return out;
  }

  /**
   * The score the form's rules give (qa-forms/README.md): yes earns the weight, a scale point
   * v earns weight × v / max, n/a leaves the item out; a critical "no" scores 0. A preview
   * only: the server's score is what counts and what is shown once saved.
   */
  function score(form, a) {
    let points = 0;
    let possible = 0;
    let missing = 0;
    let critical = false;
    for (const s of form.sections) {
      for (const c of s.criteria) {
        const v = a[c.id];
        if (v === undefined) {
          missing += 1;
          continue;
        }
        if (v === "na") continue;
        possible += c.weight;
        if (c.kind.type === "scale") points += (c.weight * v) / c.kind.max;
        else if (v === "yes") points += c.weight;
        else if (c.critical) critical = true;
      }
    }
    const percent = critical ? 0 : possible > 0 ? Math.round((1000 * points) / possible) / 10 : 100;
    return { percent, missing, critical };
  }

  function preview() {
    const e = Q.ev;
    if (!e || !e.form) return;
    const s = score(e.form, answers());
    const p = s.percent.toFixed(1);
    $("e-preview").textContent = s.critical ? t("q.preview.critical") : s.missing ? t("q.preview.missing", { p, n: s.missing }) : t("q.preview", { p });
    $("e-preview").dataset.percent = String(s.percent);
  }

  /** Says whether this is a revision of one's own evaluation, or a calibration one. */
  function renderMine() {
    const e = Q.ev;
    const box = $("e-mine");
    const save = $("e-save");
    save.disabled = false;
    if (e.mine) {
      const open = e.mine.status === "open" || e.mine.status === "disputed";
      say(box, t(open ? "q.mine" : "q.mine.locked", { p: pct(e.mine.percent), status: statusText(e.mine.status) }), "info");
      save.textContent = t("q.revise");
      save.disabled = !open;
    } else {
      say(box, e.others.length ? t("q.others", { n: e.others.length }) : "", "info");
      save.textContent = t("q.save");
    }
  }

  function clearMarks() {
    document.querySelectorAll("#e-form [aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    document.querySelectorAll("#e-form .qa-crit-msg").forEach((m) => say(m, ""));
  }

  /** A refusal shown where it belongs: at the criterion `answers.<id>`, or the comments. */
  function showRefusal(err) {
    const f = err.field || "";
    let target = null;
    if (f.startsWith("answers.")) target = $("crit-" + f.slice("answers.".length));
    else if (f === "comments") target = $("e-comments");
    if (target) {
      target.setAttribute("aria-invalid", "true");
      const m = target.querySelector(".qa-crit-msg");
      if (m) say(m, errorText(err), "error");
      target.scrollIntoView({ block: "center" });
      const input = target.matches("textarea") ? target : target.querySelector("input");
      if (input) input.focus();
    }
    say($("e-save-msg"), errorText(err), "error");
  }

  async function save(ev) {
    ev.preventDefault();
    const e = Q.ev;
    if (!e || !e.form) return;
    clearMarks();
    const body = { answers: answers(), comments: $("e-comments").value };
    const button = $("e-save");
    button.disabled = true;
    say($("e-save-msg"), t("q.saving"), "info");
    try {
      const saved = e.mine
        ? await api("PUT", "/api/qa/evaluations/" + encodeURIComponent(e.mine.id), body)
        : await api("POST", "/api/qa/evaluations", { call_id: e.call.id, form: e.form.id, ...body });
      if (Q.ev !== e) return;
      e.mine = saved;
      say($("e-save-msg"), t("q.saved", { id: saved.id }), "ok");
      showResult(saved);
      renderMine();
      // The lists show the new score when next shown.
      Q.work = null;
      Q.cal = null;
      Q.list = null;
    } catch (err) {
      button.disabled = false;
      if (err.status === 401 || Q.ev !== e) return;
      if (err.status === 409 && !e.mine) {
        // Saved from another tab meanwhile: load it, keep what is ticked here.
        const ticked = body.answers;
        await loadEvaluations(Q.seq);
        if (Q.ev && Q.ev.mine) {
          renderForm(ticked, body.comments);
          say($("e-save-msg"), t("q.conflict"), "error");
          return;
        }
      }
      showRefusal(err);
    }
  }

  /** The server's figures for evaluation `x`. */
  function showResult(x) {
    const box = $("e-result");
    box.hidden = false;
    box.dataset.evaluation = x.id;
    box.dataset.percent = String(x.percent);
    box.dataset.passed = x.passed ? "1" : "0";
    box.dataset.status = x.status;
    $("e-score").textContent = pct(x.percent);
    const verdict = [x.passed ? t("q.passed") : t("q.failed")];
    if (x.critical_failed) verdict.push(t("q.critical_failed"));
    verdict.push(x.calibration ? t("q.calibration") : t("q.counted"));
    $("e-verdict").textContent = verdict.join(" · ");
    $("e-verdict").dataset.passed = x.passed ? "1" : "0";
    $("e-result-text").textContent = t("q.result", { id: x.id, form: `${x.form_id} ${x.form_version}`, evaluator: x.evaluator_name, status: statusText(x.status) });
  }

  // ---- (c) calibration -------------------------------------------------------------------------

  async function loadCal(ev, quiet) {
    if (ev) ev.preventDefault();
    if (!quiet) say($("cal-msg"), t("q.busy"), "info");
    try {
      Q.cal = await api("GET", "/api/qa/calibration" + query({ from: $("cal-from").value, to: $("cal-to").value, team: $("cal-team").value.trim() }));
    } catch (err) {
      if (err.status !== 401 && !quiet) refused($("cal-form"), $("cal-msg"), err);
      return;
    }
    refused($("cal-form"), $("cal-msg"), null);
    Q.cal.forEach((r) => learnTeam(r.team));
    renderCal();
  }

  function answerText(a) {
    if (a === "yes") return t("q.yes");
    if (a === "no") return t("q.no");
    if (a === "na") return t("q.na");
    return String(a);
  }

  function renderCal() {
    const out = $("cal-out");
    if (!Q.cal) return;
    if (!Q.cal.length) {
      out.replaceChildren(el("p", { class: "empty", text: t("q.cal.none") }));
      return;
    }
    out.replaceChildren(
      ...Q.cal.map((r) => {
        const head = el("tr", {}, el("th", { attrs: { scope: "col" }, text: t("q.cal.item") }), ...r.evaluations.map((e) => el("th", { attrs: { scope: "col" }, text: `${e.evaluator_name}（${e.calibration ? t("q.calibration") : t("q.counted")}）` })));
        const scores = el(
          "tr",
          { class: "qa-cal-score" },
          el("th", { attrs: { scope: "row" }, text: t("q.cal.score") }),
          ...r.evaluations.map((e) => el("td", { class: "num", data: { evaluation: e.evaluation_id, percent: e.percent }, text: `${pct(e.percent)} ${e.passed ? t("q.passed") : t("q.failed")}` })),
        );
        const items = r.criteria.map((c) =>
          el(
            "tr",
            { class: c.agree ? "" : "disagree", data: { criterion: c.id, agree: c.agree ? "1" : "0" } },
            el("th", { attrs: { scope: "row" } }, c.text, c.agree ? null : el("span", { class: "badge qa-differ", text: t("q.cal.disagree") })),
            ...c.answers.map((a) => el("td", { class: "num", text: answerText(a) })),
          ),
        );
        const differ = r.criteria.filter((c) => !c.agree).length;
        return el(
          "section",
          { class: "qa-cal", data: { call: r.call_id, spread: r.spread } },
          el("h3", { text: t("q.cal.call", { ref: r.call_ref, id: r.call_id, agent: r.agent_name, team: r.team, week: r.week }) }),
          el(
            "p",
            {},
            el("strong", { class: "qa-spread", data: { wide: r.spread >= WIDE ? "1" : "0" }, text: t("q.cal.spread", { s: Number(r.spread).toFixed(1) }) }),
            r.spread >= WIDE ? " " + t("q.cal.wide") : "",
            r.criteria.length ? " · " + t("q.cal.agree", { n: r.criteria.length, d: differ }) : "",
          ),
          el("div", { class: "table-scroll" }, el("table", { class: "data qa-cal-table" }, el("thead", {}, head), el("tbody", {}, scores, ...items))),
          r.criteria.length ? null : el("p", { class: "hint", text: t("q.cal.no_items") }),
          el("button", { type: "button", class: "small", text: t("q.open_eval"), on: { click: () => openCall(r.call_id) } }),
        );
      }),
    );
  }

  // ---- (4) evaluations and disputes ------------------------------------------------------------

  async function loadList(ev, quiet) {
    if (ev) ev.preventDefault();
    if (!quiet) say($("l-msg"), t("q.busy"), "info");
    try {
      Q.list = await api("GET", "/api/qa/evaluations" + query({ status: $("l-status").value, team: $("l-team").value.trim(), limit: 200 }));
    } catch (err) {
      if (err.status !== 401 && !quiet) refused($("l-form"), $("l-msg"), err);
      return;
    }
    refused($("l-form"), $("l-msg"), null);
    Q.list.forEach((e) => learnTeam(e.team));
    renderList();
  }

  function renderList() {
    const ul = $("l-list");
    if (!Q.list) return;
    if (!Q.list.length) {
      ul.replaceChildren(el("li", { class: "empty", text: t("q.list.none") }));
      return;
    }
    ul.replaceChildren(...Q.list.map(listItem));
  }

  function listItem(e) {
    const li = el(
      "li",
      { class: "qa-item", data: { evaluation: e.id, call: e.call_id, status: e.status } },
      el("p", { class: "qa-item-head", text: t("q.list.head", { ref: e.call_ref, id: e.call_id, agent: e.agent_name, staff: e.agent_staff_no, team: e.team, week: e.week }) }),
      el(
        "p",
        {},
        el("strong", { class: "qa-score", data: { percent: e.percent }, text: pct(e.percent) }),
        " ",
        el("span", { class: "badge " + (e.passed ? "qa-pass" : "qa-fail"), text: e.passed ? t("q.passed") : t("q.failed") }),
        e.critical_failed ? el("span", { class: "badge qa-critical", text: t("q.critical_failed") }) : null,
        " ",
        el("span", { class: "badge qa-status", data: { status: e.status }, text: statusText(e.status) }),
      ),
      el("p", { class: "hint", text: t("q.list.evaluator", { name: e.evaluator_name, at: H.dateTime(e.created_at) }) }),
      e.comments ? el("p", { class: "qa-comments", text: t("q.list.comments", { c: e.comments }) }) : null,
      e.agent_note ? el("p", { class: "qa-agent-note warn", text: t("q.list.agent_note", { at: H.dateTime(e.agent_at), note: e.agent_note }) }) : null,
      e.status === "resolved" ? el("p", { class: "qa-resolution", text: t("q.list.resolution", { at: H.dateTime(e.resolved_at), by: e.resolved_by_name || "", note: e.resolution_note || "" }) }) : null,
    );
    if (e.status === "disputed") li.append(resolveForm(e));
    li.append(el("div", { class: "buttons" }, el("button", { type: "button", class: "small", text: t("q.open_eval"), on: { click: () => openCall(e.call_id) } })));
    return li;
  }

  function resolveForm(e) {
    const id = "r-note-" + e.id;
    const note = el("textarea", { attrs: { id, name: "note", rows: 2, maxlength: 4000 } });
    const msg = el("p", { class: "msg", attrs: { role: "alert" }, hidden: true });
    const button = el("button", { type: "submit", class: "primary", text: t("q.resolve") });
    const form = el("form", { class: "qa-resolve stack", attrs: { novalidate: "" } }, el("label", { attrs: { for: id }, text: t("q.resolve.note") }), note, button, msg);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      H.markField(form, "");
      button.disabled = true;
      try {
        await api("POST", `/api/qa/evaluations/${encodeURIComponent(e.id)}/resolve`, { note: note.value });
      } catch (err) {
        button.disabled = false;
        if (err.status === 401) return;
        H.markField(form, err.field);
        say(msg, errorText(err), "error");
        return;
      }
      await loadList();
      say($("l-msg"), t("q.resolved", { id: e.id }), "ok");
    });
    return form;
  }

  // ---- wiring --------------------------------------------------------------------------------

  // ---- live refresh ------------------------------------------------------------------------------

  /** How often the tab in view is read again (others' evaluations, disputes, calibrations). */
  const REFRESH_MS = 10000;

  /** Someone is writing in the list (a resolution note): it is not redrawn under them. */
  function typingInList() {
    const a = document.activeElement;
    if (a && $("l-list").contains(a)) return true;
    return [...document.querySelectorAll("#l-list textarea")].some((x) => x.value.trim() !== "");
  }

  /** Reads the tab in view again, quietly (no "loading", a failure kept for the next time);
   * not while the page is hidden, and never the evaluation being written. */
  function refresh() {
    if (!Q.me || document.hidden || !mayEvaluate()) return;
    if (Q.tab === "work" && Q.work) loadWork(null, true);
    else if (Q.tab === "cal" && Q.cal) loadCal(null, true);
    else if (Q.tab === "list" && Q.list && !typingInList()) loadList(null, true);
  }

  function init() {
    setInterval(refresh, REFRESH_MS);
    Q.rec = H.recording.player($("player"));
    document.querySelectorAll("#q-tabs [role=tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
    $("w-form").addEventListener("submit", loadWork);
    $("e-pick").addEventListener("submit", pickCall);
    $("e-form").addEventListener("submit", save);
    $("e-sections").addEventListener("change", (ev) => {
      const crit = ev.target.closest(".qa-crit");
      if (crit) {
        crit.removeAttribute("aria-invalid");
        say(crit.querySelector(".qa-crit-msg"), "");
      }
      preview();
    });
    $("e-form-id").addEventListener("change", () => {
      const e = Q.ev;
      if (!e || e.mine) return;
      e.form = Q.forms.forms.find((f) => f.id === $("e-form-id").value) || e.form;
      renderForm({}, $("e-comments").value);
    });
    $("cal-form").addEventListener("submit", loadCal);
    $("l-form").addEventListener("submit", loadList);
    H.loginPage({
      content: $("qa"),
      titleKey: "q.title",
      start,
      stop,
      relabel: () => {
        if (!Q.me) return;
        renderWork();
        renderCal();
        renderList();
        const e = Q.ev;
        if (e) {
          renderFacts();
          $("player-h").textContent = t("q.player", { id: e.call.id });
          if (e.form) renderForm(answers(), $("e-comments").value);
          if (e.mine) showResult(e.mine);
        }
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
