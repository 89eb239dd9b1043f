"use strict";
// The agent desktop's "My evaluations" (我的质检): the agent's own counted evaluations (GET
// /api/qa/evaluations?agent=<me>; the API gives an agent their own only, never calibration
// ones), each with its score, passed or failed, a critical failure, the evaluator and their
// comments, the answer to each criterion (the form from GET /api/qa/forms), and, while open,
// Acknowledge (an optional note) or Dispute (a note required: the API's refusal is shown at
// the note). A disputed one shows the agent's note; a resolved one the resolution. Part of
// desk.js (state in `Hotline.desk`), loaded after it; desk.js calls `refreshQa` at start.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;
  const D = H.desk;

  H.addStrings(
    {
      "myqa.title": "我的质检",
      "myqa.none": "还没有质检评估",
      "myqa.head": "通话 {ref} · {at}",
      "myqa.evaluator": "评估人 {name} · {form}",
      "myqa.comments": "评语：{c}",
      "myqa.details": "逐项评分",
      "myqa.passed": "合格",
      "myqa.failed": "不合格",
      "myqa.critical": "关键项不合格",
      "myqa.critical_item": "关键项",
      "myqa.st.open": "待确认",
      "myqa.st.acknowledged": "已确认",
      "myqa.st.disputed": "申诉中",
      "myqa.st.resolved": "申诉已处理",
      "myqa.note": "意见（申诉时必填）",
      "myqa.ack": "确认",
      "myqa.dispute": "申诉",
      "myqa.my_note": "我的意见（{at}）：{note}",
      "myqa.resolution": "申诉处理结果（{at}，{by}）：{note}",
      "myqa.done.acknowledged": "已确认评估 #{id}",
      "myqa.done.disputed": "已提交对评估 #{id} 的申诉",
      "myqa.yes": "是",
      "myqa.no": "否",
      "myqa.na": "不适用",
      "myqa.of": "{v} / {max}",
    },
    {
      "myqa.title": "My evaluations",
      "myqa.none": "No evaluations yet",
      "myqa.head": "Call {ref} · {at}",
      "myqa.evaluator": "Evaluator {name} · {form}",
      "myqa.comments": "Comments: {c}",
      "myqa.details": "Criterion by criterion",
      "myqa.passed": "passed",
      "myqa.failed": "failed",
      "myqa.critical": "critical item failed",
      "myqa.critical_item": "critical",
      "myqa.st.open": "to acknowledge",
      "myqa.st.acknowledged": "acknowledged",
      "myqa.st.disputed": "disputed",
      "myqa.st.resolved": "dispute resolved",
      "myqa.note": "Note (required to dispute)",
      "myqa.ack": "Acknowledge",
      "myqa.dispute": "Dispute",
      "myqa.my_note": "My note ({at}): {note}",
      "myqa.resolution": "Resolution ({at}, {by}): {note}",
      "myqa.done.acknowledged": "Evaluation #{id} acknowledged",
      "myqa.done.disputed": "Evaluation #{id} disputed",
      "myqa.yes": "yes",
      "myqa.no": "no",
      "myqa.na": "n/a",
      "myqa.of": "{v} / {max}",
    },
  );

  const Q = { list: null, forms: null };

  async function refreshQa() {
    const me = D.S.me;
    if (!me) return;
    try {
      const [list, forms] = await Promise.all([
        api("GET", "/api/qa/evaluations" + query({ agent: me.id, limit: 50 })),
        Q.forms ? Promise.resolve(Q.forms) : api("GET", "/api/qa/forms").catch(() => null),
      ]);
      Q.list = list;
      Q.forms = forms;
      say($("qa-msg"), "");
    } catch (err) {
      Q.list = null;
      $("qa-list").replaceChildren();
      if (err.status !== 401) say($("qa-msg"), errorText(err), "error");
      return;
    }
    render();
  }

  function render() {
    const ul = $("qa-list");
    if (!Q.list) return;
    if (!Q.list.length) {
      ul.replaceChildren(el("li", { class: "empty", text: t("myqa.none") }));
      return;
    }
    ul.replaceChildren(...Q.list.map(item));
  }

  const pct = (v) => Number(v).toFixed(1) + "%";

  function answerText(c, a) {
    if (a === "yes") return t("myqa.yes");
    if (a === "no") return t("myqa.no");
    if (a === "na") return t("myqa.na");
    if (a === undefined || a === null) return "—";
    return c && c.kind.type === "scale" ? t("myqa.of", { v: a, max: c.kind.max }) : String(a);
  }

  /** Each criterion's answer, in the form's order (by id when the form is not known). */
  function answers(e) {
    const form = Q.forms && Q.forms.forms.find((f) => f.id === e.form_id);
    const rows = [];
    if (form) {
      for (const s of form.sections) {
        rows.push(el("tr", { class: "qa-section-row" }, el("th", { attrs: { colspan: 2, scope: "colgroup" }, text: s.title })));
        for (const c of s.criteria) {
          const a = e.answers[c.id];
          rows.push(
            el(
              "tr",
              { data: { criterion: c.id, answer: a === undefined ? "" : String(a) } },
              el("td", { text: c.text + (c.critical ? "（" + t("myqa.critical_item") + "）" : "") }),
              el("td", { class: "qa-answer", text: answerText(c, a) }),
            ),
          );
        }
      }
    } else {
      for (const [id, a] of Object.entries(e.answers || {})) {
        rows.push(el("tr", { data: { criterion: id, answer: String(a) } }, el("td", { text: id }), el("td", { class: "qa-answer", text: answerText(null, a) })));
      }
    }
    return el("details", { class: "qa-answers" }, el("summary", { text: t("myqa.details") }), el("table", { class: "data" }, el("tbody", {}, ...rows)));
  }

  function item(e) {
    const li = el(
      "li",
      { class: "fu qa-item", data: { evaluation: e.id, status: e.status } },
      el("p", { class: "qa-item-head", text: t("myqa.head", { ref: e.call_ref, at: H.dateTime(e.created_at) }) }),
      el(
        "p",
        {},
        el("strong", { class: "qa-score big", data: { percent: e.percent }, text: pct(e.percent) }),
        " ",
        el("span", { class: "badge " + (e.passed ? "qa-pass" : "qa-fail"), text: e.passed ? t("myqa.passed") : t("myqa.failed") }),
        " ",
        e.critical_failed ? el("span", { class: "badge qa-critical", text: t("myqa.critical") }) : null,
        " ",
        el("span", { class: "badge qa-status", data: { status: e.status }, text: H.label("myqa.st", e.status) }),
      ),
      el("p", { class: "hint", text: t("myqa.evaluator", { name: e.evaluator_name, form: e.form_id }) }),
      e.comments ? el("p", { class: "qa-comments", text: t("myqa.comments", { c: e.comments }) }) : null,
      answers(e),
      e.agent_note ? el("p", { class: "qa-agent-note", text: t("myqa.my_note", { at: H.dateTime(e.agent_at), note: e.agent_note }) }) : null,
      e.status === "resolved" ? el("p", { class: "qa-resolution ok", text: t("myqa.resolution", { at: H.dateTime(e.resolved_at), by: e.resolved_by_name || "", note: e.resolution_note || "" }) }) : null,
    );
    if (e.status === "open") li.append(answerBox(e));
    return li;
  }

  /** Acknowledge or dispute evaluation `e` (the note is required to dispute: the API says so). */
  function answerBox(e) {
    const id = "qa-note-" + e.id;
    const note = el("textarea", { attrs: { id, name: "note", rows: 2, maxlength: 4000 } });
    const msg = el("p", { class: "msg", attrs: { role: "alert" }, hidden: true });
    const form = el("form", { class: "qa-note-box", attrs: { novalidate: "" } });
    const send = async (what) => {
      H.markField(form, "");
      form.querySelectorAll("button").forEach((b) => {
        b.disabled = true;
      });
      const text = note.value.trim();
      try {
        await api("POST", `/api/qa/evaluations/${encodeURIComponent(e.id)}/${what}`, what === "dispute" || text ? { note: text } : {});
      } catch (err) {
        form.querySelectorAll("button").forEach((b) => {
          b.disabled = false;
        });
        if (err.status === 401) return;
        H.markField(form, err.field);
        say(msg, errorText(err), "error");
        return;
      }
      await refreshQa();
      say($("qa-msg"), t(what === "dispute" ? "myqa.done.disputed" : "myqa.done.acknowledged", { id: e.id }), "ok");
    };
    form.append(
      el("label", { attrs: { for: id }, text: t("myqa.note") }),
      note,
      el(
        "div",
        { class: "buttons" },
        el("button", { type: "button", class: "primary", data: { act: "acknowledge" }, text: t("myqa.ack"), on: { click: () => send("acknowledge") } }),
        el("button", { type: "button", class: "danger", data: { act: "dispute" }, text: t("myqa.dispute"), on: { click: () => send("dispute") } }),
      ),
      msg,
    );
    form.addEventListener("submit", (ev) => ev.preventDefault());
    return form;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("qa-refresh").addEventListener("click", refreshQa);
    H.onLang(render);
  });

  Object.assign(D, { refreshQa });
})();
