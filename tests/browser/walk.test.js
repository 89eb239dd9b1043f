"use strict";
// Issue 18's "Prove it" walk, run by walk.sh (which starts the engine and makes the test data):
// a leak reported with keys through the shipped IVR → dispatched at once → live on the crew's
// phone-sized page → the district's dispatch phone rung, 1 pressed → the acknowledgement on
// the ticket in /desk → the crew starts and replies → the agent closes it → the follow-up in
// 待回访 → reached, rated → the rating on the ticket and on the agent (the supervisor's /wall).
// Then a busy district phone: called again, given up, the ticket escalated with the reason on
// the supervisor's /wall. Each step checks what the pages show, with a screenshot
// (out-walk/NN-step.png). Prints one line per check and "walk: N passed, M failed".

const { chromium } = require("playwright-core");
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
/** Generous: the machine is shared, the IVR speaks at its own pace. */
const LONG = 60000;

let passed = 0;
let failed = 0;
const problems = [];
const phones = [];

function check(name, cond, detail) {
  if (cond) passed += 1;
  else failed += 1;
  console.log((cond ? "ok   " : "FAIL ") + name + (detail !== undefined ? ": " + detail : ""));
  return cond;
}
function must(name, cond, detail) {
  if (!check(name, cond, detail)) throw new Error("stopped after: " + name);
}

async function api(method, p, token, body) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(BASE + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function password(login) {
  for (const line of fs.readFileSync(env.AGENTS_FILE, "utf8").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [l, , p] = line.split("\t");
    if (l === login) return p;
  }
  throw new Error("no demo agent " + login);
}

let shots = 0;
async function shot(page, name) {
  shots += 1;
  await page.screenshot({ path: path.join(OUT, String(shots).padStart(2, "0") + "-" + name + ".png"), fullPage: true });
}

async function text(page, sel) {
  return ((await page.textContent(sel)) || "").trim();
}

/** A SIPp phone; its pid in OUT for walk.sh's clean-up; resolves its exit code on exit. */
function sipp(name, args) {
  const log = fs.openSync(path.join(OUT, name + ".screen"), "w");
  const child = spawn("sipp", [...args, "-nostdin", "-trace_msg", "-message_file", name + ".msg", "-trace_err", "-error_file", name + ".err"], { cwd: OUT, stdio: ["ignore", log, log] });
  fs.writeFileSync(path.join(OUT, name + ".pid"), String(child.pid));
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  phones.push({ child, exited });
  return { child, exited };
}

function watch(page, who) {
  page.on("dialog", (d) => {
    problems.push(who + ": dialog: " + d.message());
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => problems.push(who + ": page error: " + e.message));
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(who + ": " + m.text());
  });
}

async function login(page, url, user, pass, ready) {
  await page.goto(BASE + url);
  await page.fill("#login-name", user);
  await page.fill("#login-password", pass);
  await page.press("#login-password", "Enter");
  await page.waitForSelector(ready, { timeout: 10000 });
}

/** Opens the ticket in the desk's ticket view (from the list, refreshed). */
async function openTicket(desk, id) {
  await desk.click("#tl-refresh");
  await desk.waitForSelector(`button.tk-row[data-ticket="${id}"]`, { timeout: 10000 });
  await desk.click(`button.tk-row[data-ticket="${id}"]`);
  await desk.waitForFunction((i) => document.getElementById("tk-id").textContent === "#" + i, id, { timeout: 10000 });
}

/** The desk's ticket view is not live: it is opened again (as a person would press 刷新) until
 *  `pred` holds on the page, or `ms` pass. */
async function untilOnDesk(desk, id, pred, arg, ms) {
  const end = Date.now() + ms;
  for (;;) {
    await openTicket(desk, id);
    const ok = await desk
      .waitForFunction(pred, arg, { timeout: 2000 })
      .then(() => true, () => false);
    if (ok || Date.now() > end) return ok;
  }
}

async function status(page, want) {
  await page.waitForFunction((w) => document.getElementById("tk-status").textContent === w, want, { timeout: 10000 });
}

async function main() {
  const sup = await api("POST", "/api/login", null, { login: "zhaolei", password: password("zhaolei") });
  const districts = await api("GET", "/api/districts", sup.token);
  const district = districts.find((d) => d.code === env.DISTRICT);
  const busyDistrict = districts.find((d) => d.code === env.BUSY_DISTRICT);
  must("the caller's district and another, each with a dispatch phone", district && busyDistrict && district.dispatch_phone && busyDistrict.dispatch_phone);

  const browser = await chromium.launch({ executablePath: env.CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"] });
  try {
    // ---- the pages: the crew's phone, the agent's desk, the supervisor's wall ----
    const crewCtx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "zh-CN", isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const crew = await crewCtx.newPage();
    watch(crew, "crew");
    await login(crew, "/crew", env.CREW_LOGIN, env.CREW_PASSWORD, "#crew:not([hidden])");
    await crew.waitForSelector('#live[data-status="live"]', { timeout: 10000 });
    const who = await crew
      .waitForFunction((name) => (document.querySelector("#who")?.textContent || "").includes(name), district.name, { timeout: 10000 })
      .then(() => true, () => false);
    check("crew page: logged in, live, its district shown", who, await text(crew, "#who"));
    check("crew page: nothing dispatched yet", (await crew.locator(".crew-card").count()) === 0);

    const deskCtx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: "zh-CN" });
    const desk = await deskCtx.newPage();
    watch(desk, "desk");
    await login(desk, "/desk", "zhangmin", password("zhangmin"), "#desk:not([hidden])");
    const me = await desk.evaluate(() => sessionStorage.getItem("hotline.token")).then((token) => api("GET", "/api/me", token).catch(() => null));

    const wallCtx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
    const wall = await wallCtx.newPage();
    watch(wall, "wall");
    await login(wall, "/wall", "zhaolei", password("zhaolei"), "#agent-rows");
    await shot(crew, "crew-waiting");
    // When the first card shows (the page's own clock, the engine's machine): to compare with
    // the ticket's creation.
    await crew.evaluate(() => {
      window.__cardAt = null;
      new MutationObserver(() => {
        if (window.__cardAt === null && document.querySelector(".crew-card")) window.__cardAt = Date.now();
      }).observe(document.body, { subtree: true, childList: true });
    });

    // ---- 1. a leak reported through the IVR with keys; the district's phone is ready ----
    const phone = sipp("phone", ["-sf", path.resolve(__dirname, "walk_phone.xml"), "-i", "127.0.0.1", "-p", env.PHONE_SIP_PORT, "-mp", env.PHONE_MEDIA_PORT, "-m", "1", "-timeout", "120s"]);
    const caller = sipp("caller", ["-sf", path.resolve(__dirname, "walk_caller.xml"), env.SIP_TARGET, "-i", "127.0.0.1", "-p", env.CALLER_SIP_PORT, "-mp", env.CALLER_MEDIA_PORT, "-s", "96655", "-key", "caller", env.CUSTOMER_PHONE, "-m", "1", "-timeout", "90s"]);
    const called = Date.now();

    // ---- 2. the crew's page shows it, live ----
    await crew.waitForSelector(".crew-card", { timeout: LONG });
    const shownMs = Date.now() - called;
    const id = Number(await crew.getAttribute(".crew-card", "data-ticket"));
    must("crew page: a ticket appears live (no reload)", id > 0, `ticket #${id}, ${shownMs} ms after the call was placed`);
    const created = await api("GET", "/api/tickets/" + id, sup.token);
    const cardAt = await crew.evaluate(() => window.__cardAt);
    check("the ticket: a leak opened by the IVR for the caller, dispatched to the district", created.ticket.kind === "leak" && created.ticket.created_via === "ivr" && created.ticket.customer_id === Number(env.CUSTOMER_ID) && created.ticket.status === "dispatched" && created.ticket.district_id === district.id, JSON.stringify([created.ticket.kind, created.ticket.created_via, created.ticket.customer_id, created.ticket.status, created.ticket.district_id]));
    check("crew page: shown within 1 s of the ticket's creation", cardAt !== null && cardAt - created.ticket.created_at < 1000, `${cardAt - created.ticket.created_at} ms`);
    check("crew page: a sound played", Number((await crew.getAttribute("body", "data-beeps")) || 0) === 1);
    const cardText = await text(crew, `.crew-card[data-ticket="${id}"]`);
    check("crew page: the card shows the urgent leak with its address", cardText.includes("漏水") && cardText.includes("紧急"), cardText);
    check("crew page: the new-ticket banner names it", (await text(crew, "#crew-new")).includes("#" + id), await text(crew, "#crew-new"));
    check("crew page: 360 px, nothing wider than the screen", (await crew.evaluate(() => document.documentElement.scrollWidth)) <= 360);
    await shot(crew, "crew-live");

    // The desk: the ticket opened by the IVR, dispatched by the system at once.
    await openTicket(desk, id);
    await status(desk, "已派单");
    const events1 = await text(desk, "#tk-events");
    check("desk: opened by the IVR (语音导航) for the caller", events1.includes("语音导航") && (await text(desk, "#tk-customer")).length > 1, events1);
    check("desk: dispatched automatically to the caller's district", events1.includes("系统") && events1.includes("自动派单") && !events1.includes("auto_dispatch") && (await text(desk, "#tk-district")).includes(district.name), `${await text(desk, "#tk-district")} / ${events1}`);
    check("desk: urgent, with the on-site countdown", (await text(desk, "#tk-priority")) === "紧急" && (await text(desk, '#tk-deadlines li[data-milestone="on_site"]')).includes("剩余"));
    await shot(desk, "desk-dispatched");
    const callerCode = await caller.exited;
    check("the caller's phone: the IVR call went through", callerCode === 0, `sipp exit ${callerCode}`);

    // ---- 3. the district's dispatch phone is rung, presses 1: acknowledged on the ticket ----
    // The engine's bilingual note, shown in the page's language (Chinese here).
    const ack = "片区调度电话已确认";
    const acked = await untilOnDesk(desk, id, (a) => document.getElementById("tk-events").textContent.includes(a), ack, LONG);
    check(
      "desk: the dispatch phone's acknowledgement on the ticket, in Chinese only",
      acked && !(await text(desk, "#tk-events")).includes("acknowledged by"),
      await text(desk, "#tk-events"),
    );
    const phoneCode = await phone.exited;
    const phoneMsgs = fs.readFileSync(path.join(OUT, "phone.msg"), "utf8");
    check("the dispatch phone: called once at the district's number, answered, hung up by the engine", phoneCode === 0 && (phoneMsgs.match(/INVITE sip:/g) || []).length === 1 && phoneMsgs.includes("INVITE sip:" + district.dispatch_phone + "@"), `sipp exit ${phoneCode}`);
    check("desk: acknowledged on the first call", (await text(desk, "#tk-events")).includes("第1次呼叫"));
    await shot(desk, "desk-acknowledged");

    // ---- 4. the crew starts on site and replies with the result ----
    const card = `.crew-card[data-ticket="${id}"]`;
    await crew.click(card + " .crew-start");
    await crew.waitForSelector(card + '[data-status="in_progress"]', { timeout: 10000 });
    check("crew page: started, on site", true);
    await shot(crew, "crew-on-site");
    await crew.fill(card + ' form[data-action="reply"] input', "已关阀更换破损管段，恢复供水");
    await shot(crew, "crew-reply");
    await crew.click(card + ' form[data-action="reply"] button');
    await crew.waitForSelector(card, { state: "detached", timeout: 10000 });
    check("crew page: replied, off the crew's list", true);
    await shot(crew, "crew-replied");

    // ---- 5. the agent closes it from the desk ----
    await openTicket(desk, id);
    await status(desk, "已回复");
    check("desk: the crew's result on the ticket", (await text(desk, "#tk-events")).includes("已关阀更换破损管段"), await text(desk, "#tk-events"));
    await desk.fill("#tk-act-close-note", "结果已核实");
    await desk.click("#tk-act-close");
    await status(desk, "已办结");
    const closedBy = await desk.$$eval("#tk-events li", (lis) => lis.map((li) => li.textContent).filter((x) => x.includes("已办结")));
    check("desk: closed by the agent, in the timeline", !!me && closedBy.some((x) => x.includes(me.name)), closedBy.join(" | "));
    await shot(desk, "desk-closed");

    // ---- 6. the follow-up in 待回访: reached, rated ----
    const fu = await desk
      .waitForFunction((i) => {
        document.getElementById("fu-refresh").click();
        return [...document.querySelectorAll("#fu-list li.fu")].some((li) => li.querySelector(".fu-head").textContent.includes("#" + i));
      }, id, { timeout: 20000, polling: 1000 })
      .then(() => true, () => false);
    must("待回访: the follow-up of the closed ticket", fu, await text(desk, "#fu-list"));
    const item = desk.locator("#fu-list li.fu", { hasText: "#" + id });
    const fid = await item.getAttribute("data-followup");
    await desk.selectOption(`#fu-${fid}-reached`, "1");
    await desk.selectOption(`#fu-${fid}-rating`, "5");
    await desk.fill(`#fu-${fid}-note`, "客户表示满意");
    await shot(desk, "followup-due");
    await item.locator('button[type="submit"]').click();
    await desk.waitForFunction((f) => {
      const msg = document.querySelector(`#fu-list li.fu[data-followup="${f}"] .msg`);
      return msg && !msg.hidden && msg.textContent.trim().length > 0;
    }, fid, { timeout: 10000 });
    check("待回访: the result recorded, the page says so", true, await item.locator(".msg").textContent());
    await shot(desk, "followup-recorded");

    // ---- 7. the rating on the ticket and on the agent ----
    const rated = await untilOnDesk(desk, id, () => document.getElementById("tk-rating").textContent.includes("5"), null, 20000);
    check("desk: the rating on the ticket", rated && (await text(desk, "#tk-rating")) === "★★★★★ 5", await text(desk, "#tk-rating"));
    await shot(desk, "desk-rated");
    must("the desk user is known", me && me.id, JSON.stringify(me));
    const row = `#agent-rows tr[data-agent="${me.id}"]`;
    await wall.waitForSelector(row, { timeout: 20000 });
    const onWall = await wall
      .waitForFunction((sel) => {
        // The 评分 column's cell of the agent's row.
        const th = document.querySelector('th[data-i18n="wall.a.rating"]');
        const col = th ? [...th.parentElement.children].indexOf(th) : -1;
        const cell = document.querySelector(sel)?.children[col];
        return !!cell && cell.textContent.trim() === "5.0";
      }, row, { timeout: 20000, polling: 500 })
      .then(() => true, () => false);
    check("wall: the agent's rating 5.0", onWall, await text(wall, row));
    await shot(wall, "wall-agent-rating");

    // ---- the busy district phone: called again, given up, escalated on the wall ----
    const busy = await startListening("busy", ["-sf", path.resolve(__dirname, "walk_busy.xml"), "-i", "127.0.0.1", "-p", env.PHONE_SIP_PORT, "-mp", env.PHONE_MEDIA_PORT, "-m", "2", "-timeout", "60s"], env.PHONE_SIP_PORT);
    const other = await api("POST", "/api/tickets", sup.token, { kind: "leak", summary: "路面冒水（调度电话占线）", address: busyDistrict.name + "人民路8号" });
    await api("POST", `/api/tickets/${other.id}/transitions`, sup.token, { action: "dispatch", district_id: busyDistrict.id });
    const banner = `#esc-banner .esc[data-ticket="${other.id}"]`;
    const shown = await wall.waitForSelector(banner, { timeout: LONG }).then(() => true, () => false);
    const bannerText = shown ? await text(wall, banner) : "";
    check("wall: the escalation banner with the reason 片区调度电话未确认", shown && bannerText.includes(`工单 #${other.id}`) && bannerText.includes("片区调度电话未确认"), bannerText);
    const busyCode = await busy.exited;
    check("the busy phone: called twice", busyCode === 0 && (fs.readFileSync(path.join(OUT, "busy.msg"), "utf8").match(/INVITE sip:/g) || []).length >= 2, `sipp exit ${busyCode}`);
    await shot(wall, "wall-escalation");
    await crewCtx.close();
    await deskCtx.close();
    await wallCtx.close();
  } finally {
    for (const p of phones) if (p.child.exitCode === null) p.child.kill();
    await browser.close();
  }
  for (const p of problems) check("no page problem", false, p);
  console.log(`walk: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** Starts SIPp `name` with `args` and waits until it listens on `port`; SIPp that could not
 * bind (the port held a moment by something else on this shared machine: errno 98) is started
 * again, three times at most. */
async function startListening(name, args, port) {
  for (let attempt = 1; ; attempt += 1) {
    const phone = sipp(name, args);
    const early = phone.exited.then(() => "exited");
    const up = await Promise.race([waitListening(port).then(() => "up", () => "timeout"), early]);
    if (up === "up") return phone;
    if (up === "timeout") throw new Error(`${name}'s SIPp did not start listening on ${port}`);
    const err = fs.existsSync(path.join(OUT, name + ".err")) ? fs.readFileSync(path.join(OUT, name + ".err"), "utf8") : "";
    if (attempt >= 3 || !/errno = 98/.test(err)) throw new Error(`${name}'s SIPp did not start: ${err.trim().slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until something listens on the UDP port (SIPp bound): a bind there fails. */
async function waitListening(port) {
  const dgram = require("dgram");
  for (let i = 0; i < 100; i += 1) {
    const taken = await new Promise((resolve) => {
      const s = dgram.createSocket("udp4");
      s.once("error", () => resolve(true));
      s.bind(Number(port), "127.0.0.1", () => s.close(() => resolve(false)));
    });
    if (taken) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the busy phone did not start");
}

main().catch((e) => {
  for (const p of phones) if (p.child.exitCode === null) p.child.kill();
  console.log("FAIL " + e.message);
  console.log(`walk: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
