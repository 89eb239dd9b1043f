"use strict";
// Real-browser check of the supervisors' outbound campaigns page (/wall/campaigns), run by
// campaigns.sh (which starts the engine, with no outbound route): a supervisor logs in, makes
// a campaign with a bad calling window (the window input is marked, the message beside it
// names settings.window[0], nothing written), then a good one over the arrears rule (the
// settings as applied shown), uploads a CSV list with a bad row (the counts and the refused
// row shown), starts it, pauses it with a reason (shown), resumes it, waits (bounded) for the
// engine to pause it itself because its calls cannot be placed ("the route is down" shown),
// downloads the results CSV (its header checked), shows the 409 of a resume made stale by the
// API, stops it (no move left), puts a number on the do-not-call list and takes it off. Then
// an SMS campaign through the form: the channel select shows the templates, the placeholders
// and the receipt wait (the flow, queue and mode hidden); no template is refused at the zh
// template before anything is sent; an unknown placeholder is the server's 422, shown at the
// zh template; fixed, it is made (the body sent and the settings read back checked), its
// detail shows the channel 短信 and the texts' figures; started without a gateway, the engine
// pauses it and the page shows why. An agent is told the page is not theirs. A name with
// markup is shown as text. No dialog, page error or console error may happen.
// Prints one line per check and "campaigns page: N passed, M failed".

const fs = require("fs");
const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const NAME = "催缴 <b>十二月</b>";
const { check, done } = checker();
const api = apiOf(BASE);
const problems = [];

/** Waits until `f()` (run in the test) is true, polling every 250 ms for at most `ms`. */
async function until(f, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const text = async (page, sel) => ((await page.textContent(sel)) || "").trim();
const visible = (page, sel) => page.isVisible(sel);

(async () => {
  const started = Date.now();
  const browser = await launch();
  const ctx = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", acceptDownloads: true });
  const page = await ctx.newPage();
  watch(page, problems);
  try {
    const login = await api("POST", "/api/login", undefined, { login: "zhaolei", password: env.SUP_PASSWORD });
    const token = login.body.token;

    await page.goto(BASE + "/wall/campaigns");
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#login-name", "zhaolei");
    await page.fill("#login-password", env.SUP_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#campaigns:not([hidden])");
    await page.waitForSelector("#c-rows td.empty");
    check("logged in, no campaign yet", (await text(page, "#c-rows")).includes("没有活动"));
    check("the dunning kind's flow is filled in", (await page.inputValue("#f-flow")) === "dunning", await page.inputValue("#f-flow"));
    await page.selectOption("#f-kind", "notice");
    check("another kind, its flow", (await page.inputValue("#f-flow")) === "notice");
    await page.selectOption("#f-kind", "dunning");

    // A bad calling window: refused, the input marked, the message beside it, nothing made.
    await page.fill("#f-name", NAME);
    await page.fill("#f-window", "25:00-26:00");
    await page.click("#c-form button[type=submit]");
    await page.waitForSelector("#f-field-msg");
    const fieldMsg = await text(page, "#f-field-msg");
    check("a bad window: the message names settings.window[0]", fieldMsg.startsWith("settings.window[0]"), fieldMsg);
    check("the window input is marked", (await page.getAttribute("#f-window", "aria-invalid")) === "true");
    check("the message is beside the input", await page.$eval("#f-field-msg", (e) => e.previousElementSibling && e.previousElementSibling.id === "f-window"));
    check("nothing made", (await api("GET", "/api/campaigns", token)).body.length === 0);

    // A good one: all day (the test runs at any hour), every day, holidays too, one attempt a
    // second on one line; the list from the arrears rule.
    await page.fill("#f-window", "00:00-24:00");
    await page.selectOption("#f-holidays", "false");
    await page.fill("#f-aps", "1");
    await page.fill("#f-lines", "1");
    await page.selectOption("#f-rule", "arrears");
    check("the arrears fields are shown", await visible(page, "#f-min-yuan"));
    await page.fill("#f-min-yuan", "1");
    await page.fill("#f-min-months", "1");
    await page.click("#c-form button[type=submit]");
    await page.waitForSelector('#f-msg[data-kind="ok"]:not([hidden])');
    check("made: the message", (await text(page, "#f-msg")).startsWith("已新建"), await text(page, "#f-msg"));
    check("the field message is gone", (await page.$("#f-field-msg")) === null && (await page.getAttribute("#f-window", "aria-invalid")) === null);
    const made = (await api("GET", "/api/campaigns", token)).body;
    const c = made[0];
    check(
      "made through the API: arrears, the window, one a second",
      made.length === 1 && c.source.rule === "arrears" && c.settings.window.join() === "00:00-24:00" && c.settings.attempts_per_sec === 1 && c.flow === "dunning",
      JSON.stringify(made.map((x) => [x.source, x.settings])),
    );
    const fromRule = c ? c.progress.targets : 0;
    const row = `#c-rows tr[data-campaign="${c.id}"]`;
    await page.waitForSelector(row);
    check("listed, as a draft, the name as text", (await text(page, row)).includes(NAME) && (await page.$$("#c-rows b")).length === 0 && (await page.getAttribute(row, "data-status")) === "draft");
    await page.waitForSelector('#d-card:not([hidden])');
    check("opened: its name", (await text(page, "#d-name")) === NAME);
    check("the settings as applied", (await text(page, '#d-settings dd[data-setting="window"]')) === "00:00-24:00" && (await text(page, '#d-settings dd[data-setting="max_lines"]')) === "1");
    check("a draft: start and stop offered, not pause or resume", (await visible(page, "#d-start")) && (await visible(page, "#d-stop")) && !(await visible(page, "#d-pause")) && !(await visible(page, "#d-resume")));

    // A CSV list with a bad number on its last line (line 10).
    const lines = ["account,number,amount_due,months"];
    for (let i = 1; i <= 8; i++) lines.push(`CSV${i},1390000${String(1000 + i)},12${i}.50,2`);
    lines.push("CSVBAD,12,1.00,1");
    await page.setInputFiles("#d-file", { name: "list.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n") + "\n") });
    await page.waitForSelector("#d-upload-msg:not([hidden])");
    const up = await text(page, "#d-upload-msg");
    check("uploaded: 8 added, 0 already, 1 refused", up.includes("新增 8 户") && up.includes("已有 0 户") && up.includes("未导入 1 行"), up);
    const refused = await page.$$eval("#d-refused-rows tr", (rs) => rs.map((r) => [...r.children].map((x) => x.textContent)));
    check("the refused row: its line, account and reason", refused.length === 1 && refused[0][0] === "10" && refused[0][1] === "CSVBAD" && refused[0][2].length > 0, JSON.stringify(refused));
    const total = (await api("GET", `/api/campaigns/${c.id}`, token)).body.progress.targets;
    check("the targets through the API", total === fromRule + 8, `${fromRule} + 8 = ${total}`);
    await until(async () => (await page.$$("#d-trows tr[data-target]")).length === Math.min(total, 50), 5000);
    check("the targets table", (await page.$$("#d-trows tr[data-target]")).length === Math.min(total, 50));
    await page.selectOption("#d-tstate", "done");
    await page.waitForSelector("#d-trows td.empty");
    check("the state filter: none done", true);
    await page.selectOption("#d-tstate", "");
    await page.waitForSelector("#d-trows tr[data-target]");

    // Start, pause with a reason, resume.
    await page.click("#d-start");
    await page.waitForSelector('#d-card[data-status="running"]');
    check("started: pause and stop offered", (await visible(page, "#d-pause")) && (await visible(page, "#d-stop")) && !(await visible(page, "#d-start")));
    await page.fill("#d-why", "午休 lunch");
    await page.click("#d-pause");
    await page.waitForSelector('#d-card[data-status="paused"]');
    check("paused: the reason shown", (await text(page, "#d-reason")) === "午休 lunch", await text(page, "#d-reason"));
    check("paused through the API with the reason", (await api("GET", `/api/campaigns/${c.id}`, token)).body.status_reason === "午休 lunch");
    check("paused: resume offered, not pause", (await visible(page, "#d-resume")) && !(await visible(page, "#d-pause")));
    await page.click("#d-resume");
    await page.waitForSelector('#d-card[data-status="running"]');
    check("resumed: the pause's reason gone", !(await text(page, "#d-reason")).includes("午休"), await text(page, "#d-reason"));

    // No outbound route: five failed calls in a row and the engine pauses it; the page shows why.
    const routeDown = await until(async () => (await text(page, "#d-reason")).includes("the route is down"), 45000);
    const why = await text(page, "#d-reason");
    check("paused by the engine: the route is down, shown", routeDown, why);
    check("shown as paused, the earlier 'resumed' message gone", (await page.getAttribute("#d-card", "data-status")) === "paused" && !(await visible(page, "#d-msg")));
    await until(async () => (await page.$$("#d-rrows tr[data-attempt]")).length >= 5, 8000);
    const attempts = await page.$$eval("#d-rrows tr[data-attempt]", (rs) => rs.map((r) => r.dataset.result));
    check("the results table: the failed attempts", attempts.length >= 5 && attempts.filter((r) => r === "failed").length >= 5, attempts.join());
    const heads = async () => (await page.$$eval("#d-results thead th", (ths) => ths.map((h) => h.textContent.trim()))).join(" ");
    const callHeads = await heads();
    check("a call campaign's results under the calls' columns", callHeads === "拨打时间 户号 第几次 结果 通话 按键 承诺 备注", callHeads);
    const listed = await text(page, row);
    check("the list row shows it paused and dialled", listed.includes("已暂停"), listed);
    await page.screenshot({ path: path.join(OUT, "campaigns-paused.png"), fullPage: true });

    // The results CSV.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#d-csv")]);
    const csv = fs.readFileSync(await download.path(), "utf8").replace(/^\uFEFF/, "");
    const header = csv.split(/\r?\n/)[0];
    const apiCsv = await fetch(`${BASE}/api/campaigns/${c.id}/results?format=csv`, { headers: { Authorization: "Bearer " + token } }).then((r) => r.text());
    check("the CSV: its header is the API's", header.length > 0 && header === apiCsv.replace(/^\uFEFF/, "").split(/\r?\n/)[0], header);
    check("the CSV: one line per attempt", csv.trim().split(/\r?\n/).length - 1 >= attempts.length, csv.split(/\r?\n/).length);

    // A refused move shows the server's 409: resumed elsewhere (the API) while the page still
    // shows it paused, its Resume is refused; opened again, it is running.
    check("resumed elsewhere", (await api("POST", `/api/campaigns/${c.id}/resume`, token, {})).status === 200);
    await page.click("#d-resume");
    await page.waitForSelector('#d-msg[data-kind="error"]:not([hidden])');
    const refusedMove = await text(page, "#d-msg");
    check("the page's resume refused: the 409 shown", refusedMove.includes("409") && refusedMove.includes("cannot resume"), refusedMove);
    await page.click(`${row} button`);
    await page.waitForSelector('#d-card[data-status="running"]');
    check("opened again: running, pause offered", await visible(page, "#d-pause"));

    // Stop, with a reason.
    await page.fill("#d-why", "结束测试");
    await page.click("#d-stop");
    await page.waitForSelector('#d-card[data-status="stopped"]');
    check("stopped: no move left", !(await visible(page, "#d-start")) && !(await visible(page, "#d-pause")) && !(await visible(page, "#d-resume")) && !(await visible(page, "#d-stop")));
    check("stopped: its reason shown", (await text(page, "#d-reason")) === "结束测试", await text(page, "#d-reason"));
    check("stopped through the API", (await api("GET", `/api/campaigns/${c.id}`, token)).body.status === "stopped");
    await page.selectOption("#c-status", "running");
    await page.waitForSelector("#c-rows td.empty");
    check("the status filter: none running", true);
    await page.selectOption("#c-status", "");
    await page.waitForSelector(row);

    // The do-not-call list: a bad number refused, a number added and removed.
    await page.fill("#dnc-number", "12");
    await page.click("#dnc-form button[type=submit]");
    await page.waitForSelector('#dnc-msg[data-kind="error"]:not([hidden])');
    check("a bad number refused, the input marked", (await page.getAttribute("#dnc-number", "aria-invalid")) === "true", await text(page, "#dnc-msg"));
    await page.fill("#dnc-number", "+86 139 0000 3333");
    await page.fill("#dnc-note", "客户要求");
    await page.click("#dnc-form button[type=submit]");
    await page.waitForSelector('#dnc-rows tr[data-number="13900003333"]');
    const dnc = (await api("GET", "/api/do-not-call", token)).body.filter((d) => d.number === "13900003333");
    check("added: listed and through the API", dnc.length === 1 && dnc[0].note === "客户要求", JSON.stringify(dnc));
    await page.click('#dnc-rows tr[data-number="13900003333"] button');
    await page.waitForSelector('#dnc-rows tr[data-number="13900003333"]', { state: "detached" });
    check("removed", (await api("GET", "/api/do-not-call", token)).body.every((d) => d.number !== "13900003333"));

    // English.
    await page.click("#lang");
    check("English labels", (await text(page, "#d-status")) === "stopped" && (await text(page, "#list-h")) === "Campaigns", await text(page, "#d-status"));
    check("English results", (await text(page, "#d-rrows tr[data-attempt] td:nth-child(4)")) === "failed", await text(page, "#d-rrows"));
    await page.screenshot({ path: path.join(OUT, "campaigns.png"), fullPage: true });

    await page.click("#lang");

    // An SMS campaign through the form. Every POST /api/campaigns the page sends is kept.
    const posted = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/api/campaigns") posted.push(r.postDataJSON());
    });
    check("the form is a call campaign's at first: no templates shown", !(await visible(page, "#f-sms-zh")) && (await visible(page, "#f-flow")) && (await page.inputValue("#f-channel")) === "call");
    await page.selectOption("#f-channel", "sms");
    check(
      "SMS: the templates and the receipt wait shown",
      (await visible(page, "#f-sms-zh")) && (await visible(page, "#f-sms-en")) && (await visible(page, "#f-receipt")),
    );
    check(
      "SMS: the flow, queue and mode hidden and disabled",
      !(await visible(page, "#f-flow")) && !(await visible(page, "#f-queue")) && !(await visible(page, "#f-mode")) && (await page.isDisabled("#f-flow")) && (await page.isDisabled("#f-mode")),
    );
    const hint = await text(page, "#f-sms-hint");
    check(
      "the placeholders listed under the templates",
      ["{account}", "{name}", "{amount_due}", "{months}", "{notice}", "{notice_ends}", "{ticket_kind}", "{followup_id}"].every((x) => hint.includes(x)) &&
        !hint.includes("{amount}") &&
        (await page.$eval("#f-sms-hint", (e) => e.previousElementSibling && e.previousElementSibling.id === "f-sms-en")),
      hint,
    );
    const SMS_NAME = "短信催缴 <i>SMS</i>";
    await page.fill("#f-name", SMS_NAME);
    await page.fill("#f-window", "00:00-24:00");
    await page.selectOption("#f-holidays", "false");
    await page.selectOption("#f-rule", "arrears");
    await page.fill("#f-min-yuan", "1");
    await page.fill("#f-min-months", "1");
    // No template: refused by the page, at the zh template, nothing sent.
    await page.click("#c-form button[type=submit]");
    await page.waitForSelector('#f-field-msg[data-field="settings.sms.templates.zh"]');
    check("no template: refused at the zh template, nothing sent", (await page.getAttribute("#f-sms-zh", "aria-invalid")) === "true" && posted.length === 0, await text(page, "#f-field-msg"));
    // An unknown placeholder: the server's 422 at the zh template.
    const BAD_ZH = "{name}您好：您的水费欠费{amount}元，请及时缴纳。回复TD退订";
    const ZH = "{name}您好：您的水费欠费{amount_due}元（{months}个月），请及时缴纳。回复TD退订";
    const EN = "Dear {name}, your water bill is {amount_due} yuan overdue. Reply STOP to opt out";
    await page.fill("#f-sms-zh", BAD_ZH);
    await page.fill("#f-sms-en", EN);
    await page.fill("#f-receipt", "600");
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/campaigns"),
      page.click("#c-form button[type=submit]"),
    ]);
    check("a bad placeholder: the API said 422", bad.status() === 422, bad.status());
    await page.waitForSelector('#f-msg[data-kind="error"]:not([hidden])');
    await page.waitForSelector('#f-field-msg[data-field="settings.sms.templates.zh"]');
    const smsMsg = await text(page, "#f-field-msg");
    check("the message names settings.sms.templates.zh and {amount}", smsMsg.startsWith("settings.sms.templates.zh") && smsMsg.includes("{amount}"), smsMsg);
    check("the zh template is marked, the en one not", (await page.getAttribute("#f-sms-zh", "aria-invalid")) === "true" && (await page.getAttribute("#f-sms-en", "aria-invalid")) === null);
    check("the message is beside the zh template", await page.$eval("#f-field-msg", (e) => e.previousElementSibling && e.previousElementSibling.id === "f-sms-zh"));
    check("no SMS campaign made", (await api("GET", "/api/campaigns", token)).body.length === 1);
    // Fixed: made.
    await page.fill("#f-sms-zh", ZH);
    const [good] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/campaigns"),
      page.click("#c-form button[type=submit]"),
    ]);
    check("fixed: the API said 201", good.status() === 201, good.status());
    await page.waitForSelector('#f-msg[data-kind="ok"]:not([hidden])');
    const sent = posted[posted.length - 1] || {};
    const ss = sent.settings || {};
    check(
      "the body sent: channel sms, mode ivr, no flow or queue, both templates, the receipt wait",
      posted.length === 2 &&
        ss.channel === "sms" &&
        sent.mode === "ivr" &&
        sent.flow === undefined &&
        sent.queue === undefined &&
        ss.sms &&
        ss.sms.templates.zh === ZH &&
        ss.sms.templates.en === EN &&
        ss.sms.receipt_wait_secs === 600,
      JSON.stringify(sent),
    );
    const smsList = (await api("GET", "/api/campaigns", token)).body.filter((x) => x.id !== c.id);
    const sc = smsList.length === 1 ? (await api("GET", `/api/campaigns/${smsList[0].id}`, token)).body : {};
    const sset = sc.settings || {};
    check(
      "read back through the API: an SMS campaign with the templates",
      sset.channel === "sms" && sc.mode === "ivr" && sset.sms && sset.sms.templates.zh === ZH && sset.sms.templates.en === EN && sset.sms.receipt_wait_secs === 600,
      JSON.stringify(sc),
    );
    check("its list from the arrears rule", sc.progress && sc.progress.targets > 0, JSON.stringify(sc.progress));
    await page.waitForSelector(`#d-card[data-channel="sms"]`);
    check("the form is back to a call campaign", (await page.inputValue("#f-channel")) === "call" && (await visible(page, "#f-flow")) && !(await visible(page, "#f-sms-zh")) && (await page.$("#f-field-msg")) === null);
    check("opened: its name as text, channel 短信", (await text(page, "#d-name")) === SMS_NAME && (await text(page, "#d-channel")) === "短信", await text(page, "#d-channel"));
    const figure = async (f) => {
      const dd = await page.$(`#d-progress dd[data-figure="${f}"]`);
      return dd ? ((await dd.textContent()) || "").trim() : null;
    };
    check(
      "the texts' figures: targets, sent, delivered, failed",
      (await figure("targets")) === String(sc.progress.targets) && (await figure("sms_sent")) === "0" && (await figure("sms_delivered")) === "0" && (await figure("sms_failed")) === "0" && (await page.$('#d-progress dd[data-figure="dialled"]')) === null,
      await text(page, "#d-progress"),
    );
    check(
      "the settings as applied: the templates and the receipt wait, no flow",
      (await text(page, '#d-settings dd[data-setting="template_zh"]')) === ZH &&
        (await text(page, '#d-settings dd[data-setting="template_en"]')) === EN &&
        (await text(page, '#d-settings dd[data-setting="receipt_wait_secs"]')) === "600" &&
        (await page.$('#d-settings dd[data-setting="flow"]')) === null,
    );
    // Its results are texts: their own columns (not the calls' talk, keys and promise).
    const smsHeads = "发送时间 户号 第几次 结果 号码 分段 短信中心编号 内容或原因";
    await until(async () => (await heads()) === smsHeads, 10000);
    check("the results under the texts' columns", (await heads()) === smsHeads, await heads());
    const smsRow = `#c-rows tr[data-campaign="${sc.id}"]`;
    await page.waitForSelector(smsRow);
    check("listed as 短信, the name as text", (await text(page, `${smsRow} td:nth-child(4)`)) === "短信" && (await page.$$("#c-rows i")).length === 0, await text(page, smsRow));
    await page.click("#lang");
    check("English: the channel SMS, the figures' labels", (await text(page, "#d-channel")) === "SMS" && (await text(page, "#d-progress")).includes("Delivered"), await text(page, "#d-progress"));
    check("English: the texts' columns", (await heads()) === "Sent Account Attempt Result Number Parts SMSC ids Text or reason", await heads());
    await page.click("#lang");
    // Started with no SMS gateway configured: the engine pauses it, the page shows why.
    await page.click("#d-start");
    const noGateway = await until(async () => (await text(page, "#d-reason")).includes("no SMS gateway is configured"), 30000);
    check("started without a gateway: paused, the reason shown", noGateway && (await page.getAttribute("#d-card", "data-status")) === "paused", await text(page, "#d-reason"));
    check("paused through the API with that reason", ((await api("GET", `/api/campaigns/${sc.id}`, token)).body.status_reason || "").includes("no SMS gateway is configured"));
    await page.screenshot({ path: path.join(OUT, "campaigns-sms.png"), fullPage: true });

    // An agent: told the page is the supervisors', nothing asked of the API.
    await page.click("#logout");
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#login-name", "zhangmin");
    await page.fill("#login-password", env.AGENT_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector('#c-msg[data-kind="info"]:not([hidden])');
    check("an agent is told it is the supervisors' page", (await text(page, "#c-msg")).includes("班长"), await text(page, "#c-msg"));
    check("an agent sees no campaign or form", !(await visible(page, "#c-table")) && !(await visible(page, "#c-form")) && !(await visible(page, "#d-card")));
  } catch (e) {
    check("no exception", false, e.message);
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join("; "));
    await browser.close();
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    done("campaigns page");
  }
})();
