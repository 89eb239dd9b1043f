"use strict";
// The supervisors' notices page (/wall/notices): the notices not ended (or all), each with
// its districts, times, cause and figures, an "end now" button per notice, and a form to
// publish one (POST /api/notices). A refusal names the field: the page marks that input and
// says why. The IVR reads the notices on every call, so what is published here is heard by
// the next caller from those districts. Times are the browser's clock (the centre's). A
// recording per language (a WAV, 8 kHz mono 16-bit) may be uploaded for a notice
// (PUT /api/notices/{id}/recordings/{lang}); the IVR plays it after its own reading.

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText } = H;

  const KINDS = ["outage", "planned_works", "water_quality", "pressure", "other"];
  const CAUSES = ["", "pipe_burst", "repair", "construction", "flushing", "power", "other"];

  H.addStrings(
    {
      "n.title": "停水停电公告",
      "n.wall": "监控墙",
      "n.list": "当前公告",
      "n.all": "含已结束",
      "n.kind": "类型",
      "n.districts": "区域",
      "n.from": "开始",
      "n.to": "预计结束",
      "n.to_open": "预计结束（未知可留空）",
      "n.cause": "原因",
      "n.figures": "水质指标",
      "n.title_col": "标题",
      "n.state": "状态",
      "n.actions": "操作",
      "n.body": "正文",
      "n.turbidity": "浑浊度 (NTU)",
      "n.chlorine": "余氯 (mg/L)",
      "n.pressure": "水压 (MPa)",
      "n.publish": "发布公告",
      "n.submit": "发布",
      "n.end": "结束",
      "n.end.label": "结束公告：{title}",
      "n.none": "没有公告",
      "n.in_force": "生效中",
      "n.coming": "未开始",
      "n.ended": "已结束",
      "n.open_end": "待定",
      "n.published": "已发布：{title}（下一位来电即可听到）",
      "n.ended_msg": "已结束：{title}",
      "n.role": "只有班长和管理员可以发布或结束公告",
      "n.field": "{field}：{message}",
      "n.rec": "录音（{lang}）",
      "n.rec.upload": "上传{lang}录音",
      "n.rec.remove": "删除{lang}录音",
      "n.rec.has": "{lang}录音 {secs} 秒",
      "n.rec.saved": "已上传{lang}录音：{title}（下一位来电即可听到）",
      "n.rec.removed": "已删除{lang}录音：{title}",
      "n.rec.lang.zh": "中文",
      "n.rec.lang.en": "英文",
      "kind.outage": "突发停水停电",
      "kind.planned_works": "计划施工停水",
      "kind.water_quality": "水质公告",
      "kind.pressure": "水压异常",
      "kind.other": "服务公告",
      "cause.": "（无）",
      "cause.pipe_burst": "供水管道爆裂",
      "cause.repair": "设备抢修",
      "cause.construction": "管道施工改造",
      "cause.flushing": "管网冲洗",
      "cause.power": "电力故障",
      "cause.other": "其他原因",
    },
    {
      "n.title": "Outage notices",
      "n.wall": "Wallboard",
      "n.list": "Current notices",
      "n.all": "Include ended",
      "n.kind": "Kind",
      "n.districts": "Districts",
      "n.from": "From",
      "n.to": "Expected end",
      "n.to_open": "Expected end (leave empty if not known)",
      "n.cause": "Cause",
      "n.figures": "Water figures",
      "n.title_col": "Title",
      "n.state": "State",
      "n.actions": "Actions",
      "n.body": "Text",
      "n.turbidity": "Turbidity (NTU)",
      "n.chlorine": "Residual chlorine (mg/L)",
      "n.pressure": "Pressure (MPa)",
      "n.publish": "Publish a notice",
      "n.submit": "Publish",
      "n.end": "End",
      "n.end.label": "End the notice: {title}",
      "n.none": "No notices",
      "n.in_force": "in force",
      "n.coming": "coming",
      "n.ended": "ended",
      "n.open_end": "not known",
      "n.published": "Published: {title} (the next caller hears it)",
      "n.ended_msg": "Ended: {title}",
      "n.role": "Only supervisors and admins publish or end notices",
      "n.field": "{field}: {message}",
      "n.rec": "Recording ({lang})",
      "n.rec.upload": "Upload the {lang} recording",
      "n.rec.remove": "Remove the {lang} recording",
      "n.rec.has": "{lang} recording {secs} s",
      "n.rec.saved": "Uploaded the {lang} recording: {title} (the next caller hears it)",
      "n.rec.removed": "Removed the {lang} recording: {title}",
      "n.rec.lang.zh": "Chinese",
      "n.rec.lang.en": "English",
      "kind.outage": "Unplanned outage",
      "kind.planned_works": "Planned works",
      "kind.water_quality": "Water quality",
      "kind.pressure": "Low pressure",
      "kind.other": "Service notice",
      "cause.": "(none)",
      "cause.pipe_burst": "Burst water main",
      "cause.repair": "Emergency repairs",
      "cause.construction": "Pipe works",
      "cause.flushing": "Mains flushing",
      "cause.power": "Power failure",
      "cause.other": "Other",
    },
  );

  const N = { me: null, list: [], districts: [] };

  async function start(agent) {
    N.me = agent;
    const writer = agent.role !== "agent";
    $("form-card").hidden = !writer;
    if (!writer) say($("n-msg"), t("n.role"), "info");
    try {
      N.districts = await api("GET", "/api/districts");
    } catch (err) {
      say($("n-msg"), errorText(err), "error");
    }
    renderForm();
    await load();
  }

  async function load() {
    try {
      N.list = await api("GET", "/api/notices" + H.query({ all: $("n-all").checked }));
      renderList();
    } catch (err) {
      say($("n-msg"), errorText(err), "error");
    }
  }

  function figures(f) {
    const parts = [];
    if (f.turbidity_ntu !== null && f.turbidity_ntu !== undefined) parts.push(f.turbidity_ntu + " NTU");
    if (f.chlorine_mg_l !== null && f.chlorine_mg_l !== undefined) parts.push(f.chlorine_mg_l + " mg/L");
    if (f.pressure_mpa !== null && f.pressure_mpa !== undefined) parts.push(f.pressure_mpa + " MPa");
    return parts.join(" · ") || "—";
  }

  function state(n) {
    if (n.in_force) return "n.in_force";
    if (n.ends_at !== null && n.ends_at <= H.serverNow()) return "n.ended";
    return "n.coming";
  }

  function renderList() {
    const rows = $("n-rows");
    if (!N.list.length) {
      rows.replaceChildren(el("tr", {}, el("td", { class: "empty", text: t("n.none"), attrs: { colspan: 9 } })));
      return;
    }
    const writer = N.me && N.me.role !== "agent";
    rows.replaceChildren(
      ...N.list.map((n) => {
        const s = state(n);
        const end =
          writer && s !== "n.ended"
            ? el("button", {
                type: "button",
                text: t("n.end"),
                attrs: { "aria-label": t("n.end.label", { title: n.title }) },
                on: { click: () => endNotice(n) },
              })
            : el("span");
        return el(
          "tr",
          { data: { notice: n.id, state: s.slice(2) } },
          el("td", { text: t("kind." + n.kind) }),
          el("td", { text: n.districts.map((d) => d.name).join("、") }),
          el("td", { class: "mono", text: H.dateTime(n.starts_at) }),
          el("td", { class: "mono", text: n.ends_at === null ? t("n.open_end") : H.dateTime(n.ends_at) }),
          el("td", { text: t("cause." + n.cause) }),
          el("td", { text: figures(n.figures) }),
          el("td", { text: n.title }),
          el("td", { text: t(s) }),
          el("td", {}, end, ...(writer && s !== "n.ended" ? recordings(n) : [])),
        );
      }),
    );
  }

  const REC_LANGS = ["zh", "en"];

  /** Per language: the recording it has (with a remove button) and a file input to upload one. */
  function recordings(n) {
    return REC_LANGS.map((lang) => {
      const name = t("n.rec.lang." + lang);
      const has = (n.recordings || []).find((r) => r.language === lang);
      const input = el("input", {
        type: "file",
        attrs: { accept: "audio/wav,.wav", "aria-label": t("n.rec.upload", { lang: name }), "data-rec": lang },
        on: { change: (ev) => upload(n, lang, ev.target) },
      });
      const parts = [el("span", { class: "rec-label", text: has ? t("n.rec.has", { lang: name, secs: (has.samples / 8000).toFixed(1) }) : t("n.rec", { lang: name }) }), input];
      if (has)
        parts.push(
          el("button", {
            type: "button",
            class: "quiet",
            text: "×",
            attrs: { "aria-label": t("n.rec.remove", { lang: name }), "data-rec-remove": lang },
            on: { click: () => removeRecording(n, lang) },
          }),
        );
      return el("div", { class: "rec", data: { lang } }, ...parts);
    });
  }

  async function upload(n, lang, input) {
    const file = input.files && input.files[0];
    if (!file) return;
    const name = t("n.rec.lang." + lang);
    try {
      await api("PUT", "/api/notices/" + encodeURIComponent(n.id) + "/recordings/" + lang, new Blob([file], { type: "audio/wav" }));
      say($("n-msg"), t("n.rec.saved", { lang: name, title: n.title }), "ok");
    } catch (err) {
      say($("n-msg"), err instanceof H.ApiError && err.field ? t("n.field", { field: err.field, message: err.message }) : errorText(err), "error");
    }
    await load();
  }

  async function removeRecording(n, lang) {
    try {
      await api("DELETE", "/api/notices/" + encodeURIComponent(n.id) + "/recordings/" + lang);
      say($("n-msg"), t("n.rec.removed", { lang: t("n.rec.lang." + lang), title: n.title }), "ok");
    } catch (err) {
      say($("n-msg"), errorText(err), "error");
    }
    await load();
  }

  function renderForm() {
    const kind = $("f-kind");
    const k = kind.value;
    kind.replaceChildren(...KINDS.map((x) => el("option", { text: t("kind." + x), attrs: { value: x } })));
    if (k) kind.value = k;
    const cause = $("f-cause");
    const c = cause.value;
    cause.replaceChildren(...CAUSES.map((x) => el("option", { text: t("cause." + x), attrs: { value: x } })));
    cause.value = c || "";
    const box = $("f-districts");
    const checked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    box.replaceChildren(
      el("legend", { text: t("n.districts") }),
      ...N.districts.map((d) =>
        el(
          "label",
          { class: "check" },
          el("input", { type: "checkbox", attrs: { name: "district_ids", value: d.id, checked: checked.has(String(d.id)) ? "" : null } }),
          " " + d.name,
        ),
      ),
    );
  }

  /** The form as the API's body; an empty number is left out, an empty end is null. */
  function body() {
    const f = $("n-form").elements;
    const ms = (v) => (v ? new Date(v).getTime() : null);
    const num = (v) => (v === "" ? undefined : Number(v));
    const figures = {};
    for (const [k, id] of [["turbidity_ntu", "f-turbidity"], ["chlorine_mg_l", "f-chlorine"], ["pressure_mpa", "f-pressure"]]) {
      const v = num($(id).value);
      if (v !== undefined) figures[k] = v;
    }
    return {
      kind: f.kind.value,
      district_ids: [...$("f-districts").querySelectorAll("input:checked")].map((i) => Number(i.value)),
      starts_at: ms(f.starts_at.value),
      ends_at: ms(f.ends_at.value),
      title: f.title.value,
      body: f.body.value,
      cause: f.cause.value,
      figures,
    };
  }

  /** Marks the input of the field the server named (the districts are a fieldset). */
  function markField(field) {
    H.markField($("n-form"), field, (f) => (f === "district_ids" ? $("f-districts") : null));
  }

  async function publish(ev) {
    ev.preventDefault();
    const b = body();
    say($("f-msg"), "");
    try {
      const n = await api("POST", "/api/notices", b);
      markField(null);
      say($("f-msg"), t("n.published", { title: n.title }), "ok");
      $("n-form").reset();
      renderForm();
      await load();
    } catch (err) {
      if (err instanceof H.ApiError && err.field) {
        markField(err.field);
        say($("f-msg"), t("n.field", { field: err.field, message: err.message }), "error");
      } else {
        say($("f-msg"), errorText(err), "error");
      }
    }
  }

  async function endNotice(n) {
    try {
      await api("DELETE", "/api/notices/" + encodeURIComponent(n.id));
      say($("n-msg"), t("n.ended_msg", { title: n.title }), "ok");
    } catch (err) {
      say($("n-msg"), errorText(err), "error");
    }
    await load();
  }

  function init() {
    $("n-all").addEventListener("change", load);
    $("n-form").addEventListener("submit", publish);
    H.loginPage({
      content: $("notices"),
      titleKey: "n.title",
      start,
      relabel: () => {
        renderForm();
        renderList();
      },
    });
  }

  init();
})();
