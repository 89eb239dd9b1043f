"use strict";
// The supervisors' outbound campaigns page (/wall/campaigns, issue 21): the campaigns with
// their progress (refreshed every few seconds, filtered by status), one campaign opened (its
// status and the reason, the moves its status allows, a CSV list upload with the refused
// rows, the settings as applied, its targets page by page, its results and their CSV), a form
// making a campaign (settings left blank take the defaults; a list rule or none; a call
// campaign or an SMS one, its templates per language), and the do-not-call list. A refusal
// naming a field marks that input and says why beside it.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  const STATUSES = ["draft", "running", "paused", "stopped", "done"];
  const KINDS = ["dunning", "notice", "followup", "custom"];
  const MODES = ["ivr", "progressive", "preview"];
  const CHANNELS = ["call", "sms"];
  // The placeholders an SMS template may use, by the lists that give them (`PLACEHOLDERS` in
  // crates/hotline-campaign/src/sms.rs; an unknown one is refused when the campaign is made).
  const PLACEHOLDERS = {
    any: ["account", "name", "tier", "district"],
    arrears: ["amount_due", "amount_due_fen", "principal_fen", "late_fee_fen", "months"],
    notice: ["notice", "notice_text", "notice_starts", "notice_ends", "notice_id"],
    followups: ["ticket", "ticket_id", "ticket_kind", "closed", "followup_id"],
  };
  const SMS_LANGUAGES = ["zh", "en"];
  const MAX_RECEIPT_WAIT_SECS = 259200;
  const FLOWS = { dunning: "dunning", notice: "notice", followup: "followup", custom: "" };
  const RULES = ["", "arrears", "notice", "followups", "key_accounts"];
  const TARGET_STATES = ["", "pending", "due", "in_progress", "done", "given_up", "skipped"];
  // Which moves each status allows (as the API takes them).
  const MOVES = {
    draft: ["start", "stop"],
    running: ["pause", "stop"],
    paused: ["resume", "stop"],
    stopped: [],
    done: [],
  };
  const PAGE = 50;
  const RESULTS_SHOWN = 100;
  const REFRESH_MS = 3000;

  H.addStrings(
    {
      "c.title": "外呼活动",
      "c.wall": "监控墙",
      "c.list": "活动列表",
      "c.filter": "状态",
      "c.all": "全部",
      "c.name": "名称",
      "c.status": "状态",
      "c.kind": "类型",
      "c.mode": "方式",
      "c.created": "创建",
      "c.targets": "名单",
      "c.dialled": "已拨",
      "c.reached": "接通",
      "c.promises": "承诺缴费",
      "c.optouts": "拒绝再呼",
      "c.remaining": "剩余",
      "c.none": "没有活动",
      "c.open": "打开 {name}",
      "c.close": "关闭",
      "c.start": "开始",
      "c.pause": "暂停",
      "c.resume": "继续",
      "c.stop": "停止",
      "c.why": "原因（暂停或停止）",
      "c.moved.start": "已开始：{name}",
      "c.moved.pause": "已暂停：{name}",
      "c.moved.resume": "已继续：{name}",
      "c.moved.stop": "已停止：{name}",
      "c.upload": "上传名单（CSV：户号,电话,…）",
      "c.uploaded": "新增 {added} 户，已有 {already} 户，未导入 {refused} 行",
      "c.refused": "未导入的行",
      "c.row": "行",
      "c.account": "户号",
      "c.why_refused": "原因",
      "c.settings": "生效的设置",
      "c.target_list": "名单",
      "c.state": "状态",
      "c.customer": "客户",
      "c.number": "电话",
      "c.attempts": "拨打次数",
      "c.last": "最近结果",
      "c.first": "第一页",
      "c.next": "下一页",
      "c.no_targets": "没有名单",
      "c.results": "拨打结果",
      "c.results_some": "拨打结果（最近 {n} 条，共 {all} 条）",
      "c.no_results": "还没有拨打",
      "c.csv": "下载 CSV",
      "c.dialled_at": "拨打时间",
      "c.attempt": "第几次",
      "c.result": "结果",
      "c.talk": "通话",
      "c.keys": "按键",
      "c.promise": "承诺",
      "c.note": "备注",
      "c.new": "新建活动",
      "c.queue": "队列（预测式、预览式必填）",
      "c.flow": "语音流程",
      "c.defaults": "以下设置留空即用默认值。",
      "c.window": "呼叫时段（如 09:00-12:00, 14:00-20:00）",
      "c.weekdays": "星期（不选即每天）",
      "c.skip_holidays": "节假日不呼",
      "c.default": "默认",
      "c.no_limit": "不限",
      "c.max_per_day": "每户每天最多",
      "c.attempts_per_sec": "每秒拨打",
      "c.max_lines": "线路数",
      "c.caller_id": "主叫号码",
      "c.rule": "名单来源",
      "c.min_yuan": "欠费至少（元）",
      "c.min_months": "欠费至少（月）",
      "c.districts": "区域代码（逗号分隔，可空）",
      "c.tiers": "客户等级（逗号分隔，可空）",
      "c.notice_id": "公告编号",
      "c.fkinds": "工单类型（逗号分隔，可空）",
      "c.manager_id": "客户经理编号",
      "c.channel": "渠道",
      "c.sms_zh": "中文模板",
      "c.sms_en": "英文模板",
      "c.receipt_wait": "等待回执（秒，0–259200，默认 3600）",
      "c.ph": "模板中可用的占位符（花括号本身写作 {{ 和 }}）：",
      "c.ph.any": "所有名单",
      "c.ph.arrears": "欠费名单",
      "c.ph.notice": "公告名单",
      "c.ph.followups": "回访名单",
      "c.sms_need_one": "至少填写一个模板（中文或英文）",
      "c.receipt_range": "0 到 259200 之间的整数（秒）",
      "c.sms_sent": "已发送",
      "c.sms_delivered": "已送达",
      "c.sms_failed": "发送失败",
      "c.create": "新建",
      "c.created_msg": "已新建：{name}（名单 {n} 户）",
      "c.field": "{field}：{message}",
      "c.not_number": "不是数字",
      "c.dnc": "免打扰名单",
      "c.dnc_add": "加入",
      "c.dnc_added": "已加入免打扰名单",
      "c.dnc_already": "已在免打扰名单中",
      "c.dnc_removed": "已移出免打扰名单",
      "c.dnc_remove": "移出 {what}",
      "c.dnc_none": "免打扰名单为空",
      "c.source": "来源",
      "c.added": "加入时间",
      "c.actions": "操作",
      "c.role": "只有班长和管理员可以管理外呼活动",
      "c.yes": "是",
      "c.no": "否",
      "c.s.window": "呼叫时段",
      "c.s.weekdays": "星期",
      "c.s.skip_holidays": "节假日不呼",
      "c.s.retry": "重拨",
      "c.s.max_per_day": "每户每天最多",
      "c.s.attempts_per_sec": "每秒拨打",
      "c.s.max_lines": "线路数",
      "c.s.over_dial": "超拨系数",
      "c.s.abandoned_limit_percent": "放弃率上限 %",
      "c.s.caller_id": "主叫号码",
      "c.s.queue": "队列",
      "c.s.flow": "语音流程",
      "c.s.source": "名单来源",
      "c.s.template_zh": "中文模板",
      "c.s.template_en": "英文模板",
      "c.s.receipt_wait_secs": "等待回执（秒）",
      "cchannel.call": "电话",
      "cchannel.sms": "短信",
      "cstatus.draft": "草稿",
      "cstatus.running": "进行中",
      "cstatus.paused": "已暂停",
      "cstatus.stopped": "已停止",
      "cstatus.done": "已完成",
      "ckind.dunning": "催缴",
      "ckind.notice": "停水通知",
      "ckind.followup": "回访",
      "ckind.custom": "自定义",
      "cmode.ivr": "语音自动",
      "cmode.progressive": "预测式",
      "cmode.preview": "预览式",
      "crule.": "无（上传 CSV）",
      "crule.arrears": "欠费",
      "crule.notice": "公告区域",
      "crule.followups": "工单回访",
      "crule.key_accounts": "重点客户",
      "crule.upload": "上传 CSV",
      "tstate.": "全部",
      "tstate.pending": "待拨",
      "tstate.due": "待重拨",
      "tstate.in_progress": "拨打中",
      "tstate.done": "完成",
      "tstate.given_up": "放弃",
      "tstate.skipped": "跳过",
      "cresult.answered": "接通",
      "cresult.busy": "忙",
      "cresult.no_answer": "无人接听",
      "cresult.failed": "失败",
      "cresult.rejected": "拒接",
      "cresult.opted_out": "拒绝再呼",
      "cresult.abandoned": "放弃",
      "dncsrc.keypad": "按键",
      "dncsrc.agent": "坐席",
      "dncsrc.api": "班长",
      "dncsrc.import": "导入",
      "dncsrc.sms": "短信退订",
      "c.sent_at": "发送时间",
      "c.number_col": "号码",
      "c.parts": "分段",
      "c.smsc_ids": "短信中心编号",
      "c.text_error": "内容或原因",
      "mstatus.sending": "发送中",
      "mstatus.submitted": "已提交",
      "mstatus.delivered": "已送达",
      "mstatus.rejected": "被拒绝",
      "mstatus.failed": "失败（将重发）",
      "mstatus.unknown": "未知（不再发送）",
      "mstatus.expired": "已过期",
      "mstatus.undeliverable": "无法送达",
      "mstatus.deleted": "已删除",
      "wd.1": "一",
      "wd.2": "二",
      "wd.3": "三",
      "wd.4": "四",
      "wd.5": "五",
      "wd.6": "六",
      "wd.7": "日",
    },
    {
      "c.title": "Outbound campaigns",
      "c.wall": "Wallboard",
      "c.list": "Campaigns",
      "c.filter": "Status",
      "c.all": "All",
      "c.name": "Name",
      "c.status": "Status",
      "c.kind": "Kind",
      "c.mode": "Mode",
      "c.created": "Created",
      "c.targets": "Targets",
      "c.dialled": "Dialled",
      "c.reached": "Reached",
      "c.promises": "Promises",
      "c.optouts": "Opt-outs",
      "c.remaining": "Remaining",
      "c.none": "No campaigns",
      "c.open": "Open {name}",
      "c.close": "Close",
      "c.start": "Start",
      "c.pause": "Pause",
      "c.resume": "Resume",
      "c.stop": "Stop",
      "c.why": "Reason (pause or stop)",
      "c.moved.start": "Started: {name}",
      "c.moved.pause": "Paused: {name}",
      "c.moved.resume": "Resumed: {name}",
      "c.moved.stop": "Stopped: {name}",
      "c.upload": "Upload a list (CSV: account,number,…)",
      "c.uploaded": "{added} added, {already} already, {refused} refused",
      "c.refused": "Refused rows",
      "c.row": "Row",
      "c.account": "Account",
      "c.why_refused": "Reason",
      "c.settings": "Settings as applied",
      "c.target_list": "Targets",
      "c.state": "State",
      "c.customer": "Customer",
      "c.number": "Number",
      "c.attempts": "Attempts",
      "c.last": "Last result",
      "c.first": "First page",
      "c.next": "Next page",
      "c.no_targets": "No targets",
      "c.results": "Results",
      "c.results_some": "Results (latest {n} of {all})",
      "c.no_results": "Nothing dialled yet",
      "c.csv": "Download CSV",
      "c.dialled_at": "Dialled",
      "c.attempt": "Attempt",
      "c.result": "Result",
      "c.talk": "Talk",
      "c.keys": "Keys",
      "c.promise": "Promise",
      "c.note": "Note",
      "c.new": "New campaign",
      "c.queue": "Queue (progressive and preview need one)",
      "c.flow": "Flow",
      "c.defaults": "Settings left blank take their defaults.",
      "c.window": "Calling window (e.g. 09:00-12:00, 14:00-20:00)",
      "c.weekdays": "Weekdays (none: every day)",
      "c.skip_holidays": "Skip public holidays",
      "c.default": "default",
      "c.no_limit": "no limit",
      "c.max_per_day": "Max calls per customer a day",
      "c.attempts_per_sec": "Attempts per second",
      "c.max_lines": "Lines",
      "c.caller_id": "Caller id",
      "c.rule": "List",
      "c.min_yuan": "Owing at least (yuan)",
      "c.min_months": "Over at least (months)",
      "c.districts": "District codes (comma-separated, optional)",
      "c.tiers": "Tiers (comma-separated, optional)",
      "c.notice_id": "Notice id",
      "c.fkinds": "Ticket kinds (comma-separated, optional)",
      "c.manager_id": "Key-account manager id",
      "c.channel": "Channel",
      "c.sms_zh": "Chinese template",
      "c.sms_en": "English template",
      "c.receipt_wait": "Wait for receipts (seconds, 0–259200, default 3600)",
      "c.ph": "Placeholders a template may use (write {{ and }} for braces):",
      "c.ph.any": "every list",
      "c.ph.arrears": "arrears lists",
      "c.ph.notice": "notice lists",
      "c.ph.followups": "follow-up lists",
      "c.sms_need_one": "at least one template (Chinese or English)",
      "c.receipt_range": "a whole number of seconds, 0 to 259200",
      "c.sms_sent": "Sent",
      "c.sms_delivered": "Delivered",
      "c.sms_failed": "Failed",
      "c.create": "Create",
      "c.created_msg": "Created: {name} ({n} targets)",
      "c.field": "{field}: {message}",
      "c.not_number": "not a number",
      "c.dnc": "Do-not-call list",
      "c.dnc_add": "Add",
      "c.dnc_added": "Added to the do-not-call list",
      "c.dnc_already": "Already on the do-not-call list",
      "c.dnc_removed": "Removed from the do-not-call list",
      "c.dnc_remove": "Remove {what}",
      "c.dnc_none": "The do-not-call list is empty",
      "c.source": "Source",
      "c.added": "Added",
      "c.actions": "Actions",
      "c.role": "Only supervisors and admins manage campaigns",
      "c.yes": "yes",
      "c.no": "no",
      "c.s.window": "Calling window",
      "c.s.weekdays": "Weekdays",
      "c.s.skip_holidays": "Skip holidays",
      "c.s.retry": "Retries",
      "c.s.max_per_day": "Max per customer a day",
      "c.s.attempts_per_sec": "Attempts per second",
      "c.s.max_lines": "Lines",
      "c.s.over_dial": "Over-dial",
      "c.s.abandoned_limit_percent": "Abandoned limit %",
      "c.s.caller_id": "Caller id",
      "c.s.queue": "Queue",
      "c.s.flow": "Flow",
      "c.s.source": "List",
      "c.s.template_zh": "Chinese template",
      "c.s.template_en": "English template",
      "c.s.receipt_wait_secs": "Wait for receipts (s)",
      "cchannel.call": "Call",
      "cchannel.sms": "SMS",
      "cstatus.draft": "draft",
      "cstatus.running": "running",
      "cstatus.paused": "paused",
      "cstatus.stopped": "stopped",
      "cstatus.done": "done",
      "ckind.dunning": "Dunning",
      "ckind.notice": "Outage notice",
      "ckind.followup": "Follow-up",
      "ckind.custom": "Custom",
      "cmode.ivr": "IVR only",
      "cmode.progressive": "Progressive",
      "cmode.preview": "Preview",
      "crule.": "None (upload a CSV)",
      "crule.arrears": "Arrears",
      "crule.notice": "A notice's districts",
      "crule.followups": "Ticket follow-ups",
      "crule.key_accounts": "Key accounts",
      "crule.upload": "CSV upload",
      "tstate.": "All",
      "tstate.pending": "pending",
      "tstate.due": "due again",
      "tstate.in_progress": "in progress",
      "tstate.done": "done",
      "tstate.given_up": "given up",
      "tstate.skipped": "skipped",
      "cresult.answered": "answered",
      "cresult.busy": "busy",
      "cresult.no_answer": "no answer",
      "cresult.failed": "failed",
      "cresult.rejected": "rejected",
      "cresult.opted_out": "opted out",
      "cresult.abandoned": "abandoned",
      "dncsrc.keypad": "keypad",
      "dncsrc.agent": "agent",
      "dncsrc.api": "supervisor",
      "dncsrc.import": "import",
      "dncsrc.sms": "SMS reply",
      "c.sent_at": "Sent",
      "c.number_col": "Number",
      "c.parts": "Parts",
      "c.smsc_ids": "SMSC ids",
      "c.text_error": "Text or reason",
      "mstatus.sending": "sending",
      "mstatus.submitted": "submitted",
      "mstatus.delivered": "delivered",
      "mstatus.rejected": "rejected",
      "mstatus.failed": "failed (sent again)",
      "mstatus.unknown": "unknown (never sent again)",
      "mstatus.expired": "expired",
      "mstatus.undeliverable": "undeliverable",
      "mstatus.deleted": "deleted",
      "wd.1": "Mon",
      "wd.2": "Tue",
      "wd.3": "Wed",
      "wd.4": "Thu",
      "wd.5": "Fri",
      "wd.6": "Sat",
      "wd.7": "Sun",
    },
  );

  const C = {
    list: [],
    open: null, // the campaign shown
    afters: [], // the `after` of each targets page seen (the first is null)
    dialled: "", // the open campaign's progress when its results were last read
    timer: null,
  };

  const label = (prefix, code) => H.label(prefix, code) || "—";
  const num = (v) => (v === null || v === undefined ? "—" : String(v));
  /** Whether campaign `c` sends texts (its settings' channel; a call campaign has none). */
  const isSms = (c) => !!(c && c.settings && c.settings.channel === "sms");

  async function start(agent) {
    renderSelects();
    if (agent.role !== "supervisor" && agent.role !== "admin") {
      // Campaigns are the supervisors' (the API would refuse every call).
      say($("c-msg"), t("c.role"), "info");
      for (const card of $("campaigns").querySelectorAll("section")) card.hidden = true;
      return;
    }
    for (const card of $("campaigns").querySelectorAll("section:not(#d-card)")) card.hidden = false;
    await Promise.all([load(), loadDnc()]);
    clearInterval(C.timer);
    C.timer = setInterval(refresh, REFRESH_MS);
  }

  function stop() {
    clearInterval(C.timer);
    C.timer = null;
  }

  async function refresh() {
    await load();
    if (C.open) await openCampaign(C.open.id, { quiet: true });
  }

  // ---- the list ------------------------------------------------------------------------------

  async function load() {
    try {
      C.list = await api("GET", "/api/campaigns" + query({ status: $("c-status").value }));
      say($("c-msg"), "");
      renderList();
    } catch (err) {
      say($("c-msg"), errorText(err), "error");
    }
  }

  function renderList() {
    const rows = $("c-rows");
    if (!C.list.length) {
      rows.replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("c.none"), attrs: { colspan: 11 } })));
      return;
    }
    rows.replaceChildren(
      ...C.list.map((c) => {
        const p = c.progress || {};
        const open = el("button", {
          type: "button",
          class: "quiet small",
          text: c.name,
          attrs: { "aria-label": t("c.open", { name: c.name }) },
          on: { click: () => openCampaign(c.id) },
        });
        return el(
          "tr",
          { data: { campaign: c.id, status: c.status } },
          el("td", {}, open),
          el("td", {}, el("span", { class: "badge", text: label("cstatus", c.status) })),
          el("td", { text: label("ckind", c.kind) }),
          el("td", { text: isSms(c) ? label("cchannel", "sms") : label("cmode", c.mode) }),
          el("td", { class: "mono", text: H.dateTime(c.created_at) }),
          el("td", { class: "mono", text: num(p.targets) }),
          el("td", { class: "mono", text: num(p.dialled) }),
          el("td", { class: "mono", text: num(p.reached) }),
          el("td", { class: "mono", text: num(p.promises) + " · " + H.money(p.promised_fen) }),
          el("td", { class: "mono", text: num(p.opted_out) }),
          el("td", { class: "mono", text: num(p.remaining) }),
        );
      }),
    );
  }

  // ---- one campaign --------------------------------------------------------------------------

  async function openCampaign(id, opts) {
    const quiet = opts && opts.quiet;
    const fresh = !C.open || C.open.id !== id;
    try {
      const c = await api("GET", "/api/campaigns/" + encodeURIComponent(id));
      if (fresh) {
        C.afters = [null];
        C.dialled = "";
        $("d-tstate").value = "";
        $("d-why").value = "";
        say($("d-msg"), "");
        say($("d-upload-msg"), "");
        $("d-refused").hidden = true;
      }
      // Moved elsewhere (the engine paused it): an earlier "done" message no longer holds.
      if (!fresh && C.open.status !== c.status && $("d-msg").dataset.kind === "ok") say($("d-msg"), "");
      C.open = c;
      $("d-card").hidden = false;
      renderCampaign();
      await loadTargets();
      if (JSON.stringify(c.progress) !== C.dialled) await loadResults();
      if (fresh && !quiet) $("d-name").scrollIntoView({ block: "start" });
    } catch (err) {
      say($("d-msg"), errorText(err), "error");
    }
  }

  function renderCampaign() {
    const c = C.open;
    if (!c) return;
    $("d-name").textContent = c.name;
    $("d-card").dataset.status = c.status;
    $("d-status").textContent = label("cstatus", c.status);
    const channel = isSms(c) ? "sms" : "call";
    $("d-card").dataset.channel = channel;
    $("d-channel").textContent = label("cchannel", channel);
    renderProgress(c);
    const reason = $("d-reason");
    reason.textContent = c.status_reason || "";
    reason.hidden = !c.status_reason;
    const allowed = MOVES[c.status] || [];
    for (const b of $("d-moves").querySelectorAll("button[data-move]")) b.hidden = !allowed.includes(b.dataset.move);
    const canWhy = allowed.includes("pause") || allowed.includes("stop");
    $("d-why").hidden = !canWhy;
    $("d-moves").querySelector('label[for="d-why"]').hidden = !canWhy;
    $("d-file").disabled = c.status !== "draft";
    renderSettings(c);
  }

  /** The campaign's figures: a call campaign's calls, an SMS campaign's texts. */
  function renderProgress(c) {
    const p = c.progress || {};
    const figures = isSms(c)
      ? [["c.targets", "targets"], ["c.sms_sent", "sms_sent"], ["c.sms_delivered", "sms_delivered"], ["c.sms_failed", "sms_failed"], ["c.remaining", "remaining"]]
      : [["c.targets", "targets"], ["c.dialled", "dialled"], ["c.reached", "reached"], ["c.optouts", "opted_out"], ["c.remaining", "remaining"]];
    $("d-progress").replaceChildren(...figures.flatMap(([k, f]) => [el("dt", { text: t(k) }), el("dd", { class: "mono", text: num(p[f]), data: { figure: f } })]));
  }

  /** The settings as the server applies them (every default written out). */
  function renderSettings(c) {
    const s = c.settings || {};
    const sms = s.sms || {};
    const templates = sms.templates || {};
    // An SMS campaign runs no flow and has no queue: its templates and receipt wait instead.
    const channelItems = isSms(c)
      ? [
          ...SMS_LANGUAGES.filter((l) => templates[l]).map((l) => ["c.s.template_" + l, templates[l]]),
          ["c.s.receipt_wait_secs", num(sms.receipt_wait_secs)],
        ]
      : [
          ["c.s.flow", c.flow],
          ["c.s.queue", c.queue || "—"],
        ];
    const items = [
      ...channelItems,
      ["c.s.source", c.source && c.source.rule ? label("crule", c.source.rule) + sourceDetail(c.source) : "—"],
      ["c.s.window", (s.window || []).join(", ")],
      ["c.s.weekdays", (s.weekdays || []).map((d) => t("wd." + d)).join(" ")],
      ["c.s.skip_holidays", s.skip_holidays === undefined ? "—" : t(s.skip_holidays ? "c.yes" : "c.no")],
      ["c.s.retry", retryText(s.retry)],
      ["c.s.max_per_day", s.max_per_day === undefined || s.max_per_day === null ? "—" : s.max_per_day === 0 ? t("c.no_limit") : String(s.max_per_day)],
      ["c.s.attempts_per_sec", num(s.attempts_per_sec)],
      ["c.s.max_lines", num(s.max_lines)],
      ["c.s.over_dial", num(s.over_dial)],
      ["c.s.abandoned_limit_percent", num(s.abandoned_limit_percent)],
      ["c.s.caller_id", s.caller_id || "—"],
    ];
    $("d-settings").replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: t(k) }), el("dd", { text: v, data: { setting: k.slice(4) } })]));
  }

  function sourceDetail(src) {
    const parts = Object.entries(src)
      .filter(([k, v]) => k !== "rule" && v !== null && !(Array.isArray(v) && !v.length))
      .map(([k, v]) => k + "=" + (Array.isArray(v) ? v.join("/") : String(v)));
    return parts.length ? "（" + parts.join("，") + "）" : "";
  }

  function retryText(r) {
    if (!r || typeof r !== "object") return "—";
    return Object.entries(r)
      .filter(([, v]) => v)
      .map(([k, v]) => `${label("cresult", k)} ${v.attempts}×/${v.interval_min} min`)
      .join("，");
  }

  async function move(verb) {
    const c = C.open;
    if (!c) return;
    const body = {};
    const why = $("d-why").value.trim();
    if ((verb === "pause" || verb === "stop") && why) body.reason = why;
    try {
      C.open = await api("POST", `/api/campaigns/${encodeURIComponent(c.id)}/${verb}`, body);
      say($("d-msg"), t("c.moved." + verb, { name: c.name }), "ok");
      $("d-why").value = "";
    } catch (err) {
      say($("d-msg"), errorText(err), "error");
    }
    renderCampaign();
    await load();
  }

  async function upload(ev) {
    const input = ev.target;
    const file = input.files && input.files[0];
    const c = C.open;
    if (!file || !c) return;
    say($("d-upload-msg"), "");
    $("d-refused").hidden = true;
    try {
      const r = await api("POST", `/api/campaigns/${encodeURIComponent(c.id)}/targets`, new Blob([file], { type: "text/csv" }));
      const refused = r.refused || [];
      say($("d-upload-msg"), t("c.uploaded", { added: r.added, already: r.already, refused: refused.length }), refused.length ? "info" : "ok");
      $("d-refused-rows").replaceChildren(
        ...refused.map((x) => el("tr", { data: { row: x.row } }, el("td", { class: "mono", text: x.row }), el("td", { text: x.account }), el("td", { text: x.reason }))),
      );
      $("d-refused").hidden = !refused.length;
    } catch (err) {
      say($("d-upload-msg"), err instanceof H.ApiError && err.field ? t("c.field", { field: err.field, message: err.message }) : errorText(err), "error");
    }
    input.value = "";
    await openCampaign(c.id, { quiet: true });
    await load();
  }

  // ---- targets and results -------------------------------------------------------------------

  async function loadTargets() {
    const c = C.open;
    if (!c) return;
    const after = C.afters[C.afters.length - 1];
    try {
      const rows = await api("GET", `/api/campaigns/${encodeURIComponent(c.id)}/targets` + query({ state: $("d-tstate").value, after, limit: PAGE }));
      renderTargets(rows);
    } catch (err) {
      say($("d-msg"), errorText(err), "error");
    }
  }

  function renderTargets(rows) {
    C.lastTargets = rows;
    $("d-tfirst").disabled = C.afters.length <= 1;
    $("d-tnext").disabled = rows.length < PAGE;
    if (!rows.length) {
      $("d-trows").replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("c.no_targets"), attrs: { colspan: 6 } })));
      return;
    }
    $("d-trows").replaceChildren(
      ...rows.map((x) =>
        el(
          "tr",
          { data: { target: x.id, state: x.state } },
          el("td", { class: "mono", text: x.account }),
          el("td", { text: x.customer_name || "—" }),
          el("td", { class: "mono", text: x.number }),
          el("td", { text: label("tstate", x.state) + (x.skipped ? "（" + x.skipped + "）" : "") }),
          el("td", { class: "mono", text: num(x.attempts) }),
          el("td", { text: x.last_result ? label("cresult", x.last_result) : "—" }),
        ),
      ),
    );
  }

  function nextPage() {
    const rows = C.lastTargets || [];
    if (!rows.length) return;
    C.afters.push(rows[rows.length - 1].id);
    loadTargets();
  }

  function firstPage() {
    C.afters = [null];
    loadTargets();
  }

  async function loadResults() {
    const c = C.open;
    if (!c) return;
    try {
      const all = await api("GET", `/api/campaigns/${encodeURIComponent(c.id)}/results?format=json`);
      C.dialled = JSON.stringify(c.progress);
      renderResults(Array.isArray(all) ? all : []);
    } catch (err) {
      say($("d-msg"), errorText(err), "error");
    }
  }

  /** The results table's columns: a call campaign's attempts, or an SMS campaign's texts. */
  const CALL_HEADS = ["c.dialled_at", "c.account", "c.attempt", "c.result", "c.talk", "c.keys", "c.promise", "c.note"];
  const SMS_HEADS = ["c.sent_at", "c.account", "c.attempt", "c.result", "c.number_col", "c.parts", "c.smsc_ids", "c.text_error"];

  function renderResults(all) {
    C.lastResults = all;
    const heads = isSms(C.open) ? SMS_HEADS : CALL_HEADS;
    $("d-results")
      .querySelectorAll("thead th")
      .forEach((th, i) => {
        th.dataset.i18n = heads[i];
        th.textContent = t(heads[i]);
      });
    const shown = all.slice(-RESULTS_SHOWN).reverse();
    if (!shown.length) {
      $("d-rrows").replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("c.no_results"), attrs: { colspan: 8 } })));
      return;
    }
    $("d-rrows").replaceChildren(
      ...shown.map((a) =>
        // An SMS campaign's results are its texts: when, to whom, status, parts, text or error.
        a.text !== undefined
          ? el(
              "tr",
              { data: { message: a.id, result: a.status || "" } },
              el("td", { class: "mono", text: H.dateTime(a.created_at) }),
              el("td", { class: "mono", text: a.account }),
              el("td", { class: "mono", text: num(a.attempt) }),
              el("td", { text: a.status ? H.label("mstatus", a.status) || a.status : "…" }),
              el("td", { class: "mono", text: a.number || "—" }),
              el("td", { class: "mono", text: a.parts ? num(a.parts) : "" }),
              el("td", { text: a.smsc_ids || "" }),
              el("td", { text: a.error || a.text }),
            )
          : el(
          "tr",
          { data: { attempt: a.id, result: a.result || "" } },
          el("td", { class: "mono", text: H.dateTime(a.dialled_at) }),
          el("td", { class: "mono", text: a.account }),
          el("td", { class: "mono", text: num(a.attempt) }),
          el("td", { text: a.result ? label("cresult", a.result) : "…" }),
          el("td", { class: "mono", text: a.talk_ms === null || a.talk_ms === undefined ? "—" : H.duration(a.talk_ms) }),
          el("td", { class: "mono", text: a.keys || "" }),
          el("td", { text: a.promise_fen === null || a.promise_fen === undefined ? "" : H.money(a.promise_fen) + (a.promise_by ? " · " + a.promise_by : "") }),
          el("td", { text: a.note || "" }),
        ),
      ),
    );
  }

  /** The results as CSV: fetched with the token, saved from a Blob (as the reports page does). */
  async function downloadCsv() {
    const c = C.open;
    if (!c) return;
    const res = await fetch(`/api/campaigns/${encodeURIComponent(c.id)}/results?format=csv`, {
      headers: { Authorization: "Bearer " + H.session.token() },
      cache: "no-store",
    }).catch(() => null);
    if (!res || !res.ok) {
      let err = new H.ApiError(res ? res.status : 0, "http", res ? res.statusText : t("err.network"));
      try {
        const body = res && (await res.json());
        if (body && body.error) err = new H.ApiError(body.error.status, body.error.code, body.error.message, body.error.field);
      } catch (_) {
        /* keep the status */
      }
      say($("d-msg"), errorText(err), "error");
      return;
    }
    const blob = await res.blob();
    const link = el("a", { attrs: { href: URL.createObjectURL(blob), download: `campaign-${c.id}-results.csv` } });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // ---- the new campaign form -----------------------------------------------------------------

  function options(select, codes, prefix) {
    const v = select.value;
    select.replaceChildren(...codes.map((x) => el("option", { text: t(prefix + "." + x), attrs: { value: x } })));
    select.value = codes.includes(v) ? v : codes[0];
  }

  function renderSelects() {
    const status = $("c-status");
    const sv = status.value;
    status.replaceChildren(el("option", { text: t("c.all"), attrs: { value: "" } }), ...STATUSES.map((x) => el("option", { text: t("cstatus." + x), attrs: { value: x } })));
    status.value = sv;
    options($("f-kind"), KINDS, "ckind");
    options($("f-mode"), MODES, "cmode");
    options($("f-channel"), CHANNELS, "cchannel");
    options($("f-rule"), RULES, "crule");
    options($("d-tstate"), TARGET_STATES, "tstate");
    const hol = $("f-holidays");
    const hv = hol.value;
    hol.replaceChildren(
      el("option", { text: t("c.default"), attrs: { value: "" } }),
      el("option", { text: t("c.yes"), attrs: { value: "true" } }),
      el("option", { text: t("c.no"), attrs: { value: "false" } }),
    );
    hol.value = hv;
    const box = $("f-weekdays");
    const checked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    box.replaceChildren(
      el("legend", { text: t("c.weekdays") }),
      ...[1, 2, 3, 4, 5, 6, 7].map((d) =>
        el("label", { class: "check" }, el("input", { type: "checkbox", attrs: { name: "settings.weekdays", value: d, checked: checked.has(String(d)) ? "" : null } }), " " + t("wd." + d)),
      ),
    );
    if (!$("f-flow").value) $("f-flow").value = FLOWS[$("f-kind").value] || "";
    renderPlaceholders();
    showRule();
    showChannel();
  }

  /** The placeholders hint under the templates, grouped by the lists that give them. */
  function renderPlaceholders() {
    const groups = Object.entries(PLACEHOLDERS).map(([g, names]) =>
      el("span", { class: "ph-group", data: { lists: g } }, t("c.ph." + g) + "：", ...names.flatMap((n) => [" ", el("code", { text: "{" + n + "}" })])),
    );
    $("f-sms-hint").replaceChildren(t("c.ph"), ...groups.flatMap((g) => [" ", g]));
  }

  /** A call campaign needs its mode, queue and flow; an SMS one (mode ivr) its templates. */
  function showChannel() {
    const channel = $("f-channel").value || "call";
    for (const e of $("c-form").querySelectorAll("[data-channel]")) {
      const on = e.dataset.channel === channel;
      e.hidden = !on;
      if (e.matches("input, select, textarea")) e.disabled = !on;
    }
  }

  /** A new kind sets the flow to its default, unless the flow was typed by hand. */
  function kindChanged(ev) {
    const flow = $("f-flow");
    const defaults = Object.values(FLOWS);
    if (!flow.value || defaults.includes(flow.value)) flow.value = FLOWS[ev.target.value] || "";
  }

  function showRule() {
    const rule = $("f-rule").value;
    for (const box of $("c-form").querySelectorAll("[data-rule]")) box.hidden = box.dataset.rule !== rule;
  }

  /** A field's refusal found before sending (a number the browser could not read). */
  class Local extends Error {
    constructor(field, message) {
      super(message);
      this.field = field;
    }
  }

  function readNumber(input) {
    if (input.validity && input.validity.badInput) throw new Local(input.name, t("c.not_number"));
    if (input.value === "") return undefined;
    const v = Number(input.value);
    if (!isFinite(v)) throw new Local(input.name, t("c.not_number"));
    return v;
  }

  const words = (v) =>
    v
      .split(/[,，、\s]+/)
      .map((x) => x.trim())
      .filter(Boolean);

  /** The form as the API's body: blank settings are left out (their defaults apply). */
  function body() {
    const f = $("c-form").elements;
    const sms = $("f-channel").value === "sms";
    // An SMS campaign's mode is ivr and it needs no flow (nor a queue).
    const b = sms ? { name: f.name.value.trim(), kind: f.kind.value, mode: "ivr" } : { name: f.name.value.trim(), kind: f.kind.value, mode: f.mode.value, flow: f.flow.value.trim() };
    if (!sms && f.queue.value.trim()) b.queue = f.queue.value.trim();
    const s = {};
    if (sms) {
      const templates = {};
      for (const lang of SMS_LANGUAGES) {
        const v = $("f-sms-" + lang).value.trim();
        if (v) templates[lang] = v;
      }
      if (!Object.keys(templates).length) throw new Local("settings.sms.templates.zh", t("c.sms_need_one"));
      s.channel = "sms";
      s.sms = { templates };
      const wait = readNumber($("f-receipt"));
      if (wait !== undefined) {
        if (!Number.isInteger(wait) || wait < 0 || wait > MAX_RECEIPT_WAIT_SECS) throw new Local("settings.sms.receipt_wait_secs", t("c.receipt_range"));
        s.sms.receipt_wait_secs = wait;
      }
    }
    const win = $("f-window").value.trim();
    if (win) s.window = win.split(/[,，;；]+/).map((x) => x.trim()).filter(Boolean);
    const days = [...$("f-weekdays").querySelectorAll("input:checked")].map((i) => Number(i.value));
    if (days.length) s.weekdays = days;
    if ($("f-holidays").value) s.skip_holidays = $("f-holidays").value === "true";
    for (const [k, id] of [["max_per_day", "f-maxday"], ["attempts_per_sec", "f-aps"], ["max_lines", "f-lines"]]) {
      const v = readNumber($(id));
      if (v !== undefined) s[k] = v;
    }
    if ($("f-caller").value.trim()) s.caller_id = $("f-caller").value.trim();
    if (Object.keys(s).length) b.settings = s;
    const rule = $("f-rule").value;
    if (rule === "arrears") {
      b.list = { rule, min_yuan: readNumber($("f-min-yuan")) };
      if (b.list.min_yuan === undefined) throw new Local("list.min_yuan", t("c.not_number"));
      const months = readNumber($("f-min-months"));
      if (months !== undefined) b.list.min_months = months;
      const d = words($("f-districts").value);
      if (d.length) b.list.districts = d;
      const tiers = words($("f-tiers").value);
      if (tiers.length) b.list.tiers = tiers;
    } else if (rule === "notice") {
      b.list = { rule, notice_id: readNumber($("f-notice")) };
      if (b.list.notice_id === undefined) throw new Local("list.notice_id", t("c.not_number"));
    } else if (rule === "followups") {
      b.list = { rule, kinds: words($("f-fkinds").value) };
    } else if (rule === "key_accounts") {
      b.list = { rule, manager_id: readNumber($("f-manager")) };
      if (b.list.manager_id === undefined) throw new Local("list.manager_id", t("c.not_number"));
    }
    return b;
  }

  /** The input a field names: `settings.window[0]` is the window input, `list` the rule. */
  function fieldInput(field) {
    const form = $("c-form");
    const base = String(field).replace(/\[\d+\]$/, "");
    const byName = (n) => form.querySelector('[name="' + CSS.escape(n) + '"]');
    if (base === "settings.weekdays") return $("f-weekdays");
    // `settings.sms.templates` (none given) or a language with no textarea: the first template.
    if (base.startsWith("settings.sms")) return byName(base) || $("f-sms-zh");
    return byName(base) || byName(base.split(".").slice(0, 2).join(".")) || (base.startsWith("list") ? $("f-rule") : null);
  }

  /** Marks the field named and puts the message right after its input (or at the form's end). */
  function fieldError(field, message) {
    const form = $("c-form");
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    const old = $("f-field-msg");
    if (old) old.remove();
    if (!field) return;
    const input = fieldInput(field);
    const note = el("p", { class: "msg span2", text: t("c.field", { field, message }), attrs: { id: "f-field-msg", role: "alert" }, data: { kind: "error", field } });
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.after(note);
      if (input.focus) input.focus();
    } else {
      $("f-msg").before(note);
    }
  }

  async function create(ev) {
    ev.preventDefault();
    say($("f-msg"), "");
    let b;
    try {
      b = body();
    } catch (err) {
      if (err instanceof Local) fieldError(err.field, err.message);
      else say($("f-msg"), errorText(err), "error");
      return;
    }
    try {
      const r = await api("POST", "/api/campaigns", b);
      fieldError(null);
      const c = r.campaign;
      say($("f-msg"), t("c.created_msg", { name: c.name, n: c.progress.targets }), "ok");
      $("c-form").reset();
      renderSelects();
      $("f-flow").value = FLOWS[$("f-kind").value] || "";
      await load();
      await openCampaign(c.id);
      if (r.list && r.list.refused && r.list.refused.length) {
        say($("d-upload-msg"), t("c.uploaded", { added: r.list.added, already: r.list.already, refused: r.list.refused.length }), "info");
      }
    } catch (err) {
      if (err instanceof H.ApiError && err.field) {
        fieldError(err.field, err.message);
        say($("f-msg"), errorText(err), "error");
      } else {
        fieldError(null);
        say($("f-msg"), errorText(err), "error");
      }
    }
  }

  // ---- do not call ---------------------------------------------------------------------------

  async function loadDnc() {
    try {
      renderDnc(await api("GET", "/api/do-not-call" + query({ limit: 500 })));
    } catch (err) {
      say($("dnc-msg"), errorText(err), "error");
    }
  }

  function renderDnc(list) {
    const rows = $("dnc-rows");
    if (!list.length) {
      rows.replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("c.dnc_none"), attrs: { colspan: 6 } })));
      return;
    }
    rows.replaceChildren(
      ...list.map((d) =>
        el(
          "tr",
          { data: { dnc: d.id, number: d.number || "", account: d.account || "" } },
          el("td", { class: "mono", text: d.number || "—" }),
          el("td", { class: "mono", text: d.account || "—" }),
          el("td", { text: label("dncsrc", d.source) }),
          el("td", { text: d.note || "" }),
          el("td", { class: "mono", text: H.dateTime(d.added_at) }),
          el(
            "td",
            {},
            el("button", {
              type: "button",
              class: "small",
              text: "×",
              attrs: { "aria-label": t("c.dnc_remove", { what: d.number || d.account || d.id }) },
              on: { click: () => removeDnc(d) },
            }),
          ),
        ),
      ),
    );
  }

  async function addDnc(ev) {
    ev.preventDefault();
    const f = $("dnc-form").elements;
    const b = { note: f.note.value };
    if (f.number.value.trim()) b.number = f.number.value.trim();
    if (f.account.value.trim()) b.account = f.account.value.trim();
    try {
      const r = await api("POST", "/api/do-not-call", b);
      H.markField($("dnc-form"), null);
      say($("dnc-msg"), t(r.added ? "c.dnc_added" : "c.dnc_already"), "ok");
      $("dnc-form").reset();
    } catch (err) {
      H.markField($("dnc-form"), err.field);
      say($("dnc-msg"), errorText(err), "error");
    }
    await loadDnc();
  }

  async function removeDnc(d) {
    try {
      await api("DELETE", "/api/do-not-call/" + encodeURIComponent(d.id));
      say($("dnc-msg"), t("c.dnc_removed"), "ok");
    } catch (err) {
      say($("dnc-msg"), errorText(err), "error");
    }
    await loadDnc();
  }

  function init() {
    $("c-status").addEventListener("change", load);
    $("c-form").addEventListener("submit", create);
    $("f-kind").addEventListener("change", kindChanged);
    $("f-rule").addEventListener("change", showRule);
    $("f-channel").addEventListener("change", showChannel);
    $("d-close").addEventListener("click", () => {
      C.open = null;
      $("d-card").hidden = true;
    });
    for (const b of $("d-moves").querySelectorAll("button[data-move]")) b.addEventListener("click", () => move(b.dataset.move));
    $("d-file").addEventListener("change", upload);
    $("d-tstate").addEventListener("change", firstPage);
    $("d-tfirst").addEventListener("click", firstPage);
    $("d-tnext").addEventListener("click", nextPage);
    $("d-csv").addEventListener("click", downloadCsv);
    $("dnc-form").addEventListener("submit", addDnc);
    H.loginPage({
      content: $("campaigns"),
      titleKey: "c.title",
      start,
      stop,
      relabel: () => {
        renderSelects();
        renderList();
        renderCampaign();
        if (C.lastTargets) renderTargets(C.lastTargets);
        if (C.lastResults) renderResults(C.lastResults);
        loadDnc();
      },
    });
  }

  init();
})();
