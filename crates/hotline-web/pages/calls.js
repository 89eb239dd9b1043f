"use strict";
// Call search and recordings (/wall/calls): a search form over GET /api/calls (the caller's
// number whole or its last digits, account number, agent, queue, call reason, ticket, dates,
// talk time, lowest survey score; a refused field is marked and named), the results as a
// table, and a player for the call chosen. An <audio> element cannot send the token (it goes
// in the Authorization header, never in a URL), so the page fetches the recording itself,
// GET /api/calls/{id}/recording in Range requests of 256 KiB (`bytes=0-262143`, then the
// next) until Content-Range's total is reached, showing the progress, then plays the bytes
// from a Blob URL. The WAV is parsed here (the RIFF chunks `fmt ` and `data`; 16-bit PCM) and
// each channel drawn on a canvas: the caller on the left channel, on the right what the
// caller hears (prompts, music, the agent). A refusal (an agent asking for another agent's
// call: 403) shows the API's message. Anyone logged in may search; who may listen is the
// API's rule (agents their own calls; supervisors their team's or the floor's; qa and admins
// all).

(() => {
  const H = Hotline;
  const { t, el, $, say, api, errorText, query } = H;

  H.addStrings(
    {
      "c.title": "通话查询与录音",
      "c.wall": "监控墙",
      "c.search": "查询通话",
      "c.phone": "来电号码",
      "c.phone.hint": "完整号码或尾号",
      "c.account": "户号",
      "c.agent": "坐席",
      "c.queue": "队列",
      "c.reason": "来电原因",
      "c.ticket": "工单号",
      "c.since": "从（日期）",
      "c.until": "到（日期，含当天）",
      "c.min_secs": "通话至少（秒）",
      "c.max_secs": "通话至多（秒）",
      "c.survey": "满意度不低于",
      "c.any": "不限",
      "c.me": "我自己",
      "c.find": "查询",
      "c.clear": "清空",
      "c.busy": "查询中…",
      "c.results": "通话记录",
      "c.count": "共 {n} 通（最多显示 {max} 通，最新在前）",
      "c.none": "没有符合条件的通话",
      "c.note.agent": "坐席只能收听自己接听的通话录音。",
      "c.col.time": "时间",
      "c.col.caller": "来电号码",
      "c.col.agent": "坐席",
      "c.col.queue": "队列",
      "c.col.talk": "通话时长",
      "c.col.disposition": "结果",
      "c.col.survey": "满意度",
      "c.col.recording": "录音",
      "c.col.open": "收听",
      "c.has": "有",
      "c.hasnt": "无",
      "c.open": "收听",
      "c.open.label": "收听通话 {id} 的录音",
      "c.live": "通话中",
      "c.player": "通话 {id} 的录音",
      "c.facts": "{time} · {caller} · 坐席 {agent} · 通话 {talk}",
      "c.loading": "正在下载录音…",
      "c.progress": "{got} / {total} KB",
      "c.loaded": "已下载 {total} KB（{n} 次分段请求），时长 {secs}",
      "c.left": "客户（左声道）",
      "c.right": "坐席（右声道：客户听到的提示、音乐和坐席）",
      "c.seek": "点击波形可跳到该处播放",
      "c.refused": "不能收听这通录音",
      "c.bad_wav": "录音文件无法解析：{why}",
      "c.bad_range": "服务器的分段答复不对（{range}）",
      "c.empty": "录音文件是空的",
      "d.answered": "已接通",
      "d.self_served": "自助办结",
      "d.abandoned_in_ivr": "语音导航中挂机",
      "d.unserved_in_ivr": "语音导航未办理",
      "d.abandoned_in_queue": "排队中放弃",
      "d.callback": "预约回拨",
      "d.transferred": "已转接",
      "d.failed": "失败",
      "d.interrupted": "中断",
    },
    {
      "c.title": "Calls and recordings",
      "c.wall": "Wallboard",
      "c.search": "Find calls",
      "c.phone": "Caller's number",
      "c.phone.hint": "whole number or last digits",
      "c.account": "Account no.",
      "c.agent": "Agent",
      "c.queue": "Queue",
      "c.reason": "Call reason",
      "c.ticket": "Ticket no.",
      "c.since": "From (date)",
      "c.until": "To (date, included)",
      "c.min_secs": "Talk at least (s)",
      "c.max_secs": "Talk at most (s)",
      "c.survey": "Survey score at least",
      "c.any": "any",
      "c.me": "me",
      "c.find": "Find",
      "c.clear": "Clear",
      "c.busy": "Searching…",
      "c.results": "Calls",
      "c.count": "{n} calls (at most {max}, newest first)",
      "c.none": "No calls match",
      "c.note.agent": "Agents may listen to the recordings of their own calls only.",
      "c.col.time": "Time",
      "c.col.caller": "Caller",
      "c.col.agent": "Agent",
      "c.col.queue": "Queue",
      "c.col.talk": "Talk",
      "c.col.disposition": "Outcome",
      "c.col.survey": "Survey",
      "c.col.recording": "Recording",
      "c.col.open": "Listen",
      "c.has": "yes",
      "c.hasnt": "no",
      "c.open": "Listen",
      "c.open.label": "Listen to the recording of call {id}",
      "c.live": "in progress",
      "c.player": "Recording of call {id}",
      "c.facts": "{time} · {caller} · agent {agent} · talk {talk}",
      "c.loading": "Downloading the recording…",
      "c.progress": "{got} / {total} KB",
      "c.loaded": "Downloaded {total} KB ({n} range requests), {secs} long",
      "c.left": "Caller (left channel)",
      "c.right": "Agent (right channel: what the caller hears, prompts, music and the agent)",
      "c.seek": "Click a waveform to play from there",
      "c.refused": "This recording cannot be played",
      "c.bad_wav": "The recording cannot be read: {why}",
      "c.bad_range": "The server's range answer is wrong ({range})",
      "c.empty": "The recording is empty",
      "d.answered": "answered",
      "d.self_served": "self-served",
      "d.abandoned_in_ivr": "hung up in the IVR",
      "d.unserved_in_ivr": "ended in the IVR",
      "d.abandoned_in_queue": "abandoned in queue",
      "d.callback": "callback",
      "d.transferred": "transferred",
      "d.failed": "failed",
      "d.interrupted": "interrupted",
    },
  );

  /** Bytes per Range request. */
  const CHUNK = 256 * 1024;
  const LIMIT = 100;
  const QUEUES = ["general", "billing", "repairs", "key_accounts"];

  const C = {
    me: null,
    agents: new Map(), // id -> name
    queues: [],
    reasons: [],
    calls: [],
    player: null, // { id, abort, url, peaks }
  };

  // ---- start and the form's choices ---------------------------------------------------------

  async function start(agent) {
    C.me = agent;
    C.agents.set(agent.id, agent.name);
    $("c-note").textContent = agent.role === "agent" ? t("c.note.agent") : "";
    const [agents, acd, reasons] = await Promise.all([
      agent.role === "agent" ? Promise.resolve(null) : api("GET", "/api/agents").catch(() => null),
      api("GET", "/api/acd").catch(() => null),
      api("GET", "/api/call-reasons").catch(() => []),
    ]);
    (agents || []).forEach((a) => C.agents.set(a.id, a.name));
    C.queues = acd && Array.isArray(acd.queues) && acd.queues.length ? acd.queues.map((q) => q.name) : QUEUES;
    C.reasons = reasons || [];
    C.agentList = agents;
    fillChoices();
    await search();
  }

  function stop() {
    closePlayer();
    C.calls = [];
    $("c-rows").replaceChildren();
  }

  function option(value, text) {
    return el("option", { value, text });
  }

  /** The agent, queue and reason lists, in the page's language (the choice kept). */
  function fillChoices() {
    const keep = (sel, f) => {
      const v = sel.value;
      f();
      sel.value = v;
      if (sel.value !== v) sel.value = "";
    };
    keep($("c-agent"), () => {
      const list = C.agentList ? C.agentList.filter((a) => a.role !== "crew") : [{ id: C.me.id, name: t("c.me") }];
      $("c-agent").replaceChildren(option("", t("c.any")), ...list.map((a) => option(String(a.id), a.staff_no ? `${a.name}（${a.staff_no}）` : a.name)));
    });
    keep($("c-queue"), () => {
      $("c-queue").replaceChildren(option("", t("c.any")), ...C.queues.map((q) => option(q, H.label("queue", q) + (H.has("queue." + q) ? ` (${q})` : ""))));
    });
    keep($("c-reason"), () => {
      const en = H.getLang() === "en";
      $("c-reason").replaceChildren(
        option("", t("c.any")),
        ...C.reasons.map((r) => option(r.code, (r.pickable ? "\u3000" : "") + ((en ? r.name_en : r.name_zh) || r.code))),
      );
    });
  }

  // ---- search --------------------------------------------------------------------------------

  /** Local midnight of a date input's day (`plusDays` later), in Unix ms. */
  function dayStart(value, plusDays) {
    const [y, m, d] = value.split("-").map(Number);
    return new Date(y, m - 1, d + (plusDays || 0)).getTime();
  }

  function params() {
    const f = $("c-form").elements;
    const v = (name) => f[name].value.trim();
    return {
      phone: v("phone"),
      account: v("account"),
      agent: v("agent"),
      queue: v("queue"),
      reason: v("reason"),
      ticket: v("ticket"),
      since: v("since") ? dayStart(v("since")) : "",
      until: v("until") ? dayStart(v("until"), 1) : "",
      min_secs: v("min_secs"),
      max_secs: v("max_secs"),
      survey: v("survey"),
      limit: LIMIT,
    };
  }

  async function search(ev) {
    if (ev) ev.preventDefault();
    say($("c-msg"), t("c.busy"), "info");
    try {
      C.calls = await api("GET", "/api/calls" + query(params()));
      H.markField($("c-form"), "");
      say($("c-msg"), "");
    } catch (err) {
      if (err.status === 401) return;
      H.markField($("c-form"), err.field);
      say($("c-msg"), errorText(err), "error");
      return;
    }
    renderRows();
  }

  function agentName(id) {
    if (id === null || id === undefined) return "—";
    return C.agents.get(id) || "#" + id;
  }

  function when(ms) {
    return ms === null || ms === undefined ? "—" : H.date(ms) + " " + H.clock(ms);
  }

  function renderRows() {
    const body = $("c-rows");
    $("c-count").textContent = C.calls.length ? t("c.count", { n: C.calls.length, max: LIMIT }) : "";
    if (!C.calls.length) {
      body.replaceChildren(el("tr", {}, el("td", { class: "empty", attrs: { colspan: 9 }, text: t("c.none") })));
      return;
    }
    body.replaceChildren(
      ...C.calls.map((c) => {
        const ended = c.ended_at !== null && c.ended_at !== undefined;
        const playable = !!c.recording && ended;
        const open = el("button", {
          type: "button",
          class: "small",
          text: t("c.open"),
          attrs: { "aria-label": t("c.open.label", { id: c.id }) },
          disabled: !playable,
          on: { click: () => openPlayer(c) },
        });
        const tr = el(
          "tr",
          { data: { call: c.id, recording: playable ? "1" : "0" }, class: C.player && C.player.id === c.id ? "chosen" : "" },
          el("td", { class: "mono", text: when(c.started_at) }),
          el("td", { class: "mono", text: c.caller }),
          el("td", { text: agentName(c.agent_id) }),
          el("td", { text: c.queue ? H.label("queue", c.queue) : "—" }),
          el("td", { class: "num mono", text: c.talk_ms === null || c.talk_ms === undefined ? "—" : H.duration(c.talk_ms) }),
          el("td", { text: ended ? (c.disposition ? H.label("d", c.disposition) : "—") : t("c.live") }),
          el("td", { class: "num", text: c.survey_score === null || c.survey_score === undefined ? "—" : String(c.survey_score) }),
          el("td", { text: c.recording ? t("c.has") : t("c.hasnt") }),
          el("td", {}, open),
        );
        return tr;
      }),
    );
  }

  // ---- the player ----------------------------------------------------------------------------

  function closePlayer() {
    const p = C.player;
    if (!p) return;
    if (p.abort) p.abort.abort();
    const audio = $("p-audio");
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
    if (p.url) URL.revokeObjectURL(p.url);
    C.player = null;
  }

  /** An error answer of the API as an ApiError (its message, code and field). */
  async function answerError(res) {
    let e = null;
    try {
      e = (await res.json()).error;
    } catch (_) {
      /* not JSON: the status says it */
    }
    if (res.status === 401) {
      // Let the common client end the session and show the login.
      api("GET", "/api/me").catch(() => {});
    }
    return new H.ApiError(res.status, (e && e.code) || "http_" + res.status, (e && e.message) || res.statusText || "HTTP " + res.status, e && e.field);
  }

  /**
   * The recording of call `id`, in Range requests of CHUNK bytes until Content-Range's total;
   * `progress(got, total)` after each. Resolves `{ bytes, requests }`.
   */
  async function download(id, signal, progress) {
    const url = "/api/calls/" + encodeURIComponent(id) + "/recording";
    const parts = [];
    let got = 0;
    let total = null;
    let requests = 0;
    while (total === null || got < total) {
      let res;
      try {
        res = await fetch(url, {
          headers: { Authorization: "Bearer " + (H.session.token() || ""), Range: `bytes=${got}-${got + CHUNK - 1}` },
          cache: "no-store",
          signal,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        throw new H.ApiError(0, "network", t("err.network"));
      }
      requests += 1;
      if (res.status === 200 && got === 0) {
        // No range support: the whole file at once.
        const whole = new Uint8Array(await res.arrayBuffer());
        progress(whole.length, whole.length);
        return { bytes: whole, requests };
      }
      if (res.status === 416 && got === 0) throw new Error(t("c.empty"));
      if (res.status !== 206) throw await answerError(res);
      const range = res.headers.get("Content-Range") || "";
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      const part = new Uint8Array(await res.arrayBuffer());
      if (!m || Number(m[1]) !== got || part.length !== Number(m[2]) - Number(m[1]) + 1) throw new Error(t("c.bad_range", { range }));
      total = Number(m[3]);
      parts.push(part);
      got += part.length;
      progress(got, total);
    }
    const bytes = new Uint8Array(got);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return { bytes, requests };
  }

  /**
   * A WAV file's format and samples: the RIFF chunks are walked (each id, little-endian size,
   * padded to even) to `fmt ` and `data`. 16-bit PCM only (format 1, or WAVE_FORMAT_EXTENSIBLE
   * naming PCM). A data size of 0 or past the end (a header not yet repaired) takes the bytes
   * there are.
   */
  function parseWav(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = (o) => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
    if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not RIFF/WAVE");
    let fmt = null;
    let data = null;
    let o = 12;
    while (o + 8 <= bytes.length) {
      const id = tag(o);
      let size = view.getUint32(o + 4, true);
      const body = o + 8;
      if (id === "fmt ") {
        if (size < 16 || body + 16 > bytes.length) throw new Error("short fmt chunk");
        fmt = {
          format: view.getUint16(body, true),
          channels: view.getUint16(body + 2, true),
          rate: view.getUint32(body + 4, true),
          align: view.getUint16(body + 12, true),
          bits: view.getUint16(body + 14, true),
        };
        if (fmt.format === 0xfffe && size >= 26 && body + 26 <= bytes.length) fmt.format = view.getUint16(body + 24, true);
      } else if (id === "data") {
        if (size === 0 || size > bytes.length - body) size = bytes.length - body;
        data = { offset: body, length: size };
      }
      o = body + size + (size & 1);
    }
    if (!fmt) throw new Error("no fmt chunk");
    if (!data) throw new Error("no data chunk");
    if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`format ${fmt.format}, ${fmt.bits} bits: 16-bit PCM only`);
    if (fmt.channels < 1 || fmt.align !== fmt.channels * 2) throw new Error(`${fmt.channels} channels, block ${fmt.align}`);
    const frames = Math.floor(data.length / fmt.align);
    return { ...fmt, frames, sample: (frame, ch) => view.getInt16(data.offset + frame * fmt.align + ch * 2, true) };
  }

  /** Per canvas column, the lowest and highest sample of channel `ch` (-1..1). */
  function peaks(wav, ch, columns) {
    const lo = new Float32Array(columns);
    const hi = new Float32Array(columns);
    const c = Math.min(ch, wav.channels - 1);
    for (let x = 0; x < columns; x += 1) {
      const a = Math.floor((x * wav.frames) / columns);
      const b = Math.max(a + 1, Math.floor(((x + 1) * wav.frames) / columns));
      let min = 0;
      let max = 0;
      for (let f = a; f < b && f < wav.frames; f += 1) {
        const s = wav.sample(f, c) / 32768;
        if (s < min) min = s;
        if (s > max) max = s;
      }
      lo[x] = min;
      hi[x] = max;
    }
    return { lo, hi };
  }

  /** Draws a channel's peaks, the centre line and (at `at`, 0..1) the playhead. */
  function drawWave(canvas, p, color, at) {
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const w = canvas.width;
    const h = canvas.height;
    const mid = h / 2;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f3f6fa";
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = "#b8c3d3";
    ctx.fillRect(0, Math.floor(mid), w, 1);
    ctx.fillStyle = color;
    for (let x = 0; x < w; x += 1) {
      const top = mid - p.hi[x] * (mid - 2);
      const bottom = mid - p.lo[x] * (mid - 2);
      ctx.fillRect(x, Math.floor(top), 1, Math.max(1, Math.ceil(bottom - top)));
    }
    if (at !== null && at !== undefined && isFinite(at)) {
      ctx.fillStyle = "#c0392b";
      ctx.fillRect(Math.min(w - 2, Math.max(0, Math.round(at * w))), 0, 2, h);
    }
  }

  function drawBoth() {
    const p = C.player;
    if (!p || !p.peaks) return;
    const audio = $("p-audio");
    const at = audio.duration > 0 ? audio.currentTime / audio.duration : null;
    drawWave($("p-left"), p.peaks[0], "#2f6fe0", at);
    drawWave($("p-right"), p.peaks[1], "#1f8a4c", at);
  }

  function playerHead(call) {
    $("player-h").textContent = t("c.player", { id: call.id });
    $("p-facts").textContent = t("c.facts", { time: when(call.started_at), caller: call.caller, agent: agentName(call.agent_id), talk: H.duration(call.talk_ms) });
  }

  async function openPlayer(call) {
    closePlayer();
    const abort = new AbortController();
    const p = { id: call.id, call, abort, url: null, peaks: null };
    C.player = p;
    renderRows();
    const box = $("player");
    box.hidden = false;
    box.dataset.call = call.id;
    box.dataset.state = "loading";
    playerHead(call);
    $("p-audio").hidden = true;
    $("p-waves").hidden = true;
    $("p-load").hidden = false;
    $("p-progress").value = 0;
    $("p-progress-text").textContent = "";
    say($("p-msg"), t("c.loading"), "info");
    let got;
    try {
      got = await download(call.id, abort.signal, (n, total) => {
        if (C.player !== p) return;
        $("p-progress").max = total || 1;
        $("p-progress").value = n;
        $("p-progress-text").textContent = t("c.progress", { got: Math.round(n / 1024), total: Math.round(total / 1024) });
      });
    } catch (err) {
      if (C.player !== p || abort.signal.aborted) return;
      box.dataset.state = "refused";
      $("p-load").hidden = true;
      const prefix = err instanceof H.ApiError && err.status === 403 ? t("c.refused") + "：" : "";
      say($("p-msg"), prefix + errorText(err), "error");
      $("p-msg").dataset.status = err.status || "";
      return;
    }
    if (C.player !== p) return;
    let wav;
    try {
      wav = parseWav(got.bytes);
    } catch (err) {
      box.dataset.state = "bad";
      say($("p-msg"), t("c.bad_wav", { why: err.message }), "error");
      return;
    }
    const w = $("p-left").width;
    p.peaks = [peaks(wav, 0, w), peaks(wav, 1, w)];
    p.url = URL.createObjectURL(new Blob([got.bytes], { type: "audio/wav" }));
    const audio = $("p-audio");
    audio.src = p.url;
    audio.hidden = false;
    $("p-waves").hidden = false;
    drawBoth();
    box.dataset.state = "ready";
    box.dataset.requests = got.requests;
    say($("p-msg"), t("c.loaded", { total: Math.round(got.bytes.length / 1024), n: got.requests, secs: H.duration((wav.frames / wav.rate) * 1000) }), "ok");
    $("p-msg").dataset.status = "";
  }

  /** A click on a waveform plays from there. */
  function seek(ev) {
    const audio = $("p-audio");
    if (!C.player || !C.player.peaks || !(audio.duration > 0)) return;
    const r = ev.currentTarget.getBoundingClientRect();
    audio.currentTime = Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * audio.duration;
    drawBoth();
  }

  // ---- wiring --------------------------------------------------------------------------------

  function init() {
    $("c-form").addEventListener("submit", search);
    $("c-form").addEventListener("reset", () => {
      H.markField($("c-form"), "");
      setTimeout(() => search(), 0);
    });
    const audio = $("p-audio");
    ["timeupdate", "seeked", "loadedmetadata", "ended"].forEach((e) => audio.addEventListener(e, drawBoth));
    $("p-left").addEventListener("click", seek);
    $("p-right").addEventListener("click", seek);
    H.loginPage({
      content: $("calls"),
      titleKey: "c.title",
      start,
      stop,
      relabel: () => {
        if (!C.me) return;
        $("c-note").textContent = C.me.role === "agent" ? t("c.note.agent") : "";
        fillChoices();
        renderRows();
        if (C.player) playerHead(C.player.call);
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
