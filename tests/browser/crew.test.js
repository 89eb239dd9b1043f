"use strict";
// The district crew's page (/crew) on a phone-sized screen (360×740), run by tickets.sh: the
// crew logs in, a ticket the desk dispatches to its district appears live with a sound and a
// banner, the crew acknowledges, starts (arrival recorded), replies with the result (markup
// shown as text), returns another with a reason; another district's dispatch never shows;
// English; no sideways scrolling; a desk login is sent to /desk. Incidents: three tickets a
// supervisor links to an incident show on the crew page as one item (the count, the
// reporters, the first marked), and on /wall the incidents panel lists it with its reports.
// Prints one line per check and "crew: N passed, M failed".

const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const MARKUP = '<b id="injected">粗</b><img src=x onerror=alert(1)>';

let passed = 0;
let failed = 0;
const problems = [];
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
    const [l, , p] = line.split("\t");
    if (l === login) return p;
  }
  throw new Error("no demo agent " + login);
}
async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, "crew-" + name + ".png"), fullPage: true });
}
const card = (id) => `.crew-card[data-ticket="${id}"]`;

async function main() {
  const desk = await api("POST", "/api/login", null, { login: "zhangmin", password: password("zhangmin") });
  const districts = await api("GET", "/api/districts", desk.token);
  const east = districts.find((d) => d.code === "east");
  const west = districts.find((d) => d.code === "west");
  must("districts east and west", east && west);
  const newTicket = async (summary, address) => (await api("POST", "/api/tickets", desk.token, { kind: "leak", summary, address })).id;
  const dispatch = (id, d) => api("POST", `/api/tickets/${id}/transitions`, desk.token, { action: "dispatch", district_id: d });

  const browser = await chromium.launch({ executablePath: env.CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "zh-CN", isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    page.on("dialog", (d) => {
      problems.push("dialog: " + d.message());
      d.dismiss().catch(() => {});
    });
    page.on("pageerror", (e) => problems.push("page error: " + e.message));
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    const tokens = [];
    page.on("request", (r) => {
      for (const t of tokens) if (r.url().includes(t)) problems.push("the token in a URL: " + r.url());
    });

    // A desk login is turned away.
    await page.goto(BASE + "/crew");
    await page.fill("#login-name", "zhangmin");
    await page.fill("#login-password", password("zhangmin"));
    await page.press("#login-password", "Enter");
    await page.waitForFunction(() => document.getElementById("login-msg").textContent.includes("/desk"), null, { timeout: 5000 });
    check("a desk login is sent to /desk", true);

    await page.fill("#login-name", env.CREW_LOGIN);
    await page.fill("#login-password", env.CREW_PASSWORD);
    await page.press("#login-password", "Enter");
    await page.waitForSelector("#crew:not([hidden])", { timeout: 5000 });
    const token = await page.evaluate(() => sessionStorage.getItem("hotline.token"));
    tokens.push(token);
    must("crew: logged in, the token in sessionStorage only", !!token && (await page.evaluate(() => localStorage.getItem("hotline.token"))) === null);
    // The district's name comes with the district list, loaded after the login: wait for it.
    const who = await page
      .waitForFunction((name) => (document.querySelector("#who")?.textContent || "").includes(name), east.name, { timeout: 5000 })
      .then(() => true, () => false);
    check("crew: its district is shown", who, await page.textContent("#who"));
    await page.waitForSelector('#live[data-status="live"]', { timeout: 5000 });
    check("crew: live", true);

    // A dispatch to the district appears within a second, with the sound and the banner.
    const leak = await newTicket("路面冒水 " + MARKUP, "城东区解放路12号");
    const beeps = Number((await page.getAttribute("body", "data-beeps")) || 0);
    const sent = Date.now();
    await dispatch(leak, east.id);
    await page.waitForSelector(card(leak), { timeout: 3000 });
    const ms = Date.now() - sent;
    check("live: the dispatch shows within 1 s", ms < 1000, ms + " ms");
    check("live: a sound played", Number((await page.getAttribute("body", "data-beeps")) || 0) === beeps + 1);
    check("live: the banner names it", (await page.textContent("#crew-new")).includes("#" + leak));
    check("markup in the summary is text", (await page.$("#injected")) === null && (await page.textContent(card(leak) + " .crew-summary")).includes('<b id="injected">'));
    await shot(page, "1-dispatched");

    // Another district's dispatch never shows.
    const westLeak = await newTicket("城西漏水", "城西区人民路8号");
    await dispatch(westLeak, west.id);
    const marker = await newTicket("城东第二单", "城东区中山路1号");
    await dispatch(marker, east.id);
    await page.waitForSelector(card(marker), { timeout: 3000 });
    check("another district's ticket is not shown", (await page.$(card(westLeak))) === null);

    // Acknowledge, start (arrival), reply with the result.
    await page.click(card(leak) + " .crew-ack");
    await page.waitForFunction((s) => document.querySelector(s + " .crew-ack").disabled, card(leak), { timeout: 5000 });
    let d = await api("GET", "/api/tickets/" + leak, desk.token);
    check("acknowledged: an event on the ticket", d.events.some((e) => e.kind === "acknowledged" && e.actor_name === "城东抢修一班"));
    await page.click(card(leak) + " .crew-start");
    await page.waitForSelector(card(leak) + '[data-status="in_progress"]', { timeout: 5000 });
    d = await api("GET", "/api/tickets/" + leak, desk.token);
    check("started: the arrival time recorded", d.ticket.status === "in_progress" && d.ticket.on_site_at !== null);
    await page.click(card(leak) + ' form[data-action="reply"] button');
    check("reply without a result: the page asks for it", await page.evaluate((s) => document.querySelector(s + ' form[data-action="reply"] input').validity.valueMissing, card(leak)));
    await shot(page, "2-in-progress");
    await page.fill(card(leak) + ' form[data-action="reply"] input', "已更换管段 " + MARKUP);
    await page.click(card(leak) + ' form[data-action="reply"] button');
    await page.waitForSelector(card(leak), { state: "detached", timeout: 5000 });
    d = await api("GET", "/api/tickets/" + leak, desk.token);
    check("replied: off the list, the result on the ticket", d.ticket.status === "replied" && d.events.some((e) => e.note === "已更换管段 " + MARKUP));

    // Return the other one with a reason.
    await page.fill(card(marker) + ' form[data-action="return"] input', "不属本片区");
    await page.click(card(marker) + ' form[data-action="return"] button');
    await page.waitForSelector(card(marker), { state: "detached", timeout: 5000 });
    d = await api("GET", "/api/tickets/" + marker, desk.token);
    check("returned: back at the centre with the reason", d.ticket.status === "accepted" && d.events.some((e) => e.note === "不属本片区"));

    // Phone-sized: no sideways scrolling; English.
    const lastLeak = await newTicket("English check", "城东区");
    await dispatch(lastLeak, east.id);
    await page.waitForSelector(card(lastLeak), { timeout: 3000 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check("360 px: nothing wider than the screen", width <= 360, width);
    await page.click("#lang");
    await page.waitForFunction(() => document.querySelector("h1").textContent === "District work orders", null, { timeout: 3000 });
    check("English: the card's button", (await page.textContent(card(lastLeak) + " .crew-start")) === "Start on site");
    await shot(page, "3-english");

    // An incident: three reports of one leak, the first dispatched, linked by a supervisor.
    await page.click("#lang");
    const sup = await api("POST", "/api/login", null, { login: "zhaolei", password: password("zhaolei") });
    const reps = [];
    for (const n of [1, 2, 3]) reps.push(await newTicket("解放路爆管 报告" + n + " " + MARKUP, "城东区解放路" + n + "号"));
    await dispatch(reps[0], east.id);
    await page.waitForSelector(card(reps[0]), { timeout: 3000 });
    const inc = await api("POST", "/api/incidents", sup.token, { district_id: east.id, kind: "leak", title: "解放路爆管 " + MARKUP });
    for (const id of reps) await api("POST", `/api/incidents/${inc.id}/tickets`, sup.token, { ticket_id: id });
    const item = card(reps[0]) + " .crew-reports";
    const shown = await page.waitForSelector(item + '[data-reports="3"]', { timeout: 5000 }).then(() => true, () => false);
    check("incident: one item with its 3 reports", shown);
    check("incident: the reported tickets are not items of their own", (await page.$(card(reps[1]))) === null && (await page.$(card(reps[2]))) === null);
    await page.click(item + " summary");
    const firsts = await page.$$eval(item + ' li[data-first="true"]', (ls) => ls.map((l) => l.dataset.ticket));
    check("incident: the first reporter marked", firsts.length === 1 && firsts[0] === String(reps[0]), JSON.stringify(firsts));
    check("incident: its title is text", (await page.$("#injected")) === null && (await page.textContent(item + " summary")).includes("<b id=\"injected\">"));
    const width2 = await page.evaluate(() => document.documentElement.scrollWidth);
    check("incident: 360 px, nothing wider than the screen", width2 <= 360, width2);
    await shot(page, "4-incident");

    // The wall's incidents panel (a supervisor's page, desktop-sized).
    const wctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
    const wall = await wctx.newPage();
    wall.on("pageerror", (e) => problems.push("wall page error: " + e.message));
    wall.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push("wall: " + m.text());
    });
    await wall.goto(BASE + "/wall");
    await wall.fill("#login-name", "zhaolei");
    await wall.fill("#login-password", password("zhaolei"));
    await wall.press("#login-password", "Enter");
    const panel = `#incidents li[data-incident="${inc.id}"]`;
    const onWall = await wall.waitForSelector(panel, { timeout: 8000 }).then(() => true, () => false);
    check("wall: the incident is listed", onWall);
    if (onWall) {
      check("wall: its reports counted", (await wall.getAttribute(panel + " .num", "data-reports")) === "3");
      check("wall: its title is text", (await wall.$("#injected")) === null && (await wall.textContent(panel + " .lbl")).includes("<b id=\"injected\">"));
      check("wall: the spike panel is drawn", (await wall.$$("#spike li")).length >= 1);
    }
    await wall.screenshot({ path: path.join(OUT, "crew-5-wall-incidents.png"), fullPage: true });
    await api("POST", `/api/incidents/${inc.id}/close`, sup.token, {});
    const gone = await wall.waitForSelector(panel, { state: "detached", timeout: 8000 }).then(() => true, () => false);
    check("wall: a closed incident leaves the panel", gone);
    await wctx.close();
  } finally {
    await browser.close();
  }
  for (const p of problems) check("no page problem", false, p);
  console.log(`crew: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log("FAIL " + e.message);
  console.log(`crew: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
