"use strict";
// Real-browser check of a progressive campaign's call on the agent desk, run by
// campaign_desk.sh (which starts the engine with SIPp's `uas` as the outbound route): zhangmin's
// SIPp phone registers and she goes ready on /desk; zhaolei makes a progressive campaign
// (queue general, agent wait 10 s) over the API with one target and starts it. The engine
// dials the customer only because she is free; the gateway answers; the desk pops the call:
// the customer's number, the account, the reason "外呼活动接通" and the campaign's name (shown only
// for a campaign's call); her phone is rung with the customer's number and answers; the router
// has her on the call; the desk's 挂断 ends it (the customer's phone gets the BYE and its SIPp
// ends cleanly); the attempt is stored answered, its note naming her; her call search finds the
// outbound call, recorded (a stereo WAV she plays). The campaign row reads in English after the switch. No dialog, page error or
// console error. Prints one line per check and "campaign desk: N passed, M failed".

const path = require("path");
const { checker, apiOf, launch, watch } = require("./lib");
const { until, softphone, sipp } = require("./phones");

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT;
const api = apiOf(BASE);
const { check, done } = checker();
const problems = [];
const CUSTOMER = "13900003001";
const NAME = "重点客户欠费回访";
const PREVIEW = "大客户欠费预览";
const PREVIEW_SKIPPED = "13900003002";
const PREVIEW_DIALLED = "13900003003";

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
    const me = agent.agent.id;
    const agentPhone = await softphone(env, "agent", "1001", env.AGENT_SIP_PORT, env.AGENT_MEDIA_PORT, "agent_call.xml");
    must("zhangmin's SIPp phone (1001) registered", !!agentPhone);
    phones.push(agentPhone);
    // The customers' side: SIPp's built-in UAS answers one call and stays until the BYE.
    const gateway = sipp(OUT, "gateway", ["-sn", "uas", "-i", "127.0.0.1", "-p", String(env.GATEWAY_PORT), "-mp", String(env.GATEWAY_MEDIA_PORT), "-m", "1", "-timeout", "300s"]);
    phones.push(gateway);

    const stateOf = async (id) => {
      const snap = (await api("GET", "/api/acd", agent.token)).body;
      const a = snap.agents.find((x) => x.id === id);
      return a ? a.state.state : null;
    };

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

    // ---- the campaign ----
    const made = await api("POST", "/api/campaigns", boss.token, {
      name: NAME,
      kind: "dunning",
      mode: "progressive",
      flow: "remind",
      queue: "general",
      settings: { window: ["00:00-24:00"], skip_holidays: false, agent_wait_secs: 10, caller_id: "96655" },
    });
    must("API: the progressive campaign is made", made.status === 201, JSON.stringify(made.body));
    const id = made.body.campaign.id;
    const upload = await fetch(`${BASE}/api/campaigns/${id}/targets`, {
      method: "POST",
      headers: { Authorization: "Bearer " + boss.token, "Content-Type": "text/csv" },
      body: `account,number,amount_due\nK-9,${CUSTOMER},5200.00\n`,
    });
    const report = await upload.json();
    must("API: its one target is added", upload.status === 200 && report.added === 1, JSON.stringify(report));
    const started = await api("POST", `/api/campaigns/${id}/start`, boss.token, {});
    must("API: the campaign starts", started.status === 200, JSON.stringify(started.body));

    // ---- the pop ----
    await page.waitForSelector("#call-campaign:not([hidden])", { timeout: 20000 });
    const pop = await page.evaluate(() => {
      const txt = (i) => (document.getElementById(i).textContent || "").trim();
      return { caller: txt("call-caller"), campaign: txt("call-campaign"), reason: txt("call-reason"), queue: txt("call-queue"), heading: !document.getElementById("call-campaign-h").hidden };
    });
    check("desk: the pop shows the campaign's name", pop.campaign === NAME && pop.heading, JSON.stringify(pop));
    check("desk: the pop shows the customer's number (not the campaign's caller id)", pop.caller === CUSTOMER, pop.caller);
    check("desk: the reason reads as a campaign's call", pop.reason === "外呼活动接通", pop.reason);
    await page.screenshot({ path: path.join(OUT, "campaign-pop.png"), fullPage: true });
    must("zhangmin's phone is rung and answers", !!(await agentPhone.logged("agent invited", 20000)));
    must("the router has her on the call", !!(await until(async () => (await stateOf(me)) === "on_call", 15000)));

    // ---- the desk hangs up ----
    await page.waitForSelector("#btn-hangup:not([disabled])", { timeout: 10000 });
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/acd/me/call/hangup") && r.request().method() === "POST", { timeout: 10000 }),
      page.click("#btn-hangup"),
    ]);
    check("desk: 挂断 is accepted", res.status() === 200, String(res.status()));
    const code = await Promise.race([gateway.exited, new Promise((r) => setTimeout(() => r("timeout"), 15000))]);
    check("the customer's phone got the BYE and its SIPp ended cleanly", code === 0, String(code));

    const results = await until(async () => {
      const r = await api("GET", `/api/campaigns/${id}/results`, boss.token);
      return r.status === 200 && r.body.length === 1 && r.body[0].result ? r.body : null;
    }, 15000);
    must("API: the attempt is stored", !!results);
    check("API: answered, the note naming her", results[0].result === "answered" && results[0].note === `talked to agent ${me}`, JSON.stringify(results[0]));
    const mine = await until(async () => {
      const r = await api("GET", "/api/calls?limit=10", agent.token);
      return (r.body || []).find((c) => c.direction === "outbound") || null;
    }, 15000);
    check("API: her call search finds the outbound call she took", !!mine && mine.agent_id === me && mine.dialled === CUSTOMER, JSON.stringify(mine));
    if (mine) {
      const wav = await fetch(`${BASE}/api/calls/${mine.id}/recording`, { headers: { Authorization: "Bearer " + agent.token } });
      const bytes = Buffer.from(await wav.arrayBuffer());
      check("API: it was recorded, and she plays it (a stereo WAV)", !!mine.recording && wav.status === 200 && bytes.toString("ascii", 0, 4) === "RIFF" && bytes.readUInt16LE(22) === 2, `${mine.recording} ${wav.status} ${bytes.length} bytes`);
    }

    await api("POST", `/api/campaigns/${id}/stop`, boss.token, { reason: "progressive part over" });

    // ---- a preview campaign: she sees the customer first, skips one, dials the next ----
    if (await page.isVisible("#btn-end-wrap")) await page.click("#btn-end-wrap");
    must("desk: ready again after the call", !!(await until(async () => (await stateOf(me)) === "ready", 25000)), await stateOf(me));
    const invitedBefore = agentPhone.log().split("agent invited").length;
    const gateway2 = sipp(OUT, "gateway2", ["-sn", "uas", "-i", "127.0.0.1", "-p", String(env.GATEWAY_PORT), "-mp", String(env.GATEWAY_MEDIA_PORT), "-m", "1", "-timeout", "300s"]);
    phones.push(gateway2);
    const previewMade = await api("POST", "/api/campaigns", boss.token, {
      name: PREVIEW,
      kind: "dunning",
      mode: "preview",
      flow: "remind",
      queue: "general",
      settings: { window: ["00:00-24:00"], skip_holidays: false, caller_id: "96655" },
    });
    must("API: the preview campaign is made", previewMade.status === 201, JSON.stringify(previewMade.body));
    const pid = previewMade.body.campaign.id;
    const list = await fetch(`${BASE}/api/campaigns/${pid}/targets`, {
      method: "POST",
      headers: { Authorization: "Bearer " + boss.token, "Content-Type": "text/csv" },
      body: `account,number,amount_due,months\n${env.PREVIEW_ACCOUNT},${PREVIEW_SKIPPED},1234.50,3\nK-8,${PREVIEW_DIALLED},88.00,1\n`,
    });
    must("API: its two targets are added", list.status === 200 && (await list.json()).added === 2);
    must("API: the preview campaign starts", (await api("POST", `/api/campaigns/${pid}/start`, boss.token, {})).status === 200);

    await page.waitForSelector("#preview-panel:not([hidden]) #pv-offer:not([hidden])", { timeout: 20000 });
    const offer = await page.evaluate(() => {
      const txt = (i) => (document.getElementById(i).textContent || "").trim();
      return { campaign: txt("pv-campaign"), account: txt("pv-account"), number: txt("pv-number"), amount: txt("pv-amount"), months: txt("pv-months"), left: txt("pv-left"), msg: txt("pv-msg") };
    });
    check(
      "preview: the offer shows the campaign, account, number, amount due and months",
      offer.campaign === PREVIEW && offer.account === env.PREVIEW_ACCOUNT && offer.number === PREVIEW_SKIPPED && offer.amount === "1,234.50 元" && offer.months === "3 个月",
      JSON.stringify(offer),
    );
    check("preview: the time left to decide (2 minutes from the offer)", /^(1:[0-5]\d|2:00)$/.test(offer.left), offer.left);
    await page.waitForFunction((a) => (document.getElementById("cust-account") || {}).textContent === a, env.PREVIEW_ACCOUNT, { timeout: 10000 }).catch(() => {});
    check("preview: the customer panel shows the offered customer before any call", ((await page.textContent("#cust-account").catch(() => "")) || "").trim() === env.PREVIEW_ACCOUNT);
    check("preview: nothing dialled yet (her phone not rung again)", agentPhone.log().split("agent invited").length === invitedBefore);
    await page.screenshot({ path: path.join(OUT, "preview-offer.png"), fullPage: true });

    // 跳过 without a reason: said at the field; with one: kept, and the next customer offered.
    await page.click("#pv-skip");
    check(
      "preview: a skip without a reason is refused at the field",
      (await page.getAttribute("#pv-reason", "aria-invalid")) === "true" && (await page.getAttribute("#pv-msg", "data-kind")) === "error" && (await page.textContent("#pv-msg")).includes("跳过原因"),
      await page.textContent("#pv-msg"),
    );
    await page.fill("#pv-reason", "已在营业厅缴清");
    const [skipRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/acd/me/preview/skip") && r.request().method() === "POST", { timeout: 10000 }),
      page.click("#pv-skip"),
    ]);
    check("preview: 跳过 → 200", skipRes.status() === 200, String(skipRes.status()));
    await page.waitForFunction(() => document.getElementById("pv-account").textContent === "K-8", null, { timeout: 15000 });
    check("preview: the next customer is offered (K-8)", (await page.textContent("#pv-number")) === PREVIEW_DIALLED);
    const skippedRow = await until(async () => {
      const r = await api("GET", `/api/campaigns/${pid}/targets`, boss.token);
      return (r.body || []).find((t) => t.state === "skipped") || null;
    }, 10000);
    check("API: the skipped target keeps her reason", !!skippedRow && skippedRow.skipped === "已在营业厅缴清" && skippedRow.number === PREVIEW_SKIPPED, JSON.stringify(skippedRow));

    // 拨打: her phone first, then the customer; the pop names the campaign.
    const [dialRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/acd/me/preview/dial") && r.request().method() === "POST", { timeout: 10000 }),
      page.click("#pv-dial"),
    ]);
    check("preview: 拨打 → 202", dialRes.status() === 202, String(dialRes.status()));
    // The page says it once it has the answer (read after, not between).
    const ringingSaid = await page
      .waitForFunction(() => document.getElementById("pv-msg").textContent.includes("正在呼叫您的话机"), null, { timeout: 5000 })
      .then(() => true, () => false);
    check("preview: the page says her phone is rung first", ringingSaid, await page.textContent("#pv-msg"));
    must("zhangmin's phone is rung for the preview call", !!(await agentPhone.logged("agent invited", 20000, 2)));
    await page.waitForFunction((n) => document.getElementById("call-campaign").textContent.trim() === n, PREVIEW, { timeout: 15000 });
    check("desk: the pop names the preview campaign and the customer's number", ((await page.textContent("#call-caller")) || "").trim() === PREVIEW_DIALLED);
    must("the router has her on the preview call", !!(await until(async () => (await stateOf(me)) === "on_call", 15000)));
    await page.waitForSelector("#btn-hangup:not([disabled])", { timeout: 10000 });
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/acd/me/call/hangup") && r.request().method() === "POST", { timeout: 10000 }),
      page.click("#btn-hangup"),
    ]);
    const code2 = await Promise.race([gateway2.exited, new Promise((r) => setTimeout(() => r("timeout"), 15000))]);
    check("the customer's phone (dialled after hers) got the BYE; its SIPp ended cleanly", code2 === 0, String(code2));
    const previewResults = await until(async () => {
      const r = await api("GET", `/api/campaigns/${pid}/results`, boss.token);
      return r.status === 200 && r.body.length === 1 && r.body[0].result ? r.body : null;
    }, 15000);
    check("API: one attempt (the dial, not the offers), answered, naming her", !!previewResults && previewResults[0].result === "answered" && previewResults[0].note === `talked to agent ${me}`, JSON.stringify(previewResults));
    await page.waitForSelector("#pv-offer", { state: "hidden", timeout: 10000 }).catch(() => {});
    check("preview: no offer left on the desk", await page.isHidden("#pv-offer"));

    // English.
    await page.click("#lang");
    check("English: the campaign's heading", (await page.textContent("#call-campaign-h")).trim() === "Campaign", await page.textContent("#call-campaign-h"));
    check("English: the preview panel's heading", (await page.textContent("#pv-h")).trim() === "Preview call", await page.textContent("#pv-h"));
    await page.screenshot({ path: path.join(OUT, "campaign-en.png"), fullPage: true });
  } catch (e) {
    check("campaign desk check ran to the end", false, e.stack || String(e));
    if (page) await page.screenshot({ path: path.join(OUT, "campaign-failed.png"), fullPage: true }).catch(() => {});
  } finally {
    check("no dialog, page error or console error", problems.length === 0, problems.join(" | "));
    for (const p of phones) await p.stop();
    await browser.close();
  }
  done("campaign desk");
})();
