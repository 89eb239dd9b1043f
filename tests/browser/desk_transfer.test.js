"use strict";
// Real-browser check of the desk's call controls (/desk), run by desk_transfer.sh (which
// starts the engine): consult, complete, cancel, conference, mute, blind transfer to an agent
// or a number, and the dial pad. SIPp phones: zhangmin's (1001) answers the ACD's offers,
// liqiang's (1002) rings 2.5 s and answers each consultation or transfer, wangfang's (1003)
// is busy (486); the customers stay until the engine hangs them up.
//   zhangmin logs in on the login page and goes ready. Not on a call, the dial pad is usable:
//   110 keyed on the pad → the API's 403 (dial rules, naming number) shown; "12a" → the 422
//   shown; a mobile number → 503 no outbound route shown; she is still ready (nothing dialled).
//   A customer calls and is put through to her: the dial pad is disabled, the consult list
//   offers liqiang and wangfang (phones registered, not on a call) and neither her nor
//   chenjing (no phone). Mute → 200, Unmute → 200 (the engine logs both). A blind transfer to
//   110 → 403 shown, the call goes on. Consult wangfang → 200, her phone answers 486: the
//   live stream's call_notice (consult_not_reached) is shown and the consult controls come
//   back. Consult liqiang by keyboard → 200; Complete at once → the API's 422 ("the target
//   has not answered yet") shown and the buttons stay usable; his phone gets the INVITE and
//   answers; Conference → 200, shown (and mute works in it); Cancel → 200, his phone gets the
//   BYE. Consult liqiang again → Complete → 200: zhangmin's phone gets the BYE, the desk shows
//   the wrap-up, GET /api/acd has her in wrap_up; liqiang hangs up (API): the customer gets the
//   BYE and the call's record (GET /api/calls?call_ref= of the screen pop) has agent_id
//   zhangmin and transfer_agent_id liqiang. A second customer: transferred blind to liqiang
//   from the transfer list → 200, her phone gets the BYE, his the INVITE; its record names him
//   too. The controls read in English after the switch. No dialog, page error or console
//   error. Prints one line per check and "desk transfer: N passed, M failed".

const fs = require("fs");
const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");
const { until, softphone, call } = require("./phones");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const api = apiOf(BASE);
const { check, done } = checker();
const problems = [];
const CALLER1 = "13900002001";
const CALLER2 = "13900002002";

/** The last line a phone logged (for a check's detail). */
const last = (phone) => phone.log().trim().split("\n").slice(-1)[0];

/** The engine's log lines matching `re`. */
const engineLines = (re) => fs.readFileSync(env.ENGINE_LOG, "utf8").split("\n").filter((l) => re.test(l));

/** Waits until the engine bridged caller `call` with the agent (the staff number said): call
 * control is taken from then on (a debug line of hotline_call::control::queue). */
const bridged = (call) => until(async () => engineLines(new RegExp(`caller and agent bridged caller=c${call} `)).length > 0, 15000);

function must(name, cond, detail) {
  if (!check(name, cond, detail)) throw new Error("stopped after: " + name);
}

async function login(who, password) {
  const r = await api("POST", "/api/login", null, { login: who, password });
  if (r.status !== 200) throw new Error(`login ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

(async () => {
  const browser = await launch();
  const phones = [];
  let page = null;
  try {
    const agent = await login("zhangmin", env.AGENT_PASSWORD);
    const boss = await login("zhaolei", env.SUP_PASSWORD);
    const li = await login("liqiang", env.LI_PASSWORD);
    const me = agent.agent.id;
    const liId = li.agent.id;
    const everyone = (await api("GET", "/api/agents", boss.token)).body;
    const wangId = everyone.find((a) => a.login === "wangfang").id;
    const chenId = everyone.find((a) => a.login === "chenjing").id;
    const agentView = await api("GET", "/api/agents", agent.token);
    check("GET /api/agents (skills, ratings) is for supervisors", agentView.status === 403, String(agentView.status));
    const directory = await api("GET", "/api/directory", agent.token);
    check("GET /api/directory names the colleagues to an agent", directory.status === 200 && directory.body.some((a) => a.id === liId && a.name === "李强"), JSON.stringify(directory.body));

    const agentPhone = await softphone(env, "agent", "1001", env.AGENT_SIP_PORT, env.AGENT_MEDIA_PORT, "agent_call.xml");
    must("zhangmin's SIPp phone (1001) registered", !!agentPhone);
    phones.push(agentPhone);
    const liPhone = await softphone(env, "liqiang", "1002", env.LI_SIP_PORT, env.LI_MEDIA_PORT, "consult_call.xml");
    must("liqiang's SIPp phone (1002) registered", !!liPhone);
    phones.push(liPhone);
    const wangPhone = await softphone(env, "wangfang", "1003", env.WANG_SIP_PORT, env.WANG_MEDIA_PORT, "walk_busy.xml");
    must("wangfang's SIPp phone (1003, busy) registered", !!wangPhone);
    phones.push(wangPhone);
    // liqiang is in the ACD but not ready: the queue's calls go to zhangmin only.
    const liIn = await api("PUT", "/api/acd/me/state", li.token, { state: "not_ready", reason: "meeting" });
    must("liqiang is logged in to the ACD, not ready", liIn.status === 200, JSON.stringify(liIn.body));

    const acdOf = async (id) => {
      const snap = (await api("GET", "/api/acd", agent.token)).body;
      return snap.agents.find((a) => a.id === id) || null;
    };
    const stateOf = async (id) => ((await acdOf(id)) || { state: {} }).state.state;

    // ---- the desk: the login page, ready ----
    const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 1600, height: 1100 } });
    page = await ctx.newPage();
    watch(page, problems);
    await page.goto(BASE + "/desk");
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#login-name", "zhangmin");
    await page.fill("#login-password", env.AGENT_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#desk:not([hidden])");
    await page.waitForSelector('#live[data-status="live"]', { timeout: 10000 });
    await page.click("#btn-ready");
    await page.waitForSelector('#state-name[data-state="ready"]', { timeout: 5000 });
    must("desk: zhangmin is ready", (await stateOf(me)) === "ready");

    /** Runs `act` and waits for the API's answer to `suffix` (POST), and for the page to say
     * something about it in #`said` (cleared when the request went out): the status. */
    const answer = async (suffix, act, said) => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(suffix) && r.request().method() === "POST", { timeout: 10000 }),
        act(),
      ]);
      if (said !== null) await page.waitForSelector(`#${said || "call-msg"}:not([hidden])`, { timeout: 5000 }).catch(() => {});
      return res.status();
    };
    const msg = async (id) => ({
      kind: await page.getAttribute("#" + id, "data-kind"),
      text: ((await page.textContent("#" + id)) || "").trim(),
      shown: await page.isVisible("#" + id),
    });
    const disabled = (sel) => page.isDisabled(sel);
    const labels = () =>
      page.evaluate(() => {
        const txt = (id) => document.getElementById(id).textContent.trim();
        return {
          mute: txt("btn-mute"),
          consult: txt("btn-consult"),
          complete: txt("btn-complete"),
          cancel: txt("btn-consult-cancel"),
          conference: txt("btn-conference"),
          dial: txt("dial-h"),
          call: txt("dial-call"),
        };
      });

    // ---- the dial pad, not on a call ----
    check("dial pad: usable when not on a call", !(await disabled("#dial-call")) && !(await disabled("#dial-pad button[data-key='1']")));
    check("call controls: consult and mute disabled without a call", (await disabled("#btn-consult")) && (await disabled("#btn-mute")));
    for (const k of ["1", "1", "0"]) await page.click(`#dial-pad button[data-key="${k}"]`);
    check("dial pad: the keys type the number", (await page.inputValue("#dial-number")) === "110", await page.inputValue("#dial-number"));
    await page.focus("#dial-call");
    let status = await answer("/api/acd/me/dial", () => page.keyboard.press("Enter"), "dial-msg");
    let m = await msg("dial-msg");
    check("dial pad: 110 → 403 from the dial rules", status === 403, String(status));
    check(
      "dial pad: the refusal shown, naming the number field",
      m.shown && m.kind === "error" && m.text.includes("403") && m.text.includes("(number)") && (await page.getAttribute("#dial-number", "aria-invalid")) === "true",
      m.text,
    );
    check("dial pad: the number field has the focus after the refusal", await page.evaluate(() => document.activeElement.id === "dial-number"));
    await page.click('#dial-pad button[data-key="clear"]');
    await page.type("#dial-number", "12a");
    status = await answer("/api/acd/me/dial", () => page.keyboard.press("Enter"), "dial-msg");
    m = await msg("dial-msg");
    check("dial pad: a bad number → 422 shown", status === 422 && m.kind === "error" && m.text.includes("422") && m.text.includes("12a"), `${status} ${m.text}`);
    await page.fill("#dial-number", "138 0013 8000");
    status = await answer("/api/acd/me/dial", () => page.click("#dial-call"), "dial-msg");
    m = await msg("dial-msg");
    check("dial pad: a mobile number without an outbound route → 503 shown", status === 503 && m.text.includes("503") && m.text.includes("outbound route"), `${status} ${m.text}`);
    check("engine: nothing was dialled, zhangmin still ready", (await stateOf(me)) === "ready" && agentPhone.log().split("agent invited").length === 1);

    // ---- a customer's call ----
    const caller1 = call(env, "caller1", CALLER1, 240000, "desk_caller.xml");
    phones.push(caller1);
    must("zhangmin's phone is rung and answers", !!(await agentPhone.logged("agent invited", 20000)), last(agentPhone));
    await page.waitForSelector('#state-name[data-state="on_call"]', { timeout: 10000 });
    must("desk: on the call (engine: on_call)", (await stateOf(me)) === "on_call" && ((await page.textContent("#call-caller")) || "").trim() === CALLER1);
    check("dial pad: disabled during the call, its last message gone", (await disabled("#dial-call")) && (await disabled("#dial-number")) && (await page.isHidden("#dial-msg")));

    await page.waitForSelector(`#consult-target option[value="agent:${liId}"]`, { state: "attached", timeout: 10000 });
    const offered = await page.$$eval("#consult-target option", (os) => os.map((o) => o.value));
    check(
      "consult list: liqiang and wangfang (phones registered, free), not zhangmin nor chenjing (no phone), the queues, a number",
      offered.includes(`agent:${wangId}`) && !offered.includes(`agent:${me}`) && !offered.includes(`agent:${chenId}`) && offered.includes("queue:general") && offered.includes("number"),
      offered.join(" "),
    );
    const liLabel = await page.textContent(`#consult-target option[value="agent:${liId}"]`);
    check("consult list: a colleague by name and staff number, with the state (李强 1024 示忙)", liLabel.includes("示忙") && liLabel.includes("李强") && liLabel.includes("1024"), liLabel);
    const xferOffered = await page.$$eval("#xfer-target option", (os) => os.map((o) => o.value));
    check(
      "transfer list: queues, flows, the free agents and a number",
      xferOffered.includes("queue:general") && xferOffered.includes("flow:survey") && xferOffered.includes(`agent:${liId}`) && xferOffered.includes("number"),
      xferOffered.join(" "),
    );

    // Right after the answer the caller hears zhangmin's staff number: the engine refuses call
    // control until it is through to her (409 no_call), which the desk explains.
    const pop1 = await page.evaluate(() => JSON.parse(sessionStorage.getItem("hotline.pop") || "null"));
    status = await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    if (status === 409) {
      m = await msg("call-msg");
      check("mute during the staff-number announcement: 409 shown with the reason", m.text.includes("409") && m.text.includes("工号播报") && (await page.getAttribute("#btn-mute", "aria-pressed")) === "false", m.text);
    } else {
      console.log(`note: the announcement was over before the first click (${status}); muted, unmuting`);
      await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    }
    must("engine: the customer is through to zhangmin (staff number said)", !!(await bridged(pop1.call)));
    const mutes = engineLines(/ mute .*on=/).length;

    // ---- mute ----
    status = await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    check(
      "mute: 静音 → 200, shown pressed as 取消静音",
      status === 200 && (await page.getAttribute("#btn-mute", "aria-pressed")) === "true" && (await page.textContent("#btn-mute")) === "取消静音",
      String(status),
    );
    status = await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    check("mute: 取消静音 → 200, not pressed", status === 200 && (await page.getAttribute("#btn-mute", "aria-pressed")) === "false", String(status));
    check(
      "engine: muted and unmuted the call",
      engineLines(/ mute .*on=/).length === mutes + 2 && / mute .*on=false/.test(engineLines(/ mute .*on=/).pop()),
      engineLines(/ mute /).length + " lines",
    );

    // ---- a blind transfer to a number the dial rules refuse ----
    await page.selectOption("#xfer-target", "number");
    check("transfer: picking a number shows its field, focused", (await page.isVisible("#xfer-number")) && (await page.evaluate(() => document.activeElement.id === "xfer-number")));
    await page.keyboard.type("110");
    status = await answer("/api/acd/me/call/transfer", () => page.keyboard.press("Enter"));
    m = await msg("call-msg");
    check("transfer: to 110 → 403 shown, the number field marked", status === 403 && m.kind === "error" && m.text.includes("(number)") && (await page.getAttribute("#xfer-number", "aria-invalid")) === "true", `${status} ${m.text}`);
    check("engine: still on the call after the refusal", (await stateOf(me)) === "on_call");

    // ---- consult wangfang, whose phone is busy: the notice ----
    await page.selectOption("#consult-target", `agent:${wangId}`);
    status = await answer("/api/acd/me/call/consult", () => page.click("#btn-consult"));
    check("consult: wangfang → 200", status === 200, String(status));
    check("wangfang's phone: rung, answered busy", !!(await wangPhone.logged("phone busy", 10000)), last(wangPhone));
    const noticed = await page
      .waitForFunction(() => document.getElementById("call-msg").textContent.includes("咨询对象未接通"), null, { timeout: 10000 })
      .then(() => true, () => false);
    m = await msg("call-msg");
    check("desk: the not-reached notice from the live stream is shown", noticed && m.kind === "error", m.text);
    check("desk: back to the consult controls", (await page.isHidden("#consult-run")) && (await page.isVisible("#btn-consult")));
    check("engine: zhangmin still on the call with the customer", (await stateOf(me)) === "on_call");

    // ---- consult liqiang (by keyboard), refused before he answers, conference, cancel ----
    await page.selectOption("#consult-target", `agent:${liId}`);
    await page.focus("#btn-consult");
    status = await answer("/api/acd/me/call/consult", () => page.keyboard.press("Enter"));
    must("consult: liqiang → 200", status === 200, String(status));
    check(
      "desk: the consultation shown (正在咨询), the focus on 完成转接",
      (await page.isVisible("#consult-run")) &&
        ((await page.textContent("#consult-status")) || "").includes("正在咨询") &&
        (await page.evaluate(() => document.activeElement.id === "btn-complete")),
      await page.textContent("#consult-status"),
    );
    status = await answer("/api/acd/me/call/complete", () => page.keyboard.press("Enter"));
    m = await msg("call-msg");
    check("complete before the answer → 422, the API's words shown", status === 422 && m.text.includes("the target has not answered yet") && m.text.includes("(consult)"), `${status} ${m.text}`);
    check(
      "desk: the consultation's buttons stay usable after the refusal",
      (await page.isVisible("#consult-run")) && !(await disabled("#btn-complete")) && !(await disabled("#btn-conference")) && !(await disabled("#btn-consult-cancel")),
    );
    check(
      "during the consultation: hold and mute wait, no transfer list, hang-up usable",
      (await disabled("#btn-hold")) && (await page.isHidden("#xfer-box")) && (await disabled("#btn-mute")) && !(await disabled("#btn-hangup")),
    );
    check("liqiang's phone: rung for the consultation", !!(await liPhone.logged("consult invited", 10000)), last(liPhone));
    must("liqiang's phone: answered", !!(await liPhone.logged("consult answered", 10000)), last(liPhone));

    status = await answer("/api/acd/me/call/conference", () => page.click("#btn-conference"));
    check("conference → 200", status === 200, String(status));
    check(
      "desk: the conference shown (三方会议中, pressed)",
      (await page.getAttribute("#consult-run", "data-phase")) === "conference" &&
        ((await page.textContent("#consult-status")) || "").includes("三方会议中") &&
        (await page.getAttribute("#btn-conference", "aria-pressed")) === "true",
      await page.textContent("#consult-status"),
    );
    check("engine: the conference is on", engineLines(/ conference /).length === 1);
    await page.screenshot({ path: path.join(OUT, "desk-conference.png"), fullPage: true });
    status = await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    const unmute = await answer("/api/acd/me/call/mute", () => page.click("#btn-mute"));
    check("mute in the conference → 200, unmute → 200", status === 200 && unmute === 200, `${status} ${unmute}`);

    status = await answer("/api/acd/me/call/cancel", () => page.click("#btn-consult-cancel"));
    check("cancel → 200, back with the customer", status === 200 && (await page.isHidden("#consult-run")) && (await msg("call-msg")).text.includes("已取消咨询"), String(status));
    check("keyboard: after the cancel the focus is on 咨询 again", await page.evaluate(() => document.activeElement.id === "btn-consult"));
    check("liqiang's phone: hung up by the engine (BYE)", !!(await liPhone.logged("consult call done", 10000)), last(liPhone));
    check("engine: zhangmin still on the call", (await stateOf(me)) === "on_call");

    // ---- consult liqiang again and complete ----
    await page.selectOption("#consult-target", `agent:${liId}`);
    status = await answer("/api/acd/me/call/consult", () => page.click("#btn-consult"));
    must("consult again → 200", status === 200, String(status));
    must("liqiang's phone: rung and answered again", !!(await liPhone.logged("consult answered", 10000, 2)), last(liPhone));
    status = await answer("/api/acd/me/call/complete", () => page.click("#btn-complete"), null);
    check("complete → 200", status === 200, String(status));
    check("zhangmin's phone: hung up by the engine (BYE)", !!(await agentPhone.logged("agent call done", 10000)), last(agentPhone));
    const wrapped = await page.waitForSelector('#state-name[data-state="wrap_up"]', { timeout: 10000 }).then(() => true, () => false);
    check("desk: the wrap-up shown", wrapped && ((await page.textContent("#state-name")) || "").includes("话后整理"), await page.textContent("#state-name"));
    check("desk: no consultation, the call shown as ended", (await page.isHidden("#consult-run")) && ((await page.textContent("#call-status")) || "").includes("通话已结束"));
    check("desk: the transfer's refusal mark gone with the call", (await page.getAttribute("#xfer-number", "aria-invalid")) === null);
    check("keyboard: the focus is not lost with the consultation's buttons (the call's heading has it)", await page.evaluate(() => document.activeElement.id === "call-h"));
    check("engine: zhangmin in wrap_up (GET /api/acd)", (await stateOf(me)) === "wrap_up", await stateOf(me));
    await page.screenshot({ path: path.join(OUT, "desk-wrapup.png"), fullPage: true });

    // liqiang has the customer now; he hangs up, the customer's call ends, its record is written.
    const liHang = await until(async () => (await api("POST", "/api/acd/me/call/hangup", li.token)).status === 200, 5000);
    check("liqiang (who has the customer now) hangs up → 200", !!liHang);
    check("the customer: hung up by the engine", !!(await caller1.logged("caller got bye", 10000)), last(caller1));
    const record = async (ref) =>
      until(async () => {
        const r = (await api("GET", "/api/calls?call_ref=" + encodeURIComponent(ref), boss.token)).body[0];
        return r && r.ended_at ? r : null;
      }, 10000);
    const rec1 = pop1 && pop1.call_ref ? await record(pop1.call_ref) : null;
    check(
      "call record: agent_id zhangmin, transfer_agent_id liqiang",
      !!rec1 && rec1.agent_id === me && rec1.transfer_agent_id === liId && rec1.caller === CALLER1,
      JSON.stringify(rec1 && { agent_id: rec1.agent_id, transfer_agent_id: rec1.transfer_agent_id, caller: rec1.caller }),
    );
    await caller1.exited;

    // ---- a second call: a blind transfer to liqiang ----
    await page.click("#btn-end-wrap");
    await page.waitForSelector('#state-name[data-state="ready"]', { timeout: 5000 });
    const caller2 = call(env, "caller2", CALLER2, 240000, "desk_caller.xml");
    phones.push(caller2);
    must("zhangmin's phone is rung for the second call", !!(await agentPhone.logged("agent invited", 20000, 2)), last(agentPhone));
    await page.waitForFunction((c) => document.getElementById("call-caller").textContent === c && document.getElementById("state-name").dataset.state === "on_call", CALLER2, { timeout: 10000 });
    const pop2 = await page.evaluate(() => JSON.parse(sessionStorage.getItem("hotline.pop") || "null"));
    must("engine: the second customer is through to zhangmin", !!pop2 && pop2.call !== pop1.call && !!(await bridged(pop2.call)));

    // English, then back.
    await page.click("#lang");
    const en = await labels();
    check(
      "English: Mute, Consult, Dial, Call",
      en.mute === "Mute" && en.consult === "Consult" && en.dial === "Dial" && en.call === "Call" && en.complete === "Complete transfer" && en.conference === "Conference",
      JSON.stringify(en),
    );
    await page.click("#lang");
    const zh = await labels();
    check("中文: 静音 咨询 完成转接 取消咨询 三方会议 拨号 呼叫", JSON.stringify(Object.values(zh)) === JSON.stringify(["静音", "咨询", "完成转接", "取消咨询", "三方会议", "拨号", "呼叫"]), JSON.stringify(zh));

    await page.waitForSelector(`#xfer-target option[value="agent:${liId}"]`, { state: "attached", timeout: 10000 });
    await page.selectOption("#xfer-target", `agent:${liId}`);
    status = await answer("/api/acd/me/call/transfer", () => page.click("#btn-xfer"), null);
    check("blind transfer to liqiang → 200", status === 200, String(status));
    check("zhangmin's phone: hung up at once (BYE)", !!(await agentPhone.logged("agent call done", 10000, 2)), last(agentPhone));
    const wrapped2 = await page.waitForSelector('#state-name[data-state="wrap_up"]', { timeout: 10000 }).then(() => true, () => false);
    check("desk: the wrap-up after the blind transfer", wrapped2 && (await stateOf(me)) === "wrap_up");
    check("liqiang's phone: rung and answered for the transfer", !!(await liPhone.logged("consult answered", 10000, 3)), last(liPhone));
    const liHang2 = await until(async () => (await api("POST", "/api/acd/me/call/hangup", li.token)).status === 200, 5000);
    check("liqiang hangs up the second call → 200", !!liHang2);
    check("the second customer: hung up by the engine", !!(await caller2.logged("caller got bye", 10000)), last(caller2));
    const rec2 = pop2 && pop2.call_ref && pop2.call_ref !== (pop1 && pop1.call_ref) ? await record(pop2.call_ref) : null;
    check(
      "call record of the blind transfer: transfer_agent_id liqiang",
      !!rec2 && rec2.agent_id === me && rec2.transfer_agent_id === liId && rec2.caller === CALLER2,
      JSON.stringify(rec2 && { agent_id: rec2.agent_id, transfer_agent_id: rec2.transfer_agent_id, caller: rec2.caller }),
    );
    check("liqiang's phone: every call of his ended by the engine (BYE)", !!(await liPhone.logged("consult call done", 10000, 3)), last(liPhone));

    // ---- the first call's consultations, recorded with it, on /wall/calls (zhaolei) ----
    const detail1 = rec1 ? (await api("GET", `/api/calls/${rec1.id}`, boss.token)).body : {};
    const consults = (detail1.other_recordings || []).filter((o) => o.kind === "consult" && o.available);
    check("the first call: its two answered consultations recorded with it (the busy one not)", consults.length === 2, JSON.stringify(detail1.other_recordings));
    const wall = await ctx.newPage();
    watch(wall, problems);
    await wall.goto(BASE + "/wall/calls");
    await wall.waitForSelector("#login:not([hidden])");
    await wall.fill("#login-name", "zhaolei");
    await wall.fill("#login-password", env.SUP_PASSWORD);
    await wall.click("#login-form button[type=submit]");
    await wall.waitForSelector("#calls:not([hidden])");
    await wall.fill("#c-phone", CALLER1);
    await wall.click("#c-form button[type=submit]");
    await wall.waitForSelector(`#c-rows tr[data-call="${rec1 && rec1.id}"] button`, { timeout: 10000 });
    await wall.click(`#c-rows tr[data-call="${rec1 && rec1.id}"] button`);
    await wall.waitForSelector("#p-parts:not([hidden]) button[data-other]", { timeout: 10000 });
    const parts = await wall.$$eval("#p-parts button", (bs) => bs.map((b) => [b.dataset.other, b.textContent]));
    check("player: the call's own recording and its two consultations offered", parts.length === 3 && parts[0][0] === "" && parts.slice(1).every((p) => p[1].startsWith("咨询录音")), JSON.stringify(parts));
    await wall.click(`#p-parts button[data-other="${consults[0] && consults[0].id}"]`);
    await wall.waitForSelector(`#player[data-other="${consults[0] && consults[0].id}"][data-state="ready"], #player[data-state="refused"], #player[data-state="bad"]`, { timeout: 20000 });
    check(
      "player: a consultation plays, its sides labelled (咨询方坐席 / 被咨询方)",
      (await wall.getAttribute("#player", "data-state")) === "ready" && (await wall.textContent("#p-left-h")).includes("咨询方坐席") && (await wall.textContent("#p-right-h")).includes("被咨询方"),
      await wall.textContent("#p-msg"),
    );
    await wall.screenshot({ path: path.join(OUT, "consult-recording.png"), fullPage: true });
  } catch (e) {
    check("desk transfer check ran to the end", false, e.stack || String(e));
    if (page) await page.screenshot({ path: path.join(OUT, "desk-transfer-failed.png"), fullPage: true }).catch(() => {});
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join(" | "));
    for (const p of phones) await p.stop();
    await browser.close();
  }
  done("desk transfer");
})();
