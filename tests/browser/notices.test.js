"use strict";
// Real-browser check of the supervisors' notices page (/wall/notices), run by notices.sh
// (which starts the engine): a supervisor logs in, publishes a planned-works notice for two
// districts with the form (checked through the API and the IVR data: it is in force), sees it
// listed, tries a notice that ends before it starts (the end input is marked, the message
// names ends_at, nothing is written), ends the notice with its button (gone from the current
// list, listed as ended with "include ended"), switches to English. A title with markup is
// shown as text. No dialog, page error or CSP violation may happen.
// Prints one line per check and "notices page: N passed, M failed".

const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const TITLE = "解放路管道改造计划停水 <img src=x onerror=alert(1)>";
const { check, done } = checker();
const api = apiOf(BASE);
const problems = [];

/** `ms` as the value of a datetime-local input (the browser's zone, as the page reads it). */
function local(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

(async () => {
  const browser = await launch();
  const page = await browser.newPage({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  watch(page, problems);
  try {
    const login = await api("POST", "/api/login", undefined, { login: "zhaolei", password: env.SUP_PASSWORD });
    const token = login.body.token;
    // The demo data's notices are ended first, so that the test's are the only current ones.
    for (const n of (await api("GET", "/api/notices", token)).body) await api("DELETE", "/api/notices/" + n.id, token);
    const before = (await api("GET", "/api/notices?all=true", token)).body.length;

    await page.goto(BASE + "/wall/notices");
    await page.waitForSelector("#login:not([hidden])");
    check("the login form's title is words, not a key", (await page.textContent("#login-h")) === "班长登录", await page.textContent("#login-h"));
    await page.fill("#login-name", "zhaolei");
    await page.fill("#login-password", env.SUP_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#notices:not([hidden])");
    await page.waitForSelector("#n-rows td.empty");
    check("logged in, no current notice", (await page.textContent("#n-rows")).includes("没有公告"));
    const districts = await page.$$eval("#f-districts input", (xs) => xs.map((x) => x.value));
    check("the districts are offered", districts.length >= 2, districts.length);

    // A notice that ends before it starts: refused, the end input marked, nothing written.
    const now = Date.now();
    await page.selectOption("#f-kind", "planned_works");
    await page.check(`#f-districts input[value="${districts[0]}"]`);
    await page.fill("#f-from", local(now - 3600e3));
    await page.fill("#f-to", local(now - 7200e3));
    await page.fill("#f-title", TITLE);
    await page.click("#n-form button[type=submit]");
    await page.waitForSelector('#f-msg[data-kind="error"]:not([hidden])');
    check("ends before it starts: the message names ends_at", (await page.textContent("#f-msg")).startsWith("ends_at"), await page.textContent("#f-msg"));
    check("the end input is marked", (await page.getAttribute("#f-to", "aria-invalid")) === "true");
    check("nothing written", (await api("GET", "/api/notices?all=true", token)).body.length === before);

    // Published for two districts with a cause and a figure.
    await page.check(`#f-districts input[value="${districts[1]}"]`);
    await page.fill("#f-to", local(now + 6 * 3600e3));
    await page.selectOption("#f-cause", "construction");
    await page.fill("#f-pressure", "0.28");
    await page.click("#n-form button[type=submit]");
    await page.waitForSelector('#f-msg:not([hidden])');
    check("published", (await page.getAttribute("#f-msg", "data-kind")) === "ok", await page.textContent("#f-msg"));
    await page.waitForSelector("#n-rows tr[data-notice]");
    const listed = await api("GET", "/api/notices", token);
    const n = listed.body[0];
    check("published through the API", listed.body.length === 1 && n.kind === "planned_works", JSON.stringify(listed.body));
    check("two districts", n && n.district_ids.length === 2 && n.district_ids.map(String).join() === districts.slice(0, 2).join());
    check("in force, with cause and figure", n && n.in_force && n.cause === "construction" && n.figures.pressure_mpa === 0.28);
    check("the end input is no longer marked", (await page.getAttribute("#f-to", "aria-invalid")) === null);
    const row = await page.textContent(`#n-rows tr[data-notice="${n.id}"]`);
    check("listed with kind, cause, figure and state", row.includes("计划施工停水") && row.includes("管道施工改造") && row.includes("0.28 MPa") && row.includes("生效中"), row);
    check("markup in the title is text", row.includes("<img src=x") && (await page.$$("#n-rows img")).length === 0);

    // A recording in Chinese, uploaded from the row; a 16 kHz file refused with the reason.
    const rowSel = `#n-rows tr[data-notice="${n.id}"]`;
    await page.setInputFiles(`${rowSel} input[data-rec="zh"]`, path.join(__dirname, "../../sounds/zh/digit_7.wav"));
    await page.waitForSelector(`${rowSel} button[data-rec-remove="zh"]`);
    const withRec = (await api("GET", "/api/notices/" + n.id, token)).body;
    check("the recording is stored", withRec.recordings.length === 1 && withRec.recordings[0].language === "zh" && withRec.recordings[0].samples > 0, JSON.stringify(withRec.recordings));
    check("the row shows it", (await page.textContent(`${rowSel} div.rec[data-lang="zh"]`)).includes("中文录音"), await page.textContent(`${rowSel} div.rec[data-lang="zh"]`));
    const wav16k = Buffer.alloc(44 + 1600);
    wav16k.write("RIFF", 0);
    wav16k.writeUInt32LE(36 + 1600, 4);
    wav16k.write("WAVEfmt ", 8);
    wav16k.writeUInt32LE(16, 16);
    wav16k.writeUInt16LE(1, 20);
    wav16k.writeUInt16LE(1, 22);
    wav16k.writeUInt32LE(16000, 24);
    wav16k.writeUInt32LE(32000, 28);
    wav16k.writeUInt16LE(2, 32);
    wav16k.writeUInt16LE(16, 34);
    wav16k.write("data", 36);
    wav16k.writeUInt32LE(1600, 40);
    await page.setInputFiles(`${rowSel} input[data-rec="en"]`, { name: "wideband.wav", mimeType: "audio/wav", buffer: wav16k });
    await page.waitForSelector('#n-msg[data-kind="error"]');
    const refusal = await page.textContent("#n-msg");
    check("a 16 kHz recording is refused naming the field and the reason", refusal.startsWith("recording") && refusal.includes("16000"), refusal);
    check("nothing stored for it", (await api("GET", "/api/notices/" + n.id, token)).body.recordings.length === 1);

    // English.
    await page.click("#lang");
    const en = await page.textContent(`#n-rows tr[data-notice="${n.id}"]`);
    check("English labels", en.includes("Planned works") && en.includes("Pipe works") && en.includes("in force"), en);
    await page.screenshot({ path: path.join(OUT, "notices.png"), fullPage: true });

    // Ended with its button.
    await page.click(`#n-rows tr[data-notice="${n.id}"] button`);
    await page.waitForSelector("#n-rows td.empty");
    check("ended: gone from the current list", (await api("GET", "/api/notices", token)).body.length === 0);
    await page.check("#n-all");
    await page.waitForSelector(`#n-rows tr[data-notice="${n.id}"][data-state="ended"]`);
    check("listed as ended with include-ended", true);
    const audit = await api("GET", "/api/audit?action=notice", token);
    const mine = audit.body.filter((e) => e.detail.includes("notice " + n.id + " "));
    check(
      "audited: create, the recording, the refused recording and end",
      mine.length === 4 && mine.filter((e) => e.outcome === "applied").length === 3 && mine.some((e) => e.outcome.startsWith("refused: recording")),
      JSON.stringify(mine.map((e) => e.detail + " " + e.outcome)),
    );
  } catch (e) {
    check("no exception", false, e.message);
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join("; "));
    await browser.close();
    done("notices page");
  }
})();
