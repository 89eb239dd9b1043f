"use strict";
// The agent desktop's preview calls (预览外呼): a preview campaign offers the agent one
// customer at a time (GET /api/acd/me/preview at start, then the live stream's `preview`
// event on each change). The panel shows the campaign, the account, the number, the amount
// due and months in arrears, and the time left to decide; the customer is looked up in the
// customer panel at once, so the agent sees their bills and history before calling. 拨打
// dials (POST …/dial: the agent's phone rings first, then the customer); 跳过 skips with a
// reason (POST …/skip; the API's refusal is shown at the field). An offer not decided in
// time is taken back (the panel says so). Part of desk.js (state in `Hotline.desk`).

(() => {
  const H = Hotline;
  const { t, $, say, api, errorText } = H;
  const D = H.desk;

  H.addStrings(
    {
      "pv.title": "预览外呼",
      "pv.campaign": "外呼活动",
      "pv.account": "户号",
      "pv.number": "号码",
      "pv.amount": "欠费金额",
      "pv.months": "欠费月数",
      "pv.months_v": "{n} 个月",
      "pv.left": "剩余决定时间",
      "pv.dial": "拨打",
      "pv.reason": "跳过原因",
      "pv.skip": "跳过",
      "pv.offered": "新的预览客户：{account}，请查看客户信息后拨打或跳过",
      "pv.dialling": "正在呼叫您的话机，接听后拨出客户 {number}",
      "pv.skipped": "已跳过 {account}",
      "pv.reason_needed": "请填写跳过原因",
      "pv.taken_back": "预览客户 {account} 已收回（未在时限内决定）",
      "pv.refused": "操作未成功：{err}",
    },
    {
      "pv.title": "Preview call",
      "pv.campaign": "Campaign",
      "pv.account": "Account",
      "pv.number": "Number",
      "pv.amount": "Amount due",
      "pv.months": "Months in arrears",
      "pv.months_v": "{n} months",
      "pv.left": "Time left to decide",
      "pv.dial": "Dial",
      "pv.reason": "Reason to skip",
      "pv.skip": "Skip",
      "pv.offered": "A customer to preview: {account}. Look them up, then dial or skip",
      "pv.dialling": "Ringing your phone; the customer {number} is dialled once you answer",
      "pv.skipped": "{account} skipped",
      "pv.reason_needed": "Give a reason to skip",
      "pv.taken_back": "{account} was taken back (not decided in time)",
      "pv.refused": "Not done: {err}",
    },
  );

  // The offer held, a request under way, and a decision just made (its end is not "taken
  // back").
  const P = { offer: null, busy: false, decided: false };

  function same(a, b) {
    return !!a && !!b && a.campaign === b.campaign && a.target === b.target;
  }

  function amount(text) {
    const v = Number.parseFloat(text);
    return Number.isFinite(v) ? H.money(Math.round(v * 100)) : text || "—";
  }

  function render() {
    const o = P.offer;
    const shown = !!o || !$("pv-msg").hidden;
    $("preview-panel").hidden = !shown;
    $("pv-offer").hidden = !o;
    if (!o) return;
    const data = o.data || {};
    $("pv-campaign").textContent = o.campaign_name;
    $("pv-account").textContent = o.account;
    $("pv-number").textContent = o.number;
    $("pv-amount").textContent = amount(data.amount_due);
    $("pv-months").textContent = data.months ? t("pv.months_v", { n: data.months }) : "—";
    $("pv-dial").disabled = P.busy || o.dialling;
    $("pv-skip").disabled = P.busy || o.dialling;
    $("pv-reason").disabled = P.busy || o.dialling;
    tick();
  }

  function tick() {
    const o = P.offer;
    if (!o || o.dialling) {
      $("pv-left").textContent = "—";
      return;
    }
    $("pv-left").textContent = H.duration(Math.max(0, o.decide_by - H.serverNow()));
  }

  /** The offer held now (`null`: none): shown, the customer looked up when it is new. */
  function show(offer) {
    const before = P.offer;
    P.offer = offer || null;
    if (offer && !same(before, offer)) {
      $("pv-reason").value = "";
      $("pv-reason").removeAttribute("aria-invalid");
      if (!offer.dialling) {
        say($("pv-msg"), t("pv.offered", { account: offer.account }), "info");
        D.loadByAccount(offer.account);
      }
    } else if (!offer && before && !before.dialling && !P.busy && !P.decided) {
      say($("pv-msg"), t("pv.taken_back", { account: before.account }), "info");
    }
    P.decided = false;
    render();
  }

  async function refreshPreview() {
    try {
      const r = await api("GET", "/api/acd/me/preview");
      show(r.offer);
    } catch (err) {
      // 503: this engine runs no preview campaigns; the panel stays hidden.
      if (err.status !== 503 && err.status !== 401) say($("pv-msg"), t("pv.refused", { err: errorText(err) }), "error");
      render();
    }
  }

  async function decide(path, body, done) {
    const o = P.offer;
    if (!o || P.busy) return;
    P.busy = true;
    render();
    try {
      const r = await api("POST", path, body);
      // The next offer's live event may come before this answer: it stays.
      if (same(P.offer, o)) {
        P.decided = true;
        P.offer = r.offer && r.offer.dialling ? r.offer : null;
      }
      say($("pv-msg"), t(done, { account: o.account, number: o.number }), "ok");
    } catch (err) {
      if (err.status === 401) return;
      if (err.field === "reason") {
        $("pv-reason").setAttribute("aria-invalid", "true");
        $("pv-reason").focus();
      }
      say($("pv-msg"), t("pv.refused", { err: errorText(err) }), "error");
      // Taken back meanwhile: that offer is gone.
      if (err.code === "no_offer" && same(P.offer, o)) P.offer = null;
    } finally {
      P.busy = false;
      render();
    }
  }

  function init() {
    $("pv-dial").addEventListener("click", () => decide("/api/acd/me/preview/dial", {}, "pv.dialling"));
    $("pv-skip-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const reason = $("pv-reason").value.trim();
      if (!reason) {
        $("pv-reason").setAttribute("aria-invalid", "true");
        say($("pv-msg"), t("pv.reason_needed"), "error");
        $("pv-reason").focus();
        render();
        return;
      }
      $("pv-reason").removeAttribute("aria-invalid");
      decide("/api/acd/me/preview/skip", { reason }, "pv.skipped");
    });
    setInterval(tick, 1000);
    H.onLang(render);
  }

  D.refreshPreview = refreshPreview;
  D.onPreview = show;
  document.addEventListener("DOMContentLoaded", init);
})();
