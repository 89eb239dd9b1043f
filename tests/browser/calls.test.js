"use strict";
// Real-browser check of the call search and recording player (/wall/calls), run by calls.sh
// (which starts the engine, recording its calls): the agent zhangmin's SIPp phone registers
// and she goes ready; a SIPp customer calls, talks (a tone on the left channel) and hangs up
// after about 12 s, so a real stereo recording of over 256 KiB exists. Then:
//   zhaolei (floor supervisor) logs in on /wall/calls; a refused search (a phone of two
//   digits) names the field and marks the input; the search by the caller's number finds the
//   call with the API's caller, agent, queue, talk time, outcome and "recording: yes"; 收听
//   fetches the recording in Range requests of 256 KiB, each answered 206, contiguous up to
//   Content-Range's total, the token never in a URL; the audio element gets the whole file
//   (its duration is the WAV's) and plays; both canvases show a waveform (the caller's tone
//   bursts on the left, the staff-number prompt on the right: pixels away from the centre
//   line); GET /api/audit?action=recording has one playback of zhaolei for that call.
//   liqiang, an agent who did not take the call: the API refuses him its recording (403,
//   audited) and its record (403), and his search by the caller's number finds nothing (the
//   page says agents find their own calls only). The page in English.
// No dialog, page error or console error. Prints one line per check and
// "calls page: N passed, M failed".

const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");
const { until, softphone, call } = require("./phones");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const api = apiOf(BASE);
const { check, done } = checker();
const problems = [];
const CALLER = "13700004321";
const HOLD_MS = 12000;
const CHUNK = 256 * 1024;

function must(name, cond, detail) {
  if (!check(name, cond, detail)) throw new Error("stopped after: " + name);
}

async function login(who, password) {
  const r = await api("POST", "/api/login", null, { login: who, password });
  if (r.status !== 200) throw new Error(`login ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Logs in on the page (already at /wall/calls). */
async function pageLogin(page, who, password) {
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#login-name", who);
  await page.fill("#login-password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#calls:not([hidden])");
}

/** Searches by the caller's number on the page; waits for the call's row. */
async function findByPhone(page, phone, id) {
  await page.fill("#c-phone", phone);
  await page.click("#c-form button[type=submit]");
  await page.waitForSelector(`#c-rows tr[data-call="${id}"]`, { timeout: 10000 });
}

/**
 * Of a waveform canvas: the columns drawn beyond `away` pixels from the centre line (the
 * background, the centre line and the playhead are not ink).
 */
function inkedColumns(page, id, away) {
  return page.$eval(
    "#" + id,
    (c, away) => {
      const ctx = c.getContext("2d");
      const { width, height } = c;
      const d = ctx.getImageData(0, 0, width, height).data;
      const mid = height / 2;
      const plain = (r, g, b) => (r === 0xf3 && g === 0xf6 && b === 0xfa) || (r === 0xb8 && g === 0xc3 && b === 0xd3) || (r === 0xc0 && g === 0x39 && b === 0x2b);
      let cols = 0;
      for (let x = 0; x < width; x += 1) {
        for (let y = 0; y < height; y += 1) {
          if (Math.abs(y - mid) <= away) continue;
          const i = (y * width + x) * 4;
          if (d[i + 3] > 0 && !plain(d[i], d[i + 1], d[i + 2])) {
            cols += 1;
            break;
          }
        }
      }
      return { cols, width };
    },
    away,
  );
}

(async () => {
  const browser = await launch(["--autoplay-policy=no-user-gesture-required"]);
  const phones = [];
  let page = null;
  try {
    const agent = await login("zhangmin", env.AGENT_PASSWORD);
    const boss = await login("zhaolei", env.SUP_PASSWORD);
    const other = await login("liqiang", env.OTHER_PASSWORD);

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
    must("API: the call is recorded, ended, taken by zhangmin", !!rec, rec && JSON.stringify(rec));
    const whole = await fetch(`${BASE}/api/calls/${rec.id}/recording`, { headers: { Authorization: "Bearer " + agent.token } });
    const size = (await whole.arrayBuffer()).byteLength;
    must("API: the recording is over one chunk (so the page needs several ranges)", whole.status === 200 && size > CHUNK, `${whole.status}, ${size} bytes`);
    const refusal = await api("GET", `/api/calls/${rec.id}/recording`, other.token);
    must("API: liqiang may not play it (403 with a message)", refusal.status === 403 && !!refusal.body.error.message, JSON.stringify(refusal.body));
    const refusals = async () => (await api("GET", "/api/audit?action=recording", boss.token)).body.filter((e) => e.actor === "liqiang" && e.outcome.startsWith("refused")).length;
    const refusedBefore = await refusals();

    // ---- the supervisor finds and plays it ----
    const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    page = await ctx.newPage();
    watch(page, problems);
    const seen = [];
    page.on("response", async (res) => {
      if (!res.url().includes(`/api/calls/${rec.id}/recording`)) return;
      const req = res.request();
      const h = await req.allHeaders();
      seen.push({ url: res.url(), status: res.status(), range: h.range || "", auth: (h.authorization || "").startsWith("Bearer "), contentRange: (await res.allHeaders())["content-range"] || "" });
    });
    await page.goto(BASE + "/wall/calls");
    await pageLogin(page, "zhaolei", env.SUP_PASSWORD);
    await page.waitForSelector("#c-rows tr");

    // A refused search names the field.
    await page.fill("#c-phone", "12");
    await page.click("#c-form button[type=submit]");
    await page.waitForSelector('#c-msg[data-kind="error"]:not([hidden])');
    const refusedText = await page.textContent("#c-msg");
    check("search: a phone of two digits is refused, the field named", refusedText.includes("400") && refusedText.includes("(phone)"), refusedText);
    check("search: the phone input is marked", (await page.getAttribute("#c-phone", "aria-invalid")) === "true");

    await findByPhone(page, CALLER, rec.id);
    const rows = await page.$$eval("#c-rows tr", (trs) => trs.map((tr) => tr.dataset.call));
    check("search: the caller's number finds the one call", rows.length === 1 && rows[0] === String(rec.id), rows.join(","));
    check("search: no field marked after a good search", (await page.locator("#c-form [aria-invalid]").count()) === 0);
    const cells = await page.$$eval(`#c-rows tr[data-call="${rec.id}"] td`, (tds) => tds.map((td) => td.textContent));
    check("row: caller as the API gives it", cells[1] === rec.caller, cells[1]);
    check("row: agent, queue, outcome, recording", cells[2] === "张敏" && cells[3] === "综合" && cells[5] === "已接通" && cells[7] === "有", cells.join(" | "));
    const talk = Math.floor(rec.talk_ms / 1000);
    check("row: talk time", cells[4] === `${Math.floor(talk / 60)}:${String(talk % 60).padStart(2, "0")}`, `${cells[4]} for ${rec.talk_ms} ms`);
    // By the last digits too.
    await findByPhone(page, CALLER.slice(-4), rec.id);
    check("search: the last four digits find it too", (await page.locator(`#c-rows tr[data-call="${rec.id}"]`).count()) === 1);

    await page.click(`#c-rows tr[data-call="${rec.id}"] button`);
    await page.waitForSelector('#player[data-state="ready"], #player[data-state="refused"], #player[data-state="bad"]', { timeout: 20000 });
    must("player: the recording loaded", (await page.getAttribute("#player", "data-state")) === "ready", await page.textContent("#p-msg"));
    await page.waitForTimeout(300); // the response handlers read the headers
    check("player: every request of the recording was a Range request answered 206", seen.length >= 2 && seen.every((s) => s.status === 206 && /^bytes=\d+-\d+$/.test(s.range)), JSON.stringify(seen.map((s) => `${s.range} ${s.status}`)));
    let next = 0;
    let contiguous = true;
    for (const s of seen) {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(s.contentRange);
      if (!m || Number(m[1]) !== next || Number(m[3]) !== size) contiguous = false;
      else next = Number(m[2]) + 1;
    }
    check("player: ranges of 256 KiB from 0, contiguous, up to Content-Range's total", contiguous && next === size && seen[0].range === `bytes=0-${CHUNK - 1}`, seen.map((s) => s.contentRange).join(", "));
    check("player: as many requests as chunks", seen.length === Math.ceil(size / CHUNK), `${seen.length} for ${size} bytes`);
    check("player: the token in the header, never in a URL", seen.every((s) => s.auth && !/token|bearer/i.test(s.url)));
    check("player: the page counted its requests", (await page.getAttribute("#player", "data-requests")) === String(seen.length));
    const progress = await page.$eval("#p-progress", (p) => [p.value, p.max]);
    check("player: the progress is full", progress[0] === size && progress[1] === size, progress.join("/"));

    const media = await page.waitForFunction(() => {
      const a = document.getElementById("p-audio");
      return a.duration > 0 && isFinite(a.duration) ? { duration: a.duration, src: a.src } : null;
    }, null, { timeout: 10000 });
    const { duration, src } = await media.jsonValue();
    const wavSecs = (size - 44) / (8000 * 2 * 2);
    check("audio: the element plays the fetched bytes (a blob: URL)", src.startsWith("blob:"), src);
    check("audio: its duration is the recording's", Math.abs(duration - wavSecs) < 0.5, `${duration.toFixed(2)} s, the WAV ${wavSecs.toFixed(2)} s`);
    await page.evaluate(() => document.getElementById("p-audio").play());
    const played = await page
      .waitForFunction(() => document.getElementById("p-audio").currentTime > 0.3, null, { timeout: 10000 })
      .then(() => true)
      .catch(() => false);
    check("audio: it plays", played, String(await page.$eval("#p-audio", (a) => a.currentTime)));
    await page.evaluate(() => document.getElementById("p-audio").pause());

    const left = await inkedColumns(page, "p-left", 10);
    const right = await inkedColumns(page, "p-right", 10);
    check("waveform: the caller's tone bursts drawn on the left (most columns)", left.cols > left.width * 0.4, `${left.cols} of ${left.width} columns`);
    check("waveform: the right channel drawn (the staff-number prompt)", right.cols > 5, `${right.cols} of ${right.width} columns`);
    check("waveform: the labels", (await page.textContent("#p-left-h")).includes("客户") && (await page.textContent("#p-right-h")).includes("坐席"));
    await page.screenshot({ path: path.join(OUT, "calls.png"), fullPage: true });

    const audit = (await api("GET", "/api/audit?action=recording", boss.token)).body;
    const mine = audit.filter((e) => e.actor === "zhaolei" && e.detail === `play the recording of call ${rec.id}`);
    check("audit: one playback of zhaolei for the call (however many ranges)", mine.length === 1 && mine[0].outcome === "applied", JSON.stringify(audit.map((e) => `${e.actor}: ${e.detail} ${e.outcome}`)));

    // English.
    await page.click("#lang");
    check("English: the table and the player", (await page.textContent("#c-table thead")).includes("Caller") && (await page.textContent("#p-left-h")).startsWith("Caller"), await page.textContent("#p-left-h"));

    // ---- an agent who did not take the call ----
    const record = await api("GET", `/api/calls/${rec.id}`, other.token);
    check("API: liqiang may not read the call's record (403)", record.status === 403, JSON.stringify(record.body));
    const found = await api("GET", `/api/calls?phone=${CALLER}`, other.token);
    check("API: liqiang's search by the caller's number finds nothing", found.status === 200 && Array.isArray(found.body) && found.body.length === 0, JSON.stringify(found.body));
    check("audit: the refused playback is there", refusedBefore >= 1, String(refusedBefore));
    const ctx2 = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page2 = await ctx2.newPage();
    watch(page2, problems);
    await page2.goto(BASE + "/wall/calls");
    await pageLogin(page2, "liqiang", env.OTHER_PASSWORD);
    check("agent: told that agents find and hear their own calls only", (await page2.textContent("#c-note")).includes("自己接听"), await page2.textContent("#c-note"));
    await page2.fill("#c-phone", CALLER);
    const answered = page2.waitForResponse((r) => r.url().includes("/api/calls?") && r.url().includes(CALLER), { timeout: 10000 });
    await page2.click("#c-form button[type=submit]");
    check("agent: the page's search is answered 200", (await answered).status() === 200);
    await page2.waitForSelector("#c-rows td.empty", { timeout: 10000 });
    check("agent: the search by the caller's number shows no call", (await page2.locator(`#c-rows tr[data-call="${rec.id}"]`).count()) === 0, await page2.textContent("#c-rows"));
    await page2.screenshot({ path: path.join(OUT, "calls-agent.png"), fullPage: true });
  } catch (e) {
    check("calls check ran to the end", false, e.stack || String(e));
    if (page) await page.screenshot({ path: path.join(OUT, "calls-failed.png"), fullPage: true }).catch(() => {});
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join(" | "));
    for (const p of phones) await p.stop();
    await browser.close();
  }
  done("calls page");
})();
