"use strict";
// Real-browser check of the supervisors' incidents page (/wall/incidents), run by
// incidents.sh (which starts the engine): a supervisor logs in, tries to open an incident
// without a title (the title input is marked, the message names title, nothing is written),
// opens one with the form (checked through the API; a title with markup is shown as text),
// links a ticket that does not exist (refused, named), then a dispatched leak of that district
// from its row (the incident's dispatch, one reporter marked first), closes it with its button
// (gone from the open list, listed as closed with "include closed"), every change in the audit
// trail; switches to English. An agent sees the list without the form or the buttons. The
// wall links to the page. No dialog, page error or CSP violation may happen.
// Prints one line per check and "incidents page: N passed, M failed".

const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const TITLE = "城东区主管爆裂 <img src=x onerror=alert(1)>";
const { check, done } = checker();
const api = apiOf(BASE);
const problems = [];

async function logIn(page, login, password) {
  await page.goto(BASE + "/wall/incidents");
  await page.fill("#login-name", login);
  await page.fill("#login-password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#incidents:not([hidden])");
}

(async () => {
  const browser = await launch();
  const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  watch(page, problems);
  try {
    const token = (await api("POST", "/api/login", undefined, { login: "zhaolei", password: env.SUP_PASSWORD })).body.token;
    // Whatever is open (none in the demo data) is closed first, so that the test's is the only one.
    for (const i of (await api("GET", "/api/incidents", token)).body) await api("POST", "/api/incidents/" + i.id + "/close", token);
    const before = (await api("GET", "/api/incidents?all=true", token)).body.length;
    const districts = (await api("GET", "/api/districts", token)).body;

    await page.goto(BASE + "/wall");
    check("the wall links to the incidents page", (await page.$$('a[href="/wall/incidents"]')).length >= 1);
    await logIn(page, "zhaolei", env.SUP_PASSWORD);
    await page.waitForSelector("#i-rows td.empty");
    check("logged in, no open incident", (await page.textContent("#i-rows")).includes("没有事件"));
    const offered = await page.$$eval("#f-district option", (xs) => xs.map((x) => x.value));
    check("the districts are offered", offered.length === districts.length && offered.length >= 2, offered.join());
    check("the kinds are named", (await page.textContent("#f-kind")).includes("漏水"), await page.textContent("#f-kind"));

    // No title: refused, the title input marked, nothing written.
    const district = districts[1];
    await page.selectOption("#f-district", String(district.id));
    await page.selectOption("#f-kind", "leak");
    await page.click("#i-form button[type=submit]");
    await page.waitForSelector('#f-msg[data-kind="error"]:not([hidden])');
    check("no title: the message names title", (await page.textContent("#f-msg")).startsWith("title"), await page.textContent("#f-msg"));
    check("the title input is marked", (await page.getAttribute("#f-title", "aria-invalid")) === "true");
    check("nothing written", (await api("GET", "/api/incidents?all=true", token)).body.length === before);

    // Opened.
    await page.fill("#f-title", TITLE);
    await page.click("#i-form button[type=submit]");
    await page.waitForSelector('#f-msg[data-kind="ok"]:not([hidden])');
    check("opened: the page says so", (await page.textContent("#f-msg")).includes("已开启"), await page.textContent("#f-msg"));
    check("the title input is no longer marked", (await page.getAttribute("#f-title", "aria-invalid")) === null);
    const open = (await api("GET", "/api/incidents", token)).body;
    const inc = open[0];
    check(
      "opened through the API, by the supervisor, for that district and kind",
      open.length === 1 && inc.opened_by === "zhaolei" && inc.district_id === district.id && inc.kind === "leak" && inc.title === TITLE,
      JSON.stringify(open),
    );
    const rowSel = `#i-rows tr[data-incident="${inc.id}"]`;
    await page.waitForSelector(rowSel);
    let row = await page.textContent(rowSel);
    check("listed with district, kind, opener, no dispatch, open", row.includes(district.name) && row.includes("漏水") && row.includes("zhaolei") && row.includes("未关联") && row.includes("进行中"), row);
    check("markup in the title is text", row.includes("<img src=x") && (await page.$$("#i-rows img")).length === 0);

    // A ticket that does not exist: refused, named.
    await page.fill(`${rowSel} input[data-link]`, "999999");
    await page.click(`${rowSel} form button[type=submit]`);
    await page.waitForSelector('#i-msg[data-kind="error"]:not([hidden])');
    check("an unknown ticket is refused naming ticket_id", (await page.textContent("#i-msg")).startsWith("ticket_id"), await page.textContent("#i-msg"));

    // A dispatched leak of that district, linked from the row: the incident's dispatch.
    const leak = (await api("POST", "/api/tickets", token, { kind: "leak", summary: "主管爆裂，路面冒水", address: "人民路8号", reporter_phone: "13912345678" })).body;
    const sent = await api("POST", "/api/tickets/" + leak.id + "/transitions", token, { action: "dispatch", district_id: district.id });
    check("the leak is dispatched (setup)", sent.status === 200, JSON.stringify(sent.body));
    await page.fill(`${rowSel} input[data-link]`, String(leak.id));
    await page.click(`${rowSel} form button[type=submit]`);
    await page.waitForSelector('#i-msg[data-kind="ok"]:not([hidden])');
    await page.waitForSelector(`${rowSel} td[data-reports="1"]`);
    row = await page.textContent(rowSel);
    check("linked: the ticket is the dispatch, one report", row.includes("#" + leak.id) && !row.includes("未关联"), row);
    await page.click(`${rowSel} details summary`);
    const first = await page.textContent(`${rowSel} details li[data-first="1"]`);
    check("the reporter is listed, marked first", first.includes("#" + leak.id) && first.includes("首报人"), first);
    const linked = (await api("GET", "/api/incidents/" + inc.id, token)).body;
    check("linked through the API", linked.ticket_id === leak.id && linked.reports === 1 && linked.reporters[0].first, JSON.stringify(linked));

    // English.
    await page.click("#lang");
    row = await page.textContent(rowSel);
    check("English labels", row.includes("leak") && row.includes("open") && (await page.textContent("#form-h")) === "Open an incident", row);
    const raw = await page.$$eval("[data-i18n]", (xs) => xs.filter((x) => x.textContent === x.dataset.i18n).map((x) => x.dataset.i18n));
    check("every label has its words (no key shown)", raw.length === 0, raw.join());
    await page.screenshot({ path: path.join(OUT, "incidents.png"), fullPage: true });
    await page.click("#lang");

    // An agent sees the list, not the form or the buttons.
    const agentPage = await context.newPage();
    watch(agentPage, problems);
    await agentPage.evaluate(() => sessionStorage.clear()).catch(() => {});
    await logIn(agentPage, "zhangmin", env.AGENT_PASSWORD);
    await agentPage.waitForSelector(rowSel);
    check("an agent sees the incident", (await agentPage.textContent(rowSel)).includes("城东区主管爆裂"));
    check("an agent has no form and no buttons", (await agentPage.isHidden("#form-card")) && (await agentPage.$$(`${rowSel} button`)).length === 0);
    await agentPage.close();

    // Closed with its button.
    await page.click(`${rowSel} button[data-close]`);
    await page.waitForSelector("#i-rows td.empty");
    check("closed: gone from the open list", (await api("GET", "/api/incidents", token)).body.length === 0);
    await page.check("#i-all");
    await page.waitForSelector(`${rowSel}[data-state="closed"]`);
    check("listed as closed, by whom", (await page.textContent(rowSel)).includes("由 zhaolei 关闭"), await page.textContent(rowSel));
    const audit = await api("GET", "/api/audit?action=incident", token);
    const mine = audit.body.filter((e) => e.detail.includes("incident " + inc.id + " ") || e.outcome.startsWith("refused"));
    check(
      "audited: the refused open, open, the refused link, the link and close",
      mine.filter((e) => e.outcome === "applied").length === 3 && mine.filter((e) => e.outcome.startsWith("refused")).length === 2,
      JSON.stringify(mine.map((e) => e.detail + " " + e.outcome)),
    );
  } catch (e) {
    check("no exception", false, e.message);
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join("; "));
    await browser.close();
    done("incidents page");
  }
})();
