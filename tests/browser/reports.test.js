"use strict";
// Real-browser check of the supervisors' reports page (/wall/reports), run by reports.sh
// (which starts the engine and writes yesterday's call records): a supervisor logs in, asks
// for the daily report of yesterday and today; the page's table shows the figures of
// GET /api/reports/daily (offered 4, answered 2, abandoned 2 of which 1 short, service level,
// the reason 账务/争议), the charts are drawn (canvas not blank); "Download CSV" gives the
// API's CSV, byte for byte, with its BOM; a range ending before it starts marks the "to"
// input and names the field; English works. No dialog, page error or console error.
// Prints one line per check and "reports page: N passed, M failed".

const fs = require("fs");
const path = require("path");
const { checker, launch, watch } = require("./lib");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const DAY = env.DAY;
const { check, done } = checker();
const problems = [];

/** The answer's text as it came (the CSV is compared byte for byte). */
async function api(p, token) {
  const res = await fetch(BASE + p, { headers: { Authorization: "Bearer " + token } });
  return { status: res.status, text: await res.text() };
}

function nextDay(d) {
  const t = new Date(d + "T12:00:00Z");
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

(async () => {
  const browser = await launch();
  const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", acceptDownloads: true });
  const page = await ctx.newPage();
  watch(page, problems);
  try {
    const login = await fetch(BASE + "/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: "zhaolei", password: env.SUP_PASSWORD }),
    }).then((r) => r.json());
    const token = login.token;
    const today = nextDay(DAY);
    const q = `from=${DAY}&to=${today}`;
    const want = JSON.parse((await api(`/api/reports/daily?${q}`, token)).text);
    const day = want.periods[0];
    check("API: yesterday's calls", day.calls.offered === 4 && day.calls.answered === 2 && day.calls.short_abandoned === 1, JSON.stringify(day.calls));

    await page.goto(BASE + "/wall/reports");
    await page.waitForSelector("#login:not([hidden])");
    check("the login form's title is words, not a key", (await page.textContent("#login-h")) === "班长登录", await page.textContent("#login-h"));
    await page.fill("#login-name", "zhaolei");
    await page.fill("#login-password", env.SUP_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#reports:not([hidden])");
    await page.fill("#r-from", DAY);
    await page.fill("#r-to", today);
    await page.click("#r-form button[type=submit]");
    await page.waitForSelector(`#r-out section[data-period="${DAY}"]`);
    const cells = await page.$$eval(`#r-out section[data-period="${DAY}"] table:first-of-type tbody tr td`, (tds) => tds.map((td) => td.textContent));
    check(
      "page: the day's calls as the API says",
      cells[0] === String(day.calls.offered) && cells[1] === String(day.calls.answered) && cells[2] === String(day.calls.abandoned) && cells[3] === String(day.calls.short_abandoned) && cells[4] === day.calls.service_level_percent.toFixed(1) + "%",
      cells.join(" | "),
    );
    const sectionText = await page.textContent(`#r-out section[data-period="${DAY}"]`);
    check("page: the reason named in Chinese", sectionText.includes("账务/争议"), "");
    const inked = await page.$eval("#r-chart", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
      return n;
    });
    check("page: the chart is drawn", inked > 500, inked + " pixels");
    await page.screenshot({ path: path.join(OUT, "reports.png"), fullPage: true });

    // The CSV from the page is the API's.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#r-csv")]);
    const file = await download.path();
    const got = fs.readFileSync(file);
    const api_csv = Buffer.from((await api(`/api/reports/daily?${q}&format=csv`, token)).text, "utf8");
    check("CSV: starts with the UTF-8 BOM", got[0] === 0xef && got[1] === 0xbb && got[2] === 0xbf);
    // fetch().text() drops the BOM; compare what follows it.
    check("CSV: the page's download is the API's CSV", got.subarray(3).equals(api_csv.subarray(api_csv[0] === 0xef ? 3 : 0)), `${got.length} bytes`);

    // A range that ends before it starts.
    await page.fill("#r-from", today);
    await page.fill("#r-to", DAY);
    await page.click("#r-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("r-to").getAttribute("aria-invalid") === "true");
    check("bad range: 'to' marked, the field named", (await page.textContent("#r-msg")).includes("to"), await page.textContent("#r-msg"));

    await page.click("#lang");
    await page.fill("#r-from", DAY);
    await page.click("#r-form button[type=submit]");
    await page.waitForSelector(`#r-out section[data-period="${DAY}"]`);
    const en = await page.textContent(`#r-out section[data-period="${DAY}"]`);
    check("English: tables in English, the reason too", en.includes("Offered") && en.includes("Billing/Dispute"), "");
    check("no markup or script made from data", (await page.locator("#r-out script, #r-out img").count()) === 0);
  } catch (e) {
    check("the run finished", false, e && e.stack);
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join("; "));
    await browser.close();
    done("reports page");
  }
})();
