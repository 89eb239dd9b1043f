"use strict";
// Real-browser check of quality assessment, run by qa.sh (which starts the engine, recording
// its calls, with the shipped form, and writes one answered call of last week for liqiang):
//   one real answered call: zhangmin's SIPp phone registers, she goes ready, a SIPp customer
//     calls, talks (a tone) and hangs up after about 12 s, so a stereo recording of over
//     256 KiB exists;
//   sunli (qa) logs in on /wall/qa: the work list shows last week (the API's default week)
//     with liqiang's call (agent, staff no, talk time, queue, "to evaluate"); its button opens
//     the call in the evaluate tab; then on /wall/calls she finds the recorded call and
//     follows its Evaluate link to /wall/qa?call=ID: the recording arrives by Range requests
//     answered 206 and plays from a blob: URL, both waveforms drawn; the form is the API's
//     (every criterion, critical items marked, 0..max on scale items, n/a where allowed);
//     saving with one criterion unanswered shows the 422 at that criterion (nothing saved);
//     answering it (one scale item below its max, one n/a) and saving shows the server's
//     score, which equals the score the test computes from the form's weights (and the page's
//     preview); a revision of the comments is a PUT of the same evaluation;
//   zhangmin's desk lists it under 我的质检 with the same score, the evaluator, the comments
//     and each criterion's answer; a dispute without a note is refused at the note; with one
//     it is disputed;
//   zhaolei (floor supervisor), whose /wall/qa list was open with no dispute before it, sees it
//     appear there by itself (the page's refresh, no reload) under 申诉中 with her note, a resolution
//     without a note is refused, with one it is resolved; zhangmin's desk shows the
//     resolution; zhaolei scores the same call too (a calibration evaluation, said before
//     saving): the calibration tab shows the call, both scores, the spread and exactly the
//     criteria they answered differently highlighted;
//   the QA report (/wall/reports#qa, from /wall/qa's link) shows zhangmin's team's week as
//     GET /api/reports/qa gives it (one counted evaluation, its average, one disputed), and
//     by agent on the toggle; an evaluator sees no call reports;
//   liqiang (an agent who did not take the call): the API refuses the recording (403), an
//     evaluation and the call's record (403); /wall/qa?call=ID shows the API's 403 message, no
//     player and no form;
//   the audit trail (GET /api/audit?action=qa) has the evaluation, the refused save, the
//     revision, the dispute, the resolution and the calibration evaluation.
// No dialog, page error or console error. Prints one line per check and
// "qa pages: N passed, M failed".

const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");
const { until, softphone, call } = require("./phones");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const api = apiOf(BASE);
const { check, done } = checker();
const problems = [];
const CALLER = "13700005678";
const HOLD_MS = 12000;
const OLD_CALL = Number(env.OLD_CALL_ID);
const COMMENTS = "开场规范；解决方案略有遗漏 <b>不是标记</b>";
const REVISED = COMMENTS + "（复核：语速稍快）";
const DISPUTE = "我已经给出了完整的解决方案，请复听第 8 秒之后。";
const RESOLUTION = "复听后维持原评分：未告知处理时限。";

function must(name, cond, detail) {
  if (!check(name, cond, detail)) throw new Error("stopped after: " + name);
}

async function login(who, password) {
  const r = await api("POST", "/api/login", null, { login: who, password });
  if (r.status !== 200) throw new Error(`login ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Logs in on the page already loaded; waits for `content` to show. */
async function pageLogin(page, who, password, content) {
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#login-name", who);
  await page.fill("#login-password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector(content + ":not([hidden])");
}

const round1 = (x) => Math.round(x * 10) / 10;
const criteria = (form) => form.sections.flatMap((s) => s.criteria);

/** The score by the form's rules (qa-forms/README.md), from its weights. */
function scoreOf(form, answers) {
  let points = 0;
  let possible = 0;
  let critical = false;
  for (const c of criteria(form)) {
    const a = answers[c.id];
    if (a === "na") continue;
    possible += c.weight;
    if (c.kind.type === "scale") points += (c.weight * a) / c.kind.max;
    else if (a === "yes") points += c.weight;
    else if (c.critical) critical = true;
  }
  return critical ? 0 : possible > 0 ? round1((100 * points) / possible) : 100;
}

/** Ticks `answers` on the evaluate form. */
async function answer(page, answers) {
  for (const [id, v] of Object.entries(answers)) await page.check(`#crit-${id} input[value="${v}"]`);
}

/** Of a canvas: how many pixels are drawn (alpha > 0) off the background colours. */
function inked(page, sel) {
  return page.$eval(sel, (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const bg = (d[i] === 0xf3 && d[i + 1] === 0xf6 && d[i + 2] === 0xfa) || (d[i] === 0xb8 && d[i + 1] === 0xc3 && d[i + 2] === 0xd3);
      if (d[i + 3] > 0 && !bg) n += 1;
    }
    return n;
  });
}

(async () => {
  const browser = await launch(["--autoplay-policy=no-user-gesture-required"]);
  const phones = [];
  const pages = [];
  try {
    const agent = await login("zhangmin", env.AGENT_PASSWORD);
    const qa = await login("sunli", env.QA_PASSWORD);
    const boss = await login("zhaolei", env.SUP_PASSWORD);
    const other = await login("liqiang", env.OTHER_PASSWORD);
    must("demo users: sunli is an evaluator (qa), zhaolei a supervisor", qa.agent.role === "qa" && boss.agent.role === "supervisor", `${qa.agent.role}, ${boss.agent.role}`);

    // ---- one real answered call, recorded ----
    const agentPhone = await softphone(env, "agent", "1001", env.AGENT_SIP_PORT, env.AGENT_MEDIA_PORT, "agent_call.xml");
    must("the agent's SIPp phone (1001) registered", !!agentPhone);
    phones.push(agentPhone);
    const ready = await api("PUT", "/api/acd/me/state", agent.token, { state: "ready" });
    must("the agent is ready", ready.status === 200, JSON.stringify(ready.body));
    const caller = call(env, "caller", CALLER, HOLD_MS, "calls_caller.xml", OUT);
    phones.push(caller);
    must("the agent's phone is rung and answers", !!(await agentPhone.logged("agent invited", 20000)));
    const code = await Promise.race([caller.exited, new Promise((r) => setTimeout(() => r("timeout"), HOLD_MS + 30000))]);
    must("the caller talked and hung up (SIPp exit 0)", code === 0, String(code));
    const rec = await until(async () => {
      const r = await api("GET", `/api/calls?phone=${CALLER}`, boss.token);
      const c = r.body && r.body[0];
      return c && c.ended_at && c.recording && c.agent_id === agent.agent.id ? c : null;
    }, 15000);
    must("API: the call is recorded, ended, answered by zhangmin", !!rec, rec && JSON.stringify(rec));
    const whole = await fetch(`${BASE}/api/calls/${rec.id}/recording`, { headers: { Authorization: "Bearer " + qa.token } });
    const size = (await whole.arrayBuffer()).byteLength;
    check("API: the evaluator may fetch the recording (over one 256 KiB chunk)", whole.status === 200 && size > 256 * 1024, `${whole.status}, ${size} bytes`);

    // The form, as the API gives it, and two sets of answers.
    const forms = (await api("GET", "/api/qa/forms", qa.token)).body;
    const form = forms.forms.find((f) => f.id === forms.default);
    must("API: the default form", !!form && criteria(form).length > 3, JSON.stringify(forms).slice(0, 200));
    const all = criteria(form);
    const scale = all.find((c) => c.kind.type === "scale");
    const na = all.find((c) => c.allow_na && !c.critical && c.kind.type === "yes_no");
    must("the form has a scale item and an n/a item", !!scale && !!na);
    const first = {};
    for (const c of all) first[c.id] = c.kind.type === "scale" ? c.kind.max : "yes";
    first[scale.id] = scale.kind.max - 1; // one scale item below its max
    first[na.id] = "na";
    const second = { ...first, [scale.id]: 1, [na.id]: "yes" };
    const expected = scoreOf(form, first);
    const expected2 = scoreOf(form, second);
    const missing = all[all.length - 1];

    // ---- sunli: the work list ----
    const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await ctx.newPage();
    pages.push(page);
    watch(page, problems);
    const ranges = [];
    const evalRequests = [];
    page.on("response", async (res) => {
      const url = res.url();
      const req = res.request();
      if (url.includes(`/api/calls/${rec.id}/recording`)) {
        const h = await req.allHeaders();
        ranges.push({ status: res.status(), range: h.range || "", contentRange: (await res.allHeaders())["content-range"] || "" });
      }
      if (/\/api\/qa\/evaluations(\/\d+)?$/.test(new URL(url).pathname) && req.method() !== "GET") evalRequests.push(`${req.method()} ${res.status()}`);
    });
    const wallHtml = await (await fetch(BASE + "/wall")).text();
    check("the wall links to /wall/qa", wallHtml.includes('href="/wall/qa"'));
    const work = (await api("GET", "/api/qa/work", qa.token)).body;
    check("API: last week's work list has liqiang's call", work.drawn && work.items.some((i) => i.call_id === OLD_CALL), JSON.stringify(work));
    await page.goto(BASE + "/wall/qa");
    await pageLogin(page, "sunli", env.QA_PASSWORD, "#qa");
    await page.waitForSelector(`#w-rows tr[data-call="${OLD_CALL}"]`, { timeout: 10000 });
    check("work list: the week picker shows last week (the API's default)", (await page.inputValue("#w-week")) === work.week, `${await page.inputValue("#w-week")} vs ${work.week}`);
    const wcells = await page.$$eval(`#w-rows tr[data-call="${OLD_CALL}"] td`, (tds) => tds.map((td) => td.textContent));
    check("work list: agent, staff no, talk time, queue, to evaluate", wcells[0] === "李强" && wcells[1] === "1024" && wcells[3] === "1:30" && wcells[4] === "综合" && wcells[5] === "待评估", wcells.join(" | "));
    check("work list: the call time", wcells[2].startsWith(new Date(Number(env.OLD_CALL_AT)).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" })) && wcells[2].endsWith("10:00:00"), wcells[2]);
    await page.screenshot({ path: path.join(OUT, "qa-work.png"), fullPage: true });
    await page.click(`#w-rows tr[data-call="${OLD_CALL}"] button`);
    await page.waitForSelector("#e-form:not([hidden])");
    check("work list → evaluate: the call's facts (agent from the list), the form, no player without a recording", (await page.textContent("#e-agent")).includes("李强") && (await page.isHidden("#player")) && (await page.inputValue("#e-call")) === String(OLD_CALL), await page.textContent("#e-agent"));

    // ---- sunli: /wall/calls → Evaluate ----
    await page.goto(BASE + "/wall/calls");
    await page.waitForSelector("#calls:not([hidden])");
    await page.fill("#c-phone", CALLER);
    await page.click("#c-form button[type=submit]");
    await page.waitForSelector(`#c-rows tr[data-call="${rec.id}"] a[data-evaluate]`, { timeout: 10000 });
    check("calls: the row has an Evaluate link to /wall/qa?call=ID", (await page.getAttribute(`#c-rows tr[data-call="${rec.id}"] a[data-evaluate]`, "href")) === `/wall/qa?call=${rec.id}`);
    check("calls: an evaluator sees the agent's name (from /api/directory)", (await page.textContent(`#c-rows tr[data-call="${rec.id}"]`)).includes("张敏"), await page.textContent(`#c-rows tr[data-call="${rec.id}"]`));
    await page.click(`#c-rows tr[data-call="${rec.id}"] a[data-evaluate]`);
    await page.waitForURL(`**/wall/qa?call=${rec.id}`);
    await page.waitForSelector('#player[data-state="ready"], #player[data-state="refused"], #player[data-state="bad"]', { timeout: 20000 });
    must("evaluate: the recording loaded", (await page.getAttribute("#player", "data-state")) === "ready", await page.textContent("#p-msg"));
    await page.waitForTimeout(300); // the response handlers read the headers
    check("evaluate: the recording came by Range requests answered 206", ranges.length >= 2 && ranges.every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range)), JSON.stringify(ranges));
    check("evaluate: Content-Range up to the file's size", ranges.some((r) => r.contentRange.endsWith(`/${size}`)), ranges.map((r) => r.contentRange).join(", "));
    const media = await page.waitForFunction(() => {
      const a = document.getElementById("p-audio");
      return a.duration > 0 && isFinite(a.duration) ? { duration: a.duration, src: a.src } : null;
    }, null, { timeout: 10000 });
    const { duration, src } = await media.jsonValue();
    check("evaluate: the audio element plays the fetched bytes (blob:, the WAV's duration)", src.startsWith("blob:") && Math.abs(duration - (size - 44) / 32000) < 0.5, `${src.slice(0, 12)} ${duration}`);
    await page.evaluate(() => document.getElementById("p-audio").play());
    const played = await page.waitForFunction(() => document.getElementById("p-audio").currentTime > 0.3, null, { timeout: 10000 }).then(() => true).catch(() => false);
    check("evaluate: it plays", played);
    await page.evaluate(() => document.getElementById("p-audio").pause());
    check("evaluate: both waveforms drawn", (await inked(page, "#p-left")) > 1000 && (await inked(page, "#p-right")) > 50, `${await inked(page, "#p-left")} / ${await inked(page, "#p-right")}`);
    await page.waitForSelector("#e-form:not([hidden])");
    const talkSecs = Math.floor(rec.talk_ms / 1000);
    const talkShown = `${Math.floor(talkSecs / 60)}:${String(talkSecs % 60).padStart(2, "0")}`;
    check("evaluate: the call's facts (caller, the record's talk time)", (await page.textContent("#e-caller")) === rec.caller && (await page.textContent("#e-talk")) === talkShown, `${await page.textContent("#e-caller")} ${await page.textContent("#e-talk")} (record: ${rec.talk_ms} ms)`);

    // The form is the API's.
    const shown = await page.$$eval("#e-sections fieldset.qa-crit", (fs) =>
      fs.map((f) => ({ id: f.dataset.criterion, critical: f.dataset.critical === "1", badge: !!f.querySelector(".qa-critical"), values: [...f.querySelectorAll("input[type=radio]")].map((i) => i.value), text: f.querySelector(".qa-crit-text").textContent, guidance: (f.querySelector(".qa-guidance") || {}).textContent || "" })),
    );
    check("form: every criterion of the form, in order", shown.map((s) => s.id).join() === all.map((c) => c.id).join(), shown.map((s) => s.id).join());
    const want = (c) => [...(c.kind.type === "scale" ? Array.from({ length: c.kind.max + 1 }, (_, i) => String(i)) : ["yes", "no"]), ...(c.allow_na ? ["na"] : [])].join();
    check("form: yes/no, 0..max, n/a only where allowed", all.every((c, i) => shown[i] && shown[i].values.join() === want(c)), shown.map((s) => s.id + ":" + s.values.join("/")).join(" "));
    check("form: critical items marked", all.every((c, i) => shown[i] && shown[i].critical === c.critical && shown[i].badge === c.critical) && all.some((c) => c.critical));
    check("form: texts and guidance", all.every((c, i) => shown[i] && shown[i].text === c.text && shown[i].guidance === c.guidance));
    check("form: the sections' titles", (await page.$$eval("#e-sections .qa-section h3", (h) => h.map((x) => x.textContent))).join() === form.sections.map((s) => s.title).join());

    // A save with one criterion unanswered: the 422 at that criterion, nothing saved.
    const partial = { ...first };
    delete partial[missing.id];
    await answer(page, partial);
    await page.fill("#e-comments", COMMENTS);
    await page.click("#e-save");
    await page.waitForSelector(`#crit-${missing.id}[aria-invalid="true"]`, { timeout: 10000 });
    const critMsg = await page.textContent(`#crit-${missing.id} .qa-crit-msg`);
    check("bad save: the refusal shown at the unanswered criterion (422, its field)", (await page.isVisible(`#crit-${missing.id} .qa-crit-msg`)) && critMsg.includes("422") && critMsg.includes(`answers.${missing.id}`), critMsg);
    check("bad save: only that criterion marked, no score shown", (await page.locator("#e-sections [aria-invalid]").count()) === 1 && (await page.isHidden("#e-result")));
    check("bad save: nothing saved", (await api("GET", `/api/qa/evaluations?call=${rec.id}&calibration=true`, qa.token)).body.length === 0);

    await answer(page, { [missing.id]: first[missing.id] });
    check("the page's preview is the test's score", (await page.getAttribute("#e-preview", "data-percent")) === String(expected), `${await page.getAttribute("#e-preview", "data-percent")} vs ${expected}`);
    await page.click("#e-save");
    await page.waitForSelector("#e-result:not([hidden])", { timeout: 10000 });
    const evs = (await api("GET", `/api/qa/evaluations?call=${rec.id}&calibration=true`, qa.token)).body;
    const ev = evs[0];
    must("API: one evaluation of the call, by sunli, counted", evs.length === 1 && ev.evaluator_id === qa.agent.id && !ev.calibration && ev.status === "open", JSON.stringify(evs));
    check("API: its score is the one computed from the form's weights", ev.percent === expected && ev.passed === expected >= form.pass_mark && !ev.critical_failed, `${ev.percent} vs ${expected}`);
    check("API: its answers are the ones ticked", JSON.stringify(Object.entries(ev.answers).sort()) === JSON.stringify(Object.entries(first).sort()), JSON.stringify(ev.answers));
    check("saved: the page shows the server's score", (await page.textContent("#e-score")) === `${expected.toFixed(1)}%` && (await page.getAttribute("#e-result", "data-percent")) === String(ev.percent) && (await page.getAttribute("#e-result", "data-evaluation")) === String(ev.id), (await page.textContent("#e-result")).replace(/\s+/g, " ").trim());
    check("saved: passed and counted said", (await page.textContent("#e-verdict")).includes(ev.passed ? "合格" : "不合格") && (await page.textContent("#e-verdict")).includes("计入考核"), await page.textContent("#e-verdict"));
    check("saved: the criterion's mark is gone", (await page.locator("#e-sections [aria-invalid]").count()) === 0);
    await page.screenshot({ path: path.join(OUT, "qa-evaluate.png"), fullPage: true });

    // A revision: PUT the same evaluation.
    await page.fill("#e-comments", REVISED);
    await page.click("#e-save");
    await page.waitForFunction((c) => document.getElementById("e-save-msg").dataset.kind === "ok" && document.getElementById("e-save-msg").textContent.includes("#"), null, { timeout: 10000 });
    const revised = (await api("GET", `/api/qa/evaluations/${ev.id}`, qa.token)).body;
    check("revision: the same evaluation, comments changed, the score kept", revised.comments === REVISED && revised.percent === expected && (await api("GET", `/api/qa/evaluations?call=${rec.id}&calibration=true`, qa.token)).body.length === 1, JSON.stringify(revised).slice(0, 200));
    check("the page sent POST (refused 422), POST (201), then PUT (200)", evalRequests.join(", ") === "POST 422, POST 201, PUT 200", evalRequests.join(", "));

    // ---- zhangmin: the desk ----
    const ctx2 = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const desk = await ctx2.newPage();
    pages.push(desk);
    watch(desk, problems);
    await desk.goto(BASE + "/desk");
    await pageLogin(desk, "zhangmin", env.AGENT_PASSWORD, "#desk");
    const item = `#qa-list li[data-evaluation="${ev.id}"]`;
    await desk.waitForSelector(item, { timeout: 10000 });
    check("desk: 我的质检 lists the evaluation with the same score", (await desk.textContent(`${item} .qa-score`)) === `${expected.toFixed(1)}%`, await desk.textContent(`${item} .qa-score`));
    const itemText = await desk.textContent(item);
    check("desk: passed, open, the evaluator and the comments (as text)", itemText.includes(ev.passed ? "合格" : "不合格") && itemText.includes("待确认") && itemText.includes("孙丽") && itemText.includes(REVISED), itemText);
    check("desk: no markup made from the comments", (await desk.locator(`${item} b`).count()) === 0);
    await desk.click(`${item} details summary`);
    const rows = await desk.$$eval(`${item} tr[data-criterion]`, (trs) => trs.map((tr) => [tr.dataset.criterion, tr.querySelector(".qa-answer").textContent]));
    check("desk: each criterion's answer", rows.length === all.length && rows.find((r) => r[0] === scale.id)[1] === `${scale.kind.max - 1} / ${scale.kind.max}` && rows.find((r) => r[0] === na.id)[1] === "不适用", JSON.stringify(rows));
    // zhaolei follows the disputes on /wall/qa, open before there is one.
    const ctx3 = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const sup = await ctx3.newPage();
    pages.push(sup);
    watch(sup, problems);
    await sup.goto(BASE + "/wall/qa");
    await pageLogin(sup, "zhaolei", env.SUP_PASSWORD, "#qa");
    await sup.click("#tab-list");
    await sup.waitForSelector("#l-list li", { timeout: 10000 });
    const disp = `#l-list li[data-evaluation="${ev.id}"]`;
    check("disputes: none yet on zhaolei's open list", (await sup.locator(disp).count()) === 0);
    await sup.evaluate(() => {
      window.__openedBefore = true;
    });
    // A dispute needs a note.
    await desk.click(`${item} button[data-act="dispute"]`);
    await desk.waitForSelector(`#qa-note-${ev.id}[aria-invalid="true"]`, { timeout: 10000 });
    check("desk: a dispute without a note is refused at the note (422)", (await desk.textContent(`${item} .qa-note-box .msg`)).includes("422"), await desk.textContent(`${item} .qa-note-box .msg`));
    await desk.fill(`#qa-note-${ev.id}`, DISPUTE);
    await desk.click(`${item} button[data-act="dispute"]`);
    await desk.waitForSelector(`${item}[data-status="disputed"]`, { timeout: 10000 });
    check("desk: disputed, her note shown, no buttons left", (await desk.textContent(`${item} .qa-agent-note`)).includes(DISPUTE) && (await desk.locator(`${item} button[data-act]`).count()) === 0);
    const disputed = (await api("GET", `/api/qa/evaluations/${ev.id}`, agent.token)).body;
    check("API: disputed with her note", disputed.status === "disputed" && disputed.agent_note === DISPUTE, JSON.stringify(disputed).slice(0, 300));
    await desk.screenshot({ path: path.join(OUT, "qa-desk-disputed.png"), fullPage: true });

    // ---- zhaolei: the dispute on /wall/qa, open since before it (no reload) ----
    await sup.waitForSelector(disp, { timeout: 25000 });
    check("disputes: the dispute appears on the open page by itself (no reload)", await sup.evaluate(() => window.__openedBefore === true));
    check("disputes: listed under 申诉中 (the default filter)", (await sup.inputValue("#l-status")) === "disputed" && (await sup.getAttribute(disp, "data-status")) === "disputed");
    check("disputes: the agent's note shown", (await sup.textContent(`${disp} .qa-agent-note`)).includes(DISPUTE));
    await sup.click(`${disp} .qa-resolve button[type=submit]`);
    await sup.waitForSelector(`#r-note-${ev.id}[aria-invalid="true"]`, { timeout: 10000 });
    check("disputes: a resolution without a note is refused (422)", (await sup.textContent(`${disp} .qa-resolve .msg`)).includes("422"), await sup.textContent(`${disp} .qa-resolve .msg`));
    await sup.screenshot({ path: path.join(OUT, "qa-disputes.png"), fullPage: true });
    await sup.fill(`#r-note-${ev.id}`, RESOLUTION);
    await sup.click(`${disp} .qa-resolve button[type=submit]`);
    await sup.waitForSelector('#l-msg[data-kind="ok"]:not([hidden])', { timeout: 10000 });
    check("disputes: resolved, gone from the disputed list", (await sup.locator(disp).count()) === 0, await sup.textContent("#l-msg"));
    const resolved = (await api("GET", `/api/qa/evaluations/${ev.id}`, boss.token)).body;
    check("API: resolved by zhaolei with the note", resolved.status === "resolved" && resolved.resolution_note === RESOLUTION && resolved.resolved_by === boss.agent.id && resolved.resolved_by_name === "赵磊", JSON.stringify(resolved).slice(0, 300));
    await sup.selectOption("#l-status", "resolved");
    await sup.click("#l-form button[type=submit]");
    await sup.waitForSelector(`${disp} .qa-resolution`);
    check("disputes: under 申诉已处理 with the resolution and who gave it", (await sup.textContent(`${disp} .qa-resolution`)).includes(RESOLUTION) && (await sup.textContent(`${disp} .qa-resolution`)).includes("赵磊"));

    // ---- zhangmin's desk shows it resolved ----
    await desk.click("#qa-refresh");
    await desk.waitForSelector(`${item}[data-status="resolved"] .qa-resolution`, { timeout: 10000 });
    check("desk: resolved, the resolution shown with who gave it", (await desk.textContent(`${item} .qa-resolution`)).includes(RESOLUTION) && (await desk.textContent(`${item} .qa-resolution`)).includes("赵磊") && (await desk.textContent(`${item} .qa-status`)) === "申诉已处理");
    await desk.screenshot({ path: path.join(OUT, "qa-desk-resolved.png"), fullPage: true });

    // ---- zhaolei scores the call too: calibration ----
    await sup.goto(BASE + `/wall/qa?call=${rec.id}`);
    await sup.waitForSelector("#e-form:not([hidden])", { timeout: 10000 });
    check("second evaluator: told theirs will be a calibration one", (await sup.textContent("#e-mine")).includes("校准"), await sup.textContent("#e-mine"));
    check("second evaluator: the form starts blank (no one else's answers)", (await sup.locator("#e-sections input:checked").count()) === 0);
    await answer(sup, second);
    await sup.click("#e-save");
    await sup.waitForSelector("#e-result:not([hidden])", { timeout: 10000 });
    check("second evaluator: the server's score, a calibration one", (await sup.getAttribute("#e-result", "data-percent")) === String(expected2) && (await sup.textContent("#e-verdict")).includes("校准"), `${await sup.getAttribute("#e-result", "data-percent")} vs ${expected2}; ${await sup.textContent("#e-verdict")}`);
    await sup.click("#tab-cal");
    const calRow = `#cal-out section[data-call="${rec.id}"]`;
    await sup.waitForSelector(calRow, { timeout: 10000 });
    const cal = (await api("GET", "/api/qa/calibration", boss.token)).body.find((r) => r.call_id === rec.id);
    const spread = round1(Math.abs(expected - expected2));
    check("calibration: the call with the spread (API and page)", !!cal && cal.spread === spread && (await sup.getAttribute(calRow, "data-spread")) === String(spread) && (await sup.textContent(`${calRow} .qa-spread`)).includes(spread.toFixed(1)), `${cal && cal.spread} vs ${spread}`);
    const scores = await sup.$$eval(`${calRow} tr.qa-cal-score td`, (tds) => tds.map((td) => Number(td.dataset.percent)));
    check("calibration: the scores side by side (the counted one first)", scores.join() === `${expected},${expected2}`, scores.join());
    const differ = await sup.$$eval(`${calRow} tr.disagree`, (trs) => trs.map((tr) => tr.dataset.criterion));
    const wantDiffer = all.filter((c) => first[c.id] !== second[c.id]).map((c) => c.id);
    check("calibration: exactly the criteria answered differently highlighted", differ.join() === wantDiffer.join() && (await sup.locator(`${calRow} tr[data-agree="1"]`).count()) === all.length - wantDiffer.length, `${differ.join()} vs ${wantDiffer.join()}`);
    await sup.screenshot({ path: path.join(OUT, "qa-calibration.png"), fullPage: true });

    // ---- the QA report (sunli, from /wall/qa's link) ----
    await page.click("#q-report-link");
    await page.waitForURL((u) => u.pathname === "/wall/reports" && u.hash === "#qa");
    const team = agent.agent.team;
    await page.waitForSelector(`#q-table tbody tr[data-team="${team}"]`, { timeout: 10000 });
    const report = (await api("GET", "/api/reports/qa", qa.token)).body;
    const row = report.rows.find((r) => r.team === team && r.week === ev.week);
    check("API report: the team's week, one counted evaluation, its average, one disputed", !!row && row.evaluations === 1 && row.average === expected && row.disputed === 1, JSON.stringify(report.rows));
    const qcells = await page.$$eval(`#q-table tbody tr[data-team="${team}"][data-week="${ev.week}"] > *`, (c) => c.map((x) => x.textContent));
    check("report page: the team row as the API gives it", qcells.join("|") === [ev.week, team, "1", `${expected.toFixed(1)}%`, String(row.passed), `${(100 * row.passed).toFixed(1)}%`, "0", "1"].join("|"), qcells.join(" | "));
    check("report page: an evaluator sees no call reports", (await page.isHidden("#r-ask-card")) && (await page.isHidden("#r-out")));
    check("report page: the chart drawn", (await page.$eval("#q-chart", (c) => [...c.getContext("2d").getImageData(0, 0, c.width, c.height).data].filter((v, i) => i % 4 === 3 && v > 0).length)) > 300);
    await page.check('#q-form input[value="agent"]');
    await page.waitForSelector(`#q-table tbody tr[data-agent="${agent.agent.id}"]`, { timeout: 10000 });
    check("report page: by agent on the toggle", (await page.textContent(`#q-table tbody tr[data-agent="${agent.agent.id}"]`)).includes("张敏"));
    await page.screenshot({ path: path.join(OUT, "qa-report.png"), fullPage: true });

    // ---- liqiang, who did not take the call ----
    const refusal = await api("GET", `/api/calls/${rec.id}/recording`, other.token);
    check("API: liqiang may not play the recording (403)", refusal.status === 403 && !!refusal.body.error.message, JSON.stringify(refusal.body));
    const byAgent = await api("POST", "/api/qa/evaluations", other.token, { call_id: rec.id, answers: first });
    check("API: nor evaluate it (403)", byAgent.status === 403, JSON.stringify(byAgent.body));
    check("API: nor read zhangmin's evaluation (404)", (await api("GET", `/api/qa/evaluations/${ev.id}`, other.token)).status === 404);
    const ctx4 = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const li = await ctx4.newPage();
    pages.push(li);
    watch(li, problems);
    await li.goto(BASE + `/wall/qa?call=${rec.id}`);
    await pageLogin(li, "liqiang", env.OTHER_PASSWORD, "#qa");
    // Not his call: the API refuses him its record (so its recording too).
    const record = await api("GET", `/api/calls/${rec.id}`, other.token);
    check("API: nor read the call's record (403)", record.status === 403 && !!record.body.error.message, JSON.stringify(record.body));
    await li.waitForFunction(() => (document.getElementById("e-msg").textContent || "").includes("403"), null, { timeout: 10000 });
    const said = await li.textContent("#e-msg");
    check("agent: /wall/qa?call=ID shows the API's 403 message", said.includes(record.body.error.message), said);
    check("agent: no player, no form, no evaluators' tabs", (await li.isHidden("#player")) && (await li.isHidden("#e-form")) && (await li.isHidden("#tab-work")) && (await li.isHidden("#tab-cal")) && (await li.isHidden("#tab-list")));
    check("agent: told where their own evaluations are", (await li.textContent("#q-note")).includes("我的质检"));
    await li.screenshot({ path: path.join(OUT, "qa-refused.png"), fullPage: true });

    // ---- the audit trail ----
    const audit = (await api("GET", "/api/audit?action=qa&limit=100", boss.token)).body;
    const has = (actor, detail, outcome) => audit.some((e) => e.actor === actor && e.detail.startsWith(detail) && e.outcome.startsWith(outcome));
    const lines = audit.map((e) => `${e.actor}: ${e.detail} ${e.outcome}`);
    check("audit: sunli's evaluation with its score", has("sunli", `evaluate call ${rec.id} of agent ${agent.agent.id}: ${expected.toFixed(1)}%`, "applied"), JSON.stringify(lines));
    check("audit: the refused save", has("sunli", `evaluate call ${rec.id}`, "refused"));
    check("audit: the revision", has("sunli", `revise evaluation ${ev.id}`, "applied"));
    check("audit: zhangmin's dispute (and the refused one without a note)", has("zhangmin", `dispute evaluation ${ev.id}`, "applied") && has("zhangmin", `dispute evaluation ${ev.id}`, "refused"));
    check("audit: zhaolei's resolution", has("zhaolei", `resolve the dispute of evaluation ${ev.id}`, "applied"));
    check("audit: zhaolei's calibration evaluation", audit.some((e) => e.actor === "zhaolei" && e.detail.startsWith(`evaluate call ${rec.id}`) && e.detail.endsWith("(calibration)") && e.outcome === "applied"));

    // ---- English ----
    await sup.click("#lang");
    check("English: the tabs and the calibration", (await sup.textContent("#tab-cal")) === "Calibration" && (await sup.textContent(`${calRow} .qa-spread`)).startsWith("Spread"), await sup.textContent("#tab-cal"));
  } catch (e) {
    check("qa check ran to the end", false, e.stack || String(e));
    for (const [i, p] of pages.entries()) await p.screenshot({ path: path.join(OUT, `qa-failed-${i}.png`), fullPage: true }).catch(() => {});
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join(" | "));
    for (const p of phones) await p.stop();
    await browser.close();
  }
  done("qa pages");
})();
