"use strict";
// The agent desktop (/desk): log in, the ACD state (shown only as the server reports it), the
// screen pop when the router offers a call (caller, queue, reason, IVR path, and the customer's
// account view), customer search, tickets (open, link to the call, dispatch, notes, the list
// with overdue ones first), follow-up calls, and call control. Everything from the server is
// put on the page as text.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "desk.title": "坐席工作台",
      "who": "{name} · 工号 {staff}",
      "refresh": "刷新",
      "loading": "加载中…",
      "state.title": "坐席状态",
      "state.for": "持续",
      "state.unknown": "未知",
      "state.not_in_acd": "未签入",
      "state.ready.btn": "就绪",
      "state.endwrap.btn": "结束话后整理",
      "state.notready.btn": "示忙",
      "state.login.btn": "签入",
      "state.logout.btn": "签出",
      "state.reason": "示忙原因",
      "state.reason.other": "其他（代码）",
      "state.reason.code": "原因代码",
      "state.reason.code.hint": "小写字母、数字、下划线",
      "state.reason.bad": "原因代码须为 1–32 个小写字母、数字或下划线（不能用 missed、login）",
      "state.detail.reason": "原因：{r}",
      "state.detail.wrap": "话后整理，{s} 后自动结束",
      "state.phone.on": "话机已注册",
      "state.phone.off": "话机未注册",
      "keys.help": "快捷键：Alt+R 就绪/结束话后整理，Alt+N 示忙，Alt+T 开工单，Alt+F 查找客户",
      "call.title": "当前来电",
      "call.none": "暂无来电",
      "call.caller": "来电号码",
      "call.queue": "队列",
      "call.reason": "来电原因",
      "call.ivr": "IVR 路径",
      "call.record": "通话记录",
      "call.record.searching": "查找中…",
      "call.record.missing": "未找到（工单不能自动关联）",
      "call.status.ringing": "振铃中 — 请接听",
      "call.status.on": "通话中",
      "call.status.ended": "通话已结束",
      "call.status.callback": "（回拨）",
      "call.hangup": "挂断",
      "call.hold": "保持",
      "call.unhold": "取消保持",
      "call.xfer.to": "转接到",
      "call.xfer": "转接",
      "call.xfer.queue": "队列：{q}",
      "call.xfer.flow": "流程：{f}",
      "call.xfer.queues": "队列",
      "call.xfer.flows": "流程",
      "call.done.hangup": "已挂断",
      "call.done.hold": "已保持",
      "call.done.unhold": "已取消保持",
      "call.done.xfer": "已转接",
      "call.popped": "来电 {caller}",
      "reason.billing": "账务",
      "reason.repair": "报修",
      "reason.leak": "漏水",
      "reason.outage": "停水",
      "reason.meter": "抄表",
      "reason.agent": "转人工",
      "cust.title": "客户信息",
      "cust.none": "来电时自动弹出客户信息；也可在上方查找。",
      "cust.unknown": "未识别的来电号码 {caller}：请查找客户",
      "cust.account": "户号",
      "cust.address": "地址",
      "cust.district": "区域",
      "cust.phones": "电话",
      "cust.language": "语言",
      "cust.key": "重点客户",
      "cust.manager": "重点客户 · 客户经理：{name}（分机 {sip}）",
      "cust.manager.none": "重点客户 · 未指定客户经理",
      "cust.repeat": "重复来电：该客户有未办结的工单",
      "credit.dunning": "催缴中",
      "credit.legal": "法律程序",
      "cust.credit": "信用状况：{flag}",
      "arrears.title": "欠费",
      "arrears.total": "欠费合计",
      "arrears.principal": "本金",
      "arrears.fees": "滞纳金",
      "arrears.none": "无欠费",
      "arrears.period": "账期",
      "arrears.unpaid": "未缴",
      "arrears.days": "逾期天数",
      "arrears.fee": "滞纳金",
      "bills.title": "近 12 个月账单",
      "bills.period": "账期",
      "bills.volume": "用量",
      "bills.amount": "金额",
      "bills.paid": "已缴",
      "bills.status": "状态",
      "bills.none": "无账单",
      "bill.paid": "已缴清",
      "bill.partial": "部分缴纳",
      "bill.due": "待缴",
      "bill.overdue": "欠费",
      "readings.title": "抄表记录",
      "readings.date": "日期",
      "readings.meter": "水表",
      "readings.value": "读数",
      "readings.source": "来源",
      "readings.status": "状态",
      "readings.none": "无抄表记录",
      "reading.accepted": "正常",
      "reading.queried": "存疑",
      "reading.queried.note": "存疑：{r}",
      "tickets.title": "工单",
      "tickets.none": "无工单",
      "calls.title": "近期来电",
      "calls.time": "时间",
      "calls.queue": "队列",
      "calls.wait": "等待",
      "calls.talk": "通话",
      "calls.result": "结果",
      "calls.none": "无来电记录",
      "notices.title": "区域公告",
      "search.by": "查找方式",
      "search.phone": "电话",
      "search.account": "户号",
      "search.name": "姓名",
      "search.q": "查找内容",
      "search.placeholder": "电话号码、户号或姓名",
      "search.go": "查找",
      "search.none": "没有找到客户",
      "search.mine": "我的重点客户",
      "search.found": "找到 {n} 位客户",
      "nt.title": "新建工单",
      "nt.kind": "类型",
      "nt.priority": "优先级",
      "nt.priority.default": "按类型默认",
      "nt.summary": "内容",
      "nt.address": "地址",
      "nt.phone": "联系电话",
      "nt.name": "联系人",
      "nt.submit": "开工单",
      "nt.for": "客户：{name}（户号 {acct}）",
      "nt.for.none": "未选择客户",
      "nt.for.call": "，关联通话记录 #{id}",
      "nt.created": "工单 #{id} 已创建",
      "nt.linked": "，已关联通话记录 #{call}",
      "nt.notlinked": "，未关联通话（{why}）",
      "nt.nocall": "无当前通话记录",
      "kind.inquiry": "咨询",
      "kind.billing_dispute": "账单争议",
      "kind.leak": "漏水",
      "kind.repair": "维修",
      "kind.meter": "水表",
      "kind.complaint": "投诉",
      "priority.low": "低",
      "priority.normal": "普通",
      "priority.high": "高",
      "priority.urgent": "紧急",
      "status.accepted": "已受理",
      "status.dispatched": "已派单",
      "status.in_progress": "处理中",
      "status.replied": "已回复",
      "status.closed": "已办结",
      "status.followed_up": "已回访",
      "status.rated": "已评价",
      "overdue.on_site": "到场超时",
      "overdue.reply": "回复超时",
      "overdue.follow_up": "回访超时",
      "tk.title": "工单",
      "tk.none": "从列表中选择一个工单",
      "tk.address": "地址",
      "tk.district": "区域",
      "tk.created": "创建",
      "tk.due": "时限",
      "tk.due.on_site": "到场 {at}",
      "tk.due.reply": "回复 {at}",
      "tk.due.follow_up": "回访 {at}",
      "tk.calls": "关联通话",
      "tk.overdue": "已超时：{what}",
      "tk.dispatch.to": "派往区域",
      "tk.dispatch": "派单",
      "tk.dispatched": "工单 #{id} 已派往 {d}",
      "tk.note": "备注",
      "tk.note.add": "添加备注",
      "tk.note.added": "备注已添加",
      "tk.note.empty": "请先填写备注",
      "tk.link": "关联当前通话",
      "tk.linked": "已关联通话记录 #{call}",
      "tk.history": "处理记录",
      "tk.event.created": "创建",
      "tk.event.transition": "状态变更",
      "tk.event.comment": "备注",
      "tk.event.assigned": "改派区域",
      "tk.event.linked": "关联通话",
      "tk.event.escalated": "升级",
      "tk.event.follow_up_attempt": "回访",
      "tl.title": "工单列表",
      "tl.status": "状态",
      "tl.status.any": "全部",
      "tl.overdue": "仅超时",
      "tl.customer": "仅当前客户",
      "tl.none": "没有工单",
      "fu.title": "待回访",
      "fu.none": "暂无待回访",
      "fu.call": "呼叫",
      "fu.calling": "已发起呼叫 {phone}",
      "fu.result": "结果",
      "fu.reached": "已联系上",
      "fu.notreached": "未联系上",
      "fu.rating": "评分",
      "fu.note": "备注",
      "fu.record": "记录",
      "fu.recorded": "已记录（{status}）",
      "fu.attempts": "第 {n}/{max} 次",
      "fu.status.pending": "待再次回访",
      "fu.status.reached": "已回访",
      "fu.status.not_reached": "未联系上，结束",
      "disposition.answered": "已接通",
      "disposition.abandoned": "放弃",
      "disposition.self_served": "自助服务",
      "disposition.callback": "回拨",
      "lang.zh": "中文",
      "lang.en": "英语",
    },
    {
      "desk.title": "Agent desktop",
      "who": "{name} · staff no. {staff}",
      "refresh": "Refresh",
      "loading": "Loading…",
      "state.title": "My state",
      "state.for": "for",
      "state.unknown": "Unknown",
      "state.not_in_acd": "Not logged in",
      "state.ready.btn": "Ready",
      "state.endwrap.btn": "End wrap-up",
      "state.notready.btn": "Not ready",
      "state.login.btn": "Log in to the ACD",
      "state.logout.btn": "Log out of the ACD",
      "state.reason": "Not-ready reason",
      "state.reason.other": "Other (code)",
      "state.reason.code": "Reason code",
      "state.reason.code.hint": "lowercase letters, digits, _",
      "state.reason.bad": "A reason code is 1–32 lowercase letters, digits or _ (not missed or login)",
      "state.detail.reason": "Reason: {r}",
      "state.detail.wrap": "Wrap-up ends by itself in {s}",
      "state.phone.on": "Phone registered",
      "state.phone.off": "Phone not registered",
      "keys.help": "Keys: Alt+R ready / end wrap-up, Alt+N not ready, Alt+T open a ticket, Alt+F find a customer",
      "call.title": "Current call",
      "call.none": "No call",
      "call.caller": "Caller",
      "call.queue": "Queue",
      "call.reason": "Reason",
      "call.ivr": "IVR path",
      "call.record": "Call record",
      "call.record.searching": "looking it up…",
      "call.record.missing": "not found (tickets cannot be linked)",
      "call.status.ringing": "Ringing — answer the phone",
      "call.status.on": "On the call",
      "call.status.ended": "Call ended",
      "call.status.callback": "(callback)",
      "call.hangup": "Hang up",
      "call.hold": "Hold",
      "call.unhold": "Resume",
      "call.xfer.to": "Transfer to",
      "call.xfer": "Transfer",
      "call.xfer.queue": "queue: {q}",
      "call.xfer.flow": "flow: {f}",
      "call.xfer.queues": "Queues",
      "call.xfer.flows": "Flows",
      "call.done.hangup": "Hung up",
      "call.done.hold": "On hold",
      "call.done.unhold": "Resumed",
      "call.done.xfer": "Transferred",
      "call.popped": "Call from {caller}",
      "reason.billing": "billing",
      "reason.repair": "repair",
      "reason.leak": "leak",
      "reason.outage": "outage",
      "reason.meter": "meter",
      "reason.agent": "asked for an agent",
      "cust.title": "Customer",
      "cust.none": "The customer pops up when a call comes in; or search above.",
      "cust.unknown": "Unknown caller {caller}: find the customer",
      "cust.account": "Account",
      "cust.address": "Address",
      "cust.district": "District",
      "cust.phones": "Phones",
      "cust.language": "Language",
      "cust.key": "Key account",
      "cust.manager": "Key account · manager: {name} (ext. {sip})",
      "cust.manager.none": "Key account · no manager assigned",
      "cust.repeat": "Repeat contact: the customer has open tickets",
      "credit.dunning": "dunning",
      "credit.legal": "legal action",
      "cust.credit": "Credit: {flag}",
      "arrears.title": "Arrears",
      "arrears.total": "Total owed",
      "arrears.principal": "principal",
      "arrears.fees": "late fees",
      "arrears.none": "No arrears",
      "arrears.period": "Period",
      "arrears.unpaid": "Unpaid",
      "arrears.days": "Days overdue",
      "arrears.fee": "Late fee",
      "bills.title": "Bills, last 12 months",
      "bills.period": "Period",
      "bills.volume": "Volume",
      "bills.amount": "Amount",
      "bills.paid": "Paid",
      "bills.status": "Status",
      "bills.none": "No bills",
      "bill.paid": "paid",
      "bill.partial": "part paid",
      "bill.due": "due",
      "bill.overdue": "overdue",
      "readings.title": "Meter readings",
      "readings.date": "Date",
      "readings.meter": "Meter",
      "readings.value": "Reading",
      "readings.source": "Source",
      "readings.status": "Status",
      "readings.none": "No readings",
      "reading.accepted": "ok",
      "reading.queried": "queried",
      "reading.queried.note": "queried: {r}",
      "tickets.title": "Tickets",
      "tickets.none": "No tickets",
      "calls.title": "Recent calls",
      "calls.time": "Time",
      "calls.queue": "Queue",
      "calls.wait": "Wait",
      "calls.talk": "Talk",
      "calls.result": "Result",
      "calls.none": "No calls",
      "notices.title": "District notices",
      "search.by": "Search by",
      "search.phone": "Phone",
      "search.account": "Account",
      "search.name": "Name",
      "search.q": "Search for",
      "search.placeholder": "phone, account number or name",
      "search.go": "Find",
      "search.none": "No customer found",
      "search.mine": "My key accounts",
      "search.found": "{n} customers found",
      "nt.title": "New ticket",
      "nt.kind": "Kind",
      "nt.priority": "Priority",
      "nt.priority.default": "kind's default",
      "nt.summary": "Summary",
      "nt.address": "Address",
      "nt.phone": "Contact phone",
      "nt.name": "Contact name",
      "nt.submit": "Open ticket",
      "nt.for": "Customer: {name} (account {acct})",
      "nt.for.none": "No customer selected",
      "nt.for.call": ", linked to call record #{id}",
      "nt.created": "Ticket #{id} opened",
      "nt.linked": ", linked to call record #{call}",
      "nt.notlinked": ", not linked to the call ({why})",
      "nt.nocall": "no call record",
      "kind.inquiry": "inquiry",
      "kind.billing_dispute": "billing dispute",
      "kind.leak": "leak",
      "kind.repair": "repair",
      "kind.meter": "meter",
      "kind.complaint": "complaint",
      "priority.low": "low",
      "priority.normal": "normal",
      "priority.high": "high",
      "priority.urgent": "urgent",
      "status.accepted": "accepted",
      "status.dispatched": "dispatched",
      "status.in_progress": "in progress",
      "status.replied": "replied",
      "status.closed": "closed",
      "status.followed_up": "followed up",
      "status.rated": "rated",
      "overdue.on_site": "on-site overdue",
      "overdue.reply": "reply overdue",
      "overdue.follow_up": "follow-up overdue",
      "tk.title": "Ticket",
      "tk.none": "Pick a ticket from the list",
      "tk.address": "Address",
      "tk.district": "District",
      "tk.created": "Opened",
      "tk.due": "Deadlines",
      "tk.due.on_site": "on site {at}",
      "tk.due.reply": "reply {at}",
      "tk.due.follow_up": "follow-up {at}",
      "tk.calls": "Calls",
      "tk.overdue": "Overdue: {what}",
      "tk.dispatch.to": "Dispatch to",
      "tk.dispatch": "Dispatch",
      "tk.dispatched": "Ticket #{id} dispatched to {d}",
      "tk.note": "Note",
      "tk.note.add": "Add note",
      "tk.note.added": "Note added",
      "tk.note.empty": "Write the note first",
      "tk.link": "Link to the current call",
      "tk.linked": "Linked to call record #{call}",
      "tk.history": "History",
      "tk.event.created": "opened",
      "tk.event.transition": "status",
      "tk.event.comment": "note",
      "tk.event.assigned": "district changed",
      "tk.event.linked": "call linked",
      "tk.event.escalated": "escalated",
      "tk.event.follow_up_attempt": "follow-up",
      "tl.title": "Tickets",
      "tl.status": "Status",
      "tl.status.any": "any",
      "tl.overdue": "overdue only",
      "tl.customer": "this customer only",
      "tl.none": "No tickets",
      "fu.title": "Follow-ups due",
      "fu.none": "No follow-ups due",
      "fu.call": "Call",
      "fu.calling": "Calling {phone}",
      "fu.result": "Result",
      "fu.reached": "reached",
      "fu.notreached": "not reached",
      "fu.rating": "Rating",
      "fu.note": "Note",
      "fu.record": "Record",
      "fu.recorded": "Recorded ({status})",
      "fu.attempts": "attempt {n}/{max}",
      "fu.status.pending": "to be tried again",
      "fu.status.reached": "done",
      "fu.status.not_reached": "not reached, given up",
      "disposition.answered": "answered",
      "disposition.abandoned": "abandoned",
      "disposition.self_served": "self-served",
      "disposition.callback": "callback",
      "lang.zh": "Chinese",
      "lang.en": "English",
    },
  );

  const FLOWS = ["survey"];
  const POP_KEY = "hotline.pop";

  // Everything the page knows, all of it as the server said it.
  const S = {
    me: null,
    acd: null, // {state, registered, calls_handled}, or null before the first answer
    acdMissing: null, // the server's 404 message when the agent is not in the ACD
    queues: ["general"],
    districts: [],
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
  };

  // ---- login and start ---------------------------------------------------------------------

  function showLogin(message) {
    forgetPop();
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
    restorePop();
    refreshMe();
    refreshTickets();
    refreshFollowups();
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
    renderTicket();
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
    if (c && S.customer.bills) loadAccount(c.id);
    refreshTickets();
  }

  function renderState() {
    const st = S.acd && S.acd.state;
    const badge = $("state-name");
    const name = st ? st.state : S.acdMissing ? "logged_out" : "unknown";
    badge.dataset.state = name;
    badge.textContent = st ? H.label("state", st.state) : S.acdMissing ? t("state.not_in_acd") : t("state.unknown");
    let detail = "";
    if (st && st.state === "not_ready" && st.reason) detail = t("state.detail.reason", { r: H.label("reason", st.reason) });
    else if (st && st.state === "wrap_up" && st.until) detail = t("state.detail.wrap", { s: H.duration(st.until - H.serverNow()) });
    else if (S.acdMissing) detail = S.acdMissing;
    $("state-detail").textContent = detail;
    $("state-time").textContent = st ? H.duration(H.serverNow() - st.since) : "—";
    const reg = S.acd && S.acd.registered;
    $("state-phone").textContent = reg === undefined || reg === null ? "" : reg ? t("state.phone.on") : t("state.phone.off");
    $("state-phone").dataset.on = reg ? "1" : "0";
    const wrap = !!st && st.state === "wrap_up";
    $("btn-end-wrap").hidden = !wrap;
    $("btn-ready").hidden = wrap;
    $("btn-ready").disabled = !!st && st.state === "ready";
    const out = !st || st.state === "logged_out";
    $("btn-acd-login").hidden = !out;
    $("btn-acd-logout").hidden = out;
    renderTicketFor();
  }

  async function changeState(state, reason) {
    say($("state-msg"), "");
    const body = reason ? { state, reason } : { state };
    try {
      const a = await api("PUT", "/api/acd/me/state", body);
      applyAgent(a);
    } catch (err) {
      say($("state-msg"), errorText(err), "error");
    }
  }

  function goReady() {
    changeState("ready");
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
    changeState("not_ready", reason);
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
    }
  }

  // ---- the screen pop ----------------------------------------------------------------------

  function screenPop(pop) {
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
      loadByAccount(pop.customer_account);
    } else {
      S.unknownCaller = pop.caller;
      S.customer = null;
      S.custSeq += 1;
      renderCustomer();
      $("search-by").value = "phone";
      $("search-q").value = pop.caller || "";
      if (pop.caller) search("phone", pop.caller);
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
          renderTicketFor();
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
        ivr.append(el("span", { class: "step", text: step }));
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
      el("optgroup", { attrs: { label: t("call.xfer.flows") } }, ...FLOWS.map((f) => el("option", { value: "flow:" + f, text: t("call.xfer.flow", { f }) }))),
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
      const view = await api("GET", "/api/customers/" + encodeURIComponent(id));
      if (seq !== S.custSeq) return;
      S.customer = view;
      S.unknownCaller = null;
      renderCustomer();
      prefillTicket();
      if ($("tl-mine").checked) refreshTickets();
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
    if (S.callRecord && callCurrent()) s += t("nt.for.call", { id: S.callRecord.id });
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
    if (v.repeat_contact) box.append(el("p", { class: "warn", text: t("cust.repeat") }));
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
            r.source,
            r.status === "queried"
              ? el("span", { class: "flag", text: "⚠ " + t("reading.queried.note", { r: r.reason || "" }) + (r.ticket_id ? " #" + r.ticket_id : "") })
              : H.label("reading", r.status),
          ]),
          (i) => (v.readings[i].status === "queried" ? "queried" : ""),
        ),
      );

    // Tickets
    right.append(el("h4", { text: t("tickets.title") }));
    if (!v.tickets.length) right.append(el("p", { class: "empty", text: t("tickets.none") }));
    else right.append(el("ul", { class: "tk-list" }, ...v.tickets.map((tk) => ticketRow(tk))));

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

    // Notices
    if (v.notices && v.notices.length) {
      right.append(el("h4", { text: t("notices.title") }));
      right.append(
        el(
          "ul",
          { class: "notices" },
          ...v.notices.map((n) => el("li", {}, el("strong", { text: n.title }), " ", el("span", { class: "hint", text: H.dateTime(n.starts_at) + (n.ends_at ? " – " + H.dateTime(n.ends_at) : "") }), el("p", { text: n.body }))),
        ),
      );
    }
    renderTicketFor();
  }

  // ---- tickets -----------------------------------------------------------------------------

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
        el("span", { class: "tk-row-summary", text: tk.summary }),
      ),
    );
  }

  async function refreshTickets() {
    const c = S.customer && S.customer.customer;
    const params = {
      status: $("tl-status").value,
      overdue: $("tl-overdue").checked ? "true" : "",
      customer: $("tl-mine").checked && c ? c.id : "",
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

  function renderTicketList() {
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
    const keep = sel.value;
    sel.replaceChildren(...S.districts.map((x) => el("option", { value: String(x.id), text: x.name + " · " + x.service_centre })));
    if (!d) return;
    const tk = d.ticket;
    $("tk-id").textContent = "#" + tk.id;
    $("tk-kind").textContent = H.label("kind", tk.kind);
    $("tk-status").textContent = H.label("status", tk.status);
    $("tk-status").className = "badge status-" + tk.status;
    $("tk-priority").textContent = H.label("priority", tk.priority);
    $("tk-priority").className = "badge priority-" + tk.priority;
    $("tk-summary").textContent = tk.summary;
    $("tk-address").textContent = tk.address || "—";
    $("tk-district").textContent = districtName(tk.district_id);
    $("tk-created").textContent = H.dateTime(tk.created_at);
    const due = [];
    if (tk.due_on_site_at !== null) due.push(t("tk.due.on_site", { at: H.dateTime(tk.due_on_site_at) }));
    if (tk.due_reply_at !== null) due.push(t("tk.due.reply", { at: H.dateTime(tk.due_reply_at) }));
    if (tk.due_follow_up_at !== null) due.push(t("tk.due.follow_up", { at: H.dateTime(tk.due_follow_up_at) }));
    $("tk-due").textContent = due.join(" · ") || "—";
    $("tk-calls").textContent = d.call_ids.length ? d.call_ids.map((c) => "#" + c).join(" ") : "—";
    const od = $("tk-overdue");
    od.hidden = !tk.overdue.length;
    od.textContent = tk.overdue.length ? t("tk.overdue", { what: tk.overdue.map((o) => H.label("overdue", o)).join("、") }) : "";
    const want = tk.district_id !== null ? String(tk.district_id) : keep;
    if (want) sel.value = want;
    $("tk-events").replaceChildren(
      ...d.events.map((e) =>
        el(
          "li",
          {},
          el("span", { class: "mono hint", text: H.dateTime(e.at) }),
          " ",
          el("span", { class: "ev-kind", text: H.label("tk.event", e.kind) }),
          e.to_status ? el("span", { text: " → " + H.label("status", e.to_status) }) : null,
          e.note ? el("span", { class: "ev-note", text: " · " + e.note }) : null,
        ),
      ),
    );
  }

  /** The account view again, when `ticket` is the shown customer's (its ticket list changed). */
  function reloadCustomerOf(ticket) {
    const c = S.customer && S.customer.customer;
    if (c && ticket && ticket.customer_id === c.id && S.customer.bills) loadAccount(c.id);
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
      if (S.callRecord && callCurrent()) {
        try {
          await api("POST", "/api/calls/" + S.callRecord.id + "/tickets", { ticket_id: tk.id });
          text += t("nt.linked", { call: S.callRecord.id });
        } catch (err) {
          text += t("nt.notlinked", { why: errorText(err) });
          kind = "error";
        }
      } else if (callCurrent()) {
        text += t("nt.notlinked", { why: t("nt.nocall") });
      }
      say($("nt-msg"), text, kind);
      $("nt-summary").value = "";
      await selectTicket(tk.id);
      refreshTickets();
      if (c) loadAccount(c.id);
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
      const body = { action: "dispatch", version: tk.version };
      if (district) body.district_id = district;
      const after = await api("POST", "/api/tickets/" + tk.id + "/transitions", body);
      say($("tk-msg"), t("tk.dispatched", { id: after.id, d: districtName(after.district_id) }), "ok");
      await selectTicket(tk.id, true);
      refreshTickets();
      reloadCustomerOf(after);
    } catch (err) {
      say($("tk-msg"), errorText(err), "error");
    }
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

  // ---- wiring ------------------------------------------------------------------------------

  function tick() {
    const st = S.acd && S.acd.state;
    if (st) {
      $("state-time").textContent = H.duration(H.serverNow() - st.since);
      if (st.state === "wrap_up" && st.until) $("state-detail").textContent = t("state.detail.wrap", { s: H.duration(st.until - H.serverNow()) });
    }
    if (S.pop) $("call-status").textContent = callStatus();
  }

  function renderAll() {
    renderWho();
    renderState();
    renderCall();
    renderXferTargets();
    renderCustomer();
    renderTicket();
    renderTicketList();
    renderFollowups();
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
    $("my-keys").addEventListener("click", myKeyAccounts);
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      search($("search-by").value, $("search-q").value.trim());
    });
    $("nt-form").addEventListener("submit", openTicket);
    $("tk-dispatch").addEventListener("click", dispatch);
    $("tk-add-note").addEventListener("click", addNote);
    $("tk-link").addEventListener("click", linkCurrentCall);
    $("tl-refresh").addEventListener("click", refreshTickets);
    ["tl-status", "tl-overdue", "tl-mine"].forEach((id) => $(id).addEventListener("change", refreshTickets));
    $("fu-refresh").addEventListener("click", refreshFollowups);
    document.addEventListener("keydown", onKey);

    const token = H.session.token();
    if (!token) {
      showLogin("");
      return;
    }
    api("GET", "/api/me")
      .then((agent) => {
        H.session.set(token, agent);
        start(agent);
      })
      .catch(() => showLogin(""));
  }

  init();
})();
