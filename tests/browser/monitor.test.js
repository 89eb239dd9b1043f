"use strict";
// Real-browser check of supervision from the wallboard (/wall), run by monitor.sh (which
// starts the engine): the agent zhangmin's SIPp phone registers and she goes ready; a SIPp
// customer calls and is put through to her. The supervisor zhaolei logs in on /wall: her row
// (on a call) offers Listen, Whisper and Barge. His phone is not registered yet, so Listen is
// refused and the page says so (phone not registered, code phone_offline). Then his SIPp phone
// (extension 1009) registers: Listen → 200, the engine rings that phone (INVITE with
// X-Hotline-Monitor), which answers; Whisper → 200 and Barge → 200, each mode shown on the row;
// Leave → 200, the phone gets the BYE and the row's Leave goes away. The audit trail
// (GET /api/audit?action=monitor) holds the refusal, the start, both changes and the leave.
// Listening again and then the agent hanging up: the page drops the monitoring by itself.
// An agent's row that is not on a call offers nothing; the buttons read in English after the
// switch. No dialog, page error or console error. Prints one line per check and
// "monitor page: N passed, M failed".

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
const CALLER = "13900001234";

/** The last line a phone logged (for a check's detail). */
const last = (phone) => phone.log().trim().split("\n").slice(-1)[0];

/** Waits until the engine's log has `text` `times` times. */
const engineLogged = (text, times) => until(async () => fs.readFileSync(env.ENGINE_LOG, "utf8").split(text).length - 1 >= times, 10000);

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
    const li = (await api("GET", "/api/agents", boss.token)).body.find((a) => a.login === "liqiang");

    const agentPhone = await softphone(env, "agent", "1001", env.AGENT_SIP_PORT, env.AGENT_MEDIA_PORT, "agent_call.xml");
    must("the agent's SIPp phone (1001) registered", !!agentPhone);
    phones.push(agentPhone);
    const ready = await api("PUT", "/api/acd/me/state", agent.token, { state: "ready" });
    must("the agent is ready", ready.status === 200, JSON.stringify(ready.body));

    const caller = call(env, "caller", CALLER, 120000);
    phones.push(caller);
    must("the agent's phone is rung and answers", !!(await agentPhone.logged("agent invited", 20000)), last(agentPhone));
    const onCall = await until(async () => {
      const me = await api("GET", "/api/acd/me", agent.token);
      return me.body.state.state === "on_call";
    }, 10000);
    must("the agent is on the call", !!onCall);

    const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    page = await ctx.newPage();
    watch(page, problems);
    await page.goto(BASE + "/wall");
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#login-name", "zhaolei");
    await page.fill("#login-password", env.SUP_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#wall:not([hidden])");

    const row = `#agent-rows tr[data-agent="${agent.agent.id}"]`;
    await page.waitForSelector(`${row}[data-state="on_call"] .monitor:not([hidden])`, { timeout: 10000 });
    const labels = await page.$$eval(`${row} .monitor button:not([hidden])`, (bs) => bs.map((b) => b.textContent));
    check("wall: the agent on a call offers 监听 耳语 强插 (no 退出 yet)", labels.join(" ") === "监听 耳语 强插", labels.join(" "));
    if (li) {
      const liRow = `#agent-rows tr[data-agent="${li.id}"]`;
      check(
        "wall: an agent not on a call offers no monitoring",
        (await page.locator(liRow).count()) === 1 && (await page.locator(`${liRow} .monitor`).isHidden()),
        await page.getAttribute(liRow, "data-state"),
      );
    }

    /** Clicks a row's button and waits for the API's answer: its status. */
    const click = async (mode, method) => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/api/acd/agents/${agent.agent.id}/monitor`) && r.request().method() === method, { timeout: 10000 }),
        page.click(`${row} .monitor button[data-mode="${mode}"]`),
      ]);
      return res.status();
    };
    const shown = () =>
      page.evaluate((sel) => {
        const r = document.querySelector(sel);
        const pressed = [...r.querySelectorAll(".monitor button[aria-pressed=true]")].map((b) => b.dataset.mode);
        const leave = r.querySelector('.monitor button[data-mode="leave"]');
        return { mode: r.dataset.monitor, text: r.querySelector(".mon-mode").textContent, pressed: pressed.join(","), leave: !leave.hidden };
      }, row);
    /** What the row shows once the page has handled the answer and shows `mode` ("" for none), or
     * what it shows after 10 s (the page handles the answer after it arrives: CI read the row
     * between the two). */
    const shownAs = async (mode) => {
      await page.waitForSelector(`${row}[data-monitor="${mode}"]`, { timeout: 10000 }).catch(() => {});
      return shown();
    };
    const msg = async () => ({ kind: await page.getAttribute("#monitor-msg", "data-kind"), code: await page.getAttribute("#monitor-msg", "data-code"), text: await page.textContent("#monitor-msg") });

    // The supervisor's phone is not registered: refused, said in words, nothing shown as on.
    let status = await click("listen", "PUT");
    // The page says it once the answer is handled (CI read the message's attributes before it
    // had set them all).
    await page.waitForSelector('#monitor-msg[data-kind="error"][data-code]', { timeout: 10000 }).catch(() => {});
    let m = await msg();
    check("wall: Listen without a registered phone is refused (409)", status === 409, String(status));
    check(
      "wall: the refusal says the phone is not registered",
      m.kind === "error" && m.code === "phone_offline" && m.text.includes("话机未注册") && m.text.includes("409") && m.text.includes("张敏"),
      m.text,
    );
    let s = await shown();
    check("wall: no mode shown after the refusal", s.mode === "" && !s.leave && s.pressed === "", JSON.stringify(s));
    await page.screenshot({ path: path.join(OUT, "monitor-offline.png"), fullPage: true });

    // The supervisor's phone registers.
    const supPhone = await softphone(env, "supervisor", "1009", env.SUP_SIP_PORT, env.SUP_MEDIA_PORT, "supervisor_call.xml");
    must("the supervisor's SIPp phone (1009) registered", !!supPhone);
    phones.push(supPhone);

    status = await click("listen", "PUT");
    check("wall: Listen → 200", status === 200, String(status));
    s = await shownAs("listen");
    m = await msg();
    check("wall: the row shows 监听中 and Listen pressed, with 退出", s.mode === "listen" && s.text === "监听中" && s.pressed === "listen" && s.leave, JSON.stringify(s));
    check("wall: the page says the phone is being rung", m.kind === "ok" && m.text.includes("话机"), m.text);
    check("supervisor's phone: rung with X-Hotline-Monitor", !!(await supPhone.logged("supervisor invited", 10000)), last(supPhone));
    check("engine: the supervisor's phone answered and joined the call", !!(await engineLogged("monitoring: the supervisor is in", 1)));

    status = await click("whisper", "PUT");
    s = await shownAs("whisper");
    check("wall: Whisper → 200, 耳语中 shown", status === 200 && s.mode === "whisper" && s.text === "耳语中" && s.pressed === "whisper", `${status} ${JSON.stringify(s)}`);
    status = await click("barge", "PUT");
    s = await shownAs("barge");
    check("wall: Barge → 200, 强插中 shown", status === 200 && s.mode === "barge" && s.text === "强插中" && s.pressed === "barge", `${status} ${JSON.stringify(s)}`);
    m = await msg();
    check("wall: the change is said", m.kind === "ok" && m.text.includes("已切换为强插中"), m.text);
    check("supervisor's phone: still one call (a change does not ring again)", supPhone.log().split("supervisor invited").length - 1 === 1, last(supPhone));
    check("engine: the mode changed twice in the call", !!(await engineLogged("monitoring mode changed", 2)));
    await page.screenshot({ path: path.join(OUT, "monitor.png"), fullPage: true });

    status = await click("leave", "DELETE");
    s = await shownAs("");
    check("wall: Leave → 200, no mode, no 退出", status === 200 && s.mode === "" && !s.leave && s.pressed === "", `${status} ${JSON.stringify(s)}`);
    check("supervisor's phone: the engine hung it up (BYE)", !!(await supPhone.logged("supervisor call done", 10000)), last(supPhone));
    check("wall: the agent is still on the call", (await page.getAttribute(row, "data-state")) === "on_call");

    // The audit trail: refusal, start, two changes, leave (newest first from the API).
    const audit = (await api("GET", "/api/audit?action=monitor", boss.token)).body;
    const steps = audit.map((e) => `${e.detail} · ${e.outcome.startsWith("refused") ? "refused" : e.outcome}`).reverse();
    check(
      "audit: refusal, listen, whisper, barge, leave",
      JSON.stringify(steps) ===
        JSON.stringify([
          "listen on the call of zhangmin · refused",
          "listen on the call of zhangmin · applied",
          "whisper on the call of zhangmin · applied",
          "barge on the call of zhangmin · applied",
          "leave the call of zhangmin · applied",
        ]),
      steps.join(" | "),
    );
    check("audit: each entry is zhaolei's on zhangmin", audit.every((e) => e.actor === "zhaolei" && e.target_agent_id === agent.agent.id), "");

    // English.
    await page.click("#lang");
    const en = await page.$$eval(`${row} .monitor button:not([hidden])`, (bs) => bs.map((b) => b.textContent));
    check("wall: the buttons in English", en.join(" ") === "Listen Whisper Barge", en.join(" "));
    await page.click("#lang");

    // Listening again; the agent hangs up: the page ends the monitoring by itself.
    status = await click("listen", "PUT");
    s = await shownAs("listen");
    check("wall: Listen again → 200, 监听中 shown", status === 200 && s.mode === "listen", `${status} ${JSON.stringify(s)}`);
    check("supervisor's phone: rung again", !!(await supPhone.logged("supervisor invited", 10000, 2)), last(supPhone));
    const hang = await api("POST", "/api/acd/me/call/hangup", agent.token);
    check("the agent hangs up", hang.status === 200, `${hang.status} ${JSON.stringify(hang.body)}`);
    await page.waitForSelector(`${row}:not([data-state="on_call"])`, { timeout: 10000 }).catch(() => null);
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.monitor === "", row, { timeout: 5000 }).catch(() => null);
    s = await shown();
    m = await msg();
    check("wall: the call's end ends the monitoring on the page", s.mode === "" && !s.leave && m.text.includes("通话已结束"), `${JSON.stringify(s)} ${m.text}`);
    check("wall: no monitoring buttons once the call ended", await page.locator(`${row} .monitor`).isHidden());
    check("supervisor's phone: hung up with the call", !!(await supPhone.logged("supervisor call done", 10000, 2)), last(supPhone));
  } catch (e) {
    check("monitor check ran to the end", false, e.stack || String(e));
    if (page) await page.screenshot({ path: path.join(OUT, "monitor-failed.png"), fullPage: true }).catch(() => {});
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join(" | "));
    for (const p of phones) await p.stop();
    await browser.close();
  }
  done("monitor page");
})();
