"use strict";
// The desk's work orders in a real browser, run by tickets.sh (which starts the engine):
// a misdispatch refused with the reason on the page, the lifecycle from the page's own
// buttons, a race lost to another user, live countdowns, list filters, markup as text.
// Prints one line per check and "tickets: N passed, M failed".

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
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return data;
}

function creds() {
  const c = {};
  for (const line of fs.readFileSync(env.AGENTS_FILE, "utf8").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [login, , password] = line.split("\t");
    c[login] = password;
  }
  return c;
}

async function text(page, sel) {
  return ((await page.textContent(sel)) || "").trim();
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });
}

async function openTicket(page, id) {
  await page.click("#tl-refresh");
  await page.waitForSelector(`button.tk-row[data-ticket="${id}"]`, { timeout: 5000 });
  await page.click(`button.tk-row[data-ticket="${id}"]`);
  await page.waitForFunction((i) => document.getElementById("tk-id").textContent === "#" + i, id, { timeout: 5000 });
}

async function status(page, want) {
  await page.waitForFunction((w) => document.getElementById("tk-status").textContent === w, want, { timeout: 5000 });
}

async function main() {
  const c = creds();
  const agent = await api("POST", "/api/login", null, { login: "zhangmin", password: c.zhangmin });
  const other = await api("POST", "/api/login", null, { login: "zhaolei", password: c.zhaolei });
  const districts = await api("GET", "/api/districts", agent.token);
  must("demo districts", districts.length >= 2, districts.length);
  const orphan = await api("POST", "/api/tickets", agent.token, { kind: "complaint", summary: "无地址投诉 " + MARKUP });
  const leak = await api("POST", "/api/tickets", other.token, { kind: "leak", summary: "路面冒水", address: "人民路8号", priority: "urgent" });

  const browser = await chromium.launch({ executablePath: env.CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    page.on("dialog", (d) => {
      problems.push("dialog: " + d.message());
      d.dismiss().catch(() => {});
    });
    page.on("pageerror", (e) => problems.push("page error: " + e.message));
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    await page.goto(BASE + "/desk");
    await page.fill("#login-name", "zhangmin");
    await page.fill("#login-password", c.zhangmin);
    await page.press("#login-password", "Enter");
    await page.waitForSelector("#desk:not([hidden])", { timeout: 5000 });

    // ---- a misdispatch is refused, and the page says why ----
    await openTicket(page, orphan.id);
    check("dispatch: no district is preselected", (await page.inputValue("#tk-district-sel")) === "");
    check("dispatch: the page says no district could be proposed", (await text(page, "#tk-district-hint")).includes("无法确定区域"), await text(page, "#tk-district-hint"));
    await page.click("#tk-dispatch");
    await page.waitForSelector("#tk-msg:not([hidden])", { timeout: 5000 });
    check("dispatch without a district: refused, the reason shown", (await text(page, "#tk-msg")).includes("请先选择派往区域"), await text(page, "#tk-msg"));
    check("dispatch without a district: the selector is marked", (await page.getAttribute("#tk-district-sel", "aria-invalid")) === "true");
    await shot(page, "1-no-district");
    await page.selectOption("#tk-district-sel", String(districts[1].id));
    await page.click("#tk-dispatch");
    await page.waitForFunction(() => document.getElementById("tk-msg").textContent.includes("派往地址"), null, { timeout: 5000 });
    check("dispatch without an address: refused, the address asked for", await page.isVisible("#tk-dispatch-address"));
    check("dispatch without an address: the field is marked", (await page.getAttribute("#tk-dispatch-address", "aria-invalid")) === "true");
    await shot(page, "2-no-address");
    let d = await api("GET", "/api/tickets/" + orphan.id, agent.token);
    check("refusals wrote nothing", d.ticket.status === "accepted" && d.events.length === 1, d.ticket.status);
    await page.fill("#tk-dispatch-address", "滨江路1号");
    await page.click("#tk-dispatch");
    await status(page, "已派单");
    d = await api("GET", "/api/tickets/" + orphan.id, agent.token);
    check("dispatched with the chosen district and address", d.ticket.district_id === districts[1].id && d.ticket.address === "滨江路1号", JSON.stringify([d.ticket.district_id, d.ticket.address]));

    // ---- the lifecycle from the page's buttons ----
    check("dispatched: the page offers return and start only", (await page.$$eval("#tk-lifecycle form", (fs) => fs.map((f) => f.dataset.action)).then((a) => a.join(","))) === "start,return");
    check("dispatched: no dispatch box", !(await page.isVisible("#tk-dispatch")));
    await page.click("#tk-act-start");
    await status(page, "处理中");
    await page.click("#tk-act-reply");
    const blocked = await page.evaluate(() => document.getElementById("tk-act-reply-note").validity.valueMissing);
    check("reply without a result: the page asks for it", blocked);
    await page.fill("#tk-act-reply-note", "已处理 " + MARKUP);
    await page.click("#tk-act-reply");
    await status(page, "已回复");
    check("notes with markup: shown as text", (await page.$("#tk-events #injected")) === null && (await text(page, "#tk-events")).includes('<b id="injected">粗</b>'));
    check("timeline: who did it", (await text(page, "#tk-events")).includes(agent.agent.name), await text(page, "#tk-events"));

    // ---- a race lost to another user ----
    await api("POST", "/api/tickets/" + orphan.id + "/transitions", other.token, { action: "send_back", note: "结果不完整" });
    await page.click("#tk-act-close");
    await page.waitForFunction(() => document.getElementById("tk-msg").textContent.includes("已被他人更新"), null, { timeout: 5000 });
    check("race lost: the page says so with the state now", (await text(page, "#tk-msg")).includes("处理中"), await text(page, "#tk-msg"));
    await status(page, "处理中");
    await shot(page, "3-race-lost");
    await page.fill("#tk-act-reply-note", "补充完整");
    await page.click("#tk-act-reply");
    await status(page, "已回复");
    await page.click("#tk-act-close");
    await status(page, "已办结");
    check("closed: follow-up result and re-open offered", (await page.$$eval("#tk-lifecycle form", (fs) => fs.map((f) => f.dataset.action).join(","))) === "follow_up,reopen");
    await page.fill("#tk-act-reopen-note", "客户说仍未解决");
    await page.click("#tk-act-reopen");
    await status(page, "已受理");
    await shot(page, "4-reopened");

    // ---- deadlines count down; filters ----
    await openTicket(page, leak.id);
    // The countdown's next tick, waited for (a busy machine may run the page's timer late).
    const onSite = '#tk-deadlines li[data-milestone="on_site"] .dl-left';
    const first = await text(page, onSite);
    const later = await page
      .waitForFunction(([sel, was]) => {
        const now = ((document.querySelector(sel) || {}).textContent || "").trim();
        return now !== was ? now : false;
      }, [onSite, first], { timeout: 15000 })
      .then((h) => h.jsonValue())
      .catch(() => first);
    check("deadline: the on-site countdown ticks", first !== later && later.startsWith("剩余"), `${first} -> ${later}`);
    await page.check("#tl-due-soon");
    await page.waitForFunction((id) => [...document.querySelectorAll("#tl-list .tk-row")].map((b) => b.dataset.ticket).join() === String(id), leak.id, { timeout: 5000 });
    check("list: due within 2 h shows the leak only", true);
    await page.uncheck("#tl-due-soon");
    await page.check("#tl-my");
    await page.waitForFunction((id) => ![...document.querySelectorAll("#tl-list .tk-row")].some((b) => b.dataset.ticket === String(id)), leak.id, { timeout: 5000 });
    check("list: mine leaves out the other user's ticket", true);
    await shot(page, "5-deadlines-filters");
  } finally {
    await browser.close();
  }
  for (const p of problems) check("no page problem", false, p);
  console.log(`tickets: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log("FAIL " + e.message);
  console.log(`tickets: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
