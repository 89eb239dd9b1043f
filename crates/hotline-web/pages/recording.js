"use strict";
// The recording player shared by the call search (/wall/calls) and quality assessment
// (/wall/qa). An <audio> element cannot send the token (it goes in the Authorization header,
// never in a URL), so the player fetches the recording itself, GET /api/calls/{id}/recording
// in Range requests of 256 KiB (`bytes=0-262143`, then the next) until Content-Range's total
// is reached, showing the progress, then plays the bytes from a Blob URL. The WAV is parsed
// here (the RIFF chunks `fmt ` and `data`; 16-bit PCM) and each channel drawn on a canvas: the
// caller on the left channel, on the right what the caller hears (prompts, music, the agent);
// a click on a waveform plays from there. A refusal (an agent asking for another agent's call:
// 403) shows the API's message. Who may listen is the API's rule.
//
// `open(id, other)` with `other` plays one of the call's other recordings (a consultation, its
// sides labelled consulting agent / consulted; GET …/recording?other=ID).
//
// `Hotline.recording.player(box)` builds the player inside `box` (a section the page made,
// with its own heading), after what is already there: a message (#p-msg), the download's
// progress (#p-load, #p-progress, #p-progress-text), the <audio> (#p-audio) and the two
// waveforms (#p-waves, #p-left, #p-right, with their headings #p-left-h, #p-right-h). One per
// page. `box` carries data-state (loading, ready, refused, bad), data-call and, once loaded,
// data-requests (how many range requests it took).

(() => {
  const H = Hotline;
  const { t, el, say, errorText } = H;

  H.addStrings(
    {
      "rec.loading": "正在下载录音…",
      "rec.progress": "{got} / {total} KB",
      "rec.loaded": "已下载 {total} KB（{n} 次分段请求），时长 {secs}",
      "rec.left": "客户（左声道）",
      "rec.right": "坐席（右声道：客户听到的提示、音乐和坐席）",
      "rec.seek": "点击波形可跳到该处播放",
      "rec.refused": "不能收听这通录音",
      "rec.bad_wav": "录音文件无法解析：{why}",
      "rec.bad_range": "服务器的分段答复不对（{range}）",
      "rec.empty": "录音文件是空的",
      "rec.left.consult": "咨询方坐席（左声道）",
      "rec.right.consult": "被咨询方（右声道）",
    },
    {
      "rec.loading": "Downloading the recording…",
      "rec.progress": "{got} / {total} KB",
      "rec.loaded": "Downloaded {total} KB ({n} range requests), {secs} long",
      "rec.left": "Caller (left channel)",
      "rec.right": "Agent (right channel: what the caller hears, prompts, music and the agent)",
      "rec.seek": "Click a waveform to play from there",
      "rec.refused": "This recording cannot be played",
      "rec.bad_wav": "The recording cannot be read: {why}",
      "rec.bad_range": "The server's range answer is wrong ({range})",
      "rec.empty": "The recording is empty",
      "rec.left.consult": "The consulting agent (left channel)",
      "rec.right.consult": "The one consulted (right channel)",
    },
  );

  /** Bytes per Range request. */
  const CHUNK = 256 * 1024;

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
      H.api("GET", "/api/me").catch(() => {});
    }
    return new H.ApiError(res.status, (e && e.code) || "http_" + res.status, (e && e.message) || res.statusText || "HTTP " + res.status, e && e.field);
  }

  /**
   * The recording of call `id`, in Range requests of CHUNK bytes until Content-Range's total;
   * `progress(got, total)` after each. Resolves `{ bytes, requests }`.
   */
  async function download(id, signal, progress, other) {
    const url = "/api/calls/" + encodeURIComponent(id) + "/recording" + (other ? "?other=" + encodeURIComponent(other) : "");
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
      if (res.status === 416 && got === 0) throw new Error(t("rec.empty"));
      if (res.status !== 206) throw await answerError(res);
      const range = res.headers.get("Content-Range") || "";
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      const part = new Uint8Array(await res.arrayBuffer());
      if (!m || Number(m[1]) !== got || part.length !== Number(m[2]) - Number(m[1]) + 1) throw new Error(t("rec.bad_range", { range }));
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

  /**
   * The player inside `box` (see the top of this file). `open(id)` downloads and shows call
   * `id`'s recording and resolves with the state it ended in (`ready`, `refused`, `bad`, or
   * `closed` when another was opened meanwhile); `close()` stops and forgets it.
   */
  function player(box) {
    const msg = el("p", { class: "msg", attrs: { id: "p-msg", role: "alert" }, hidden: true });
    const progress = el("progress", { attrs: { id: "p-progress", max: 1, value: 0 } });
    const progressText = el("span", { class: "mono", attrs: { id: "p-progress-text" } });
    const load = el("div", { class: "p-load", attrs: { id: "p-load" }, hidden: true }, progress, progressText);
    const audio = el("audio", { attrs: { id: "p-audio", controls: "", preload: "metadata" }, hidden: true });
    const canvas = (id, key) => el("canvas", { class: "wave", attrs: { id, width: 900, height: 110, role: "img", "aria-label": t(key) }, data: { i18nLabel: key } });
    const left = canvas("p-left", "rec.left");
    const right = canvas("p-right", "rec.right");
    const waves = el(
      "div",
      { attrs: { id: "p-waves" }, hidden: true },
      el("h3", { attrs: { id: "p-left-h" }, i18n: "rec.left" }),
      left,
      el("h3", { attrs: { id: "p-right-h" }, i18n: "rec.right" }),
      right,
      el("p", { class: "hint", i18n: "rec.seek" }),
    );
    box.append(msg, load, audio, waves);

    let cur = null; // { id, abort, url, peaks }

    function drawBoth() {
      if (!cur || !cur.peaks) return;
      const at = audio.duration > 0 ? audio.currentTime / audio.duration : null;
      drawWave(left, cur.peaks[0], "#2f6fe0", at);
      drawWave(right, cur.peaks[1], "#1f8a4c", at);
    }

    /** A click on a waveform plays from there. */
    function seek(ev) {
      if (!cur || !cur.peaks || !(audio.duration > 0)) return;
      const r = ev.currentTarget.getBoundingClientRect();
      audio.currentTime = Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * audio.duration;
      drawBoth();
    }

    ["timeupdate", "seeked", "loadedmetadata", "ended"].forEach((e) => audio.addEventListener(e, drawBoth));
    left.addEventListener("click", seek);
    right.addEventListener("click", seek);

    function close() {
      const p = cur;
      if (!p) return;
      if (p.abort) p.abort.abort();
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
      if (p.url) URL.revokeObjectURL(p.url);
      cur = null;
    }

    /** `other`: one of the call's other recordings (a consultation: its two sides labelled so). */
    async function open(id, other) {
      close();
      const abort = new AbortController();
      const p = { id, abort, url: null, peaks: null };
      cur = p;
      box.hidden = false;
      box.dataset.call = id;
      if (other) box.dataset.other = other;
      else delete box.dataset.other;
      const sides = other ? ["rec.left.consult", "rec.right.consult"] : ["rec.left", "rec.right"];
      for (const [h, c, key] of [
        ["p-left-h", left, sides[0]],
        ["p-right-h", right, sides[1]],
      ]) {
        const head = waves.querySelector("#" + h);
        head.dataset.i18n = key;
        head.textContent = t(key);
        c.dataset.i18nLabel = key;
        c.setAttribute("aria-label", t(key));
      }
      box.dataset.state = "loading";
      delete box.dataset.requests;
      audio.hidden = true;
      waves.hidden = true;
      load.hidden = false;
      progress.value = 0;
      progressText.textContent = "";
      say(msg, t("rec.loading"), "info");
      let got;
      try {
        got = await download(
          id,
          abort.signal,
          (n, total) => {
            if (cur !== p) return;
            progress.max = total || 1;
            progress.value = n;
            progressText.textContent = t("rec.progress", { got: Math.round(n / 1024), total: Math.round(total / 1024) });
          },
          other,
        );
      } catch (err) {
        if (cur !== p || abort.signal.aborted) return "closed";
        box.dataset.state = "refused";
        load.hidden = true;
        const prefix = err instanceof H.ApiError && err.status === 403 ? t("rec.refused") + "：" : "";
        say(msg, prefix + errorText(err), "error");
        msg.dataset.status = err.status || "";
        return "refused";
      }
      if (cur !== p) return "closed";
      let wav;
      try {
        wav = parseWav(got.bytes);
      } catch (err) {
        box.dataset.state = "bad";
        say(msg, t("rec.bad_wav", { why: err.message }), "error");
        return "bad";
      }
      const w = left.width;
      p.peaks = [peaks(wav, 0, w), peaks(wav, 1, w)];
      p.url = URL.createObjectURL(new Blob([got.bytes], { type: "audio/wav" }));
      audio.src = p.url;
      audio.hidden = false;
      waves.hidden = false;
      drawBoth();
      box.dataset.state = "ready";
      box.dataset.requests = got.requests;
      say(msg, t("rec.loaded", { total: Math.round(got.bytes.length / 1024), n: got.requests, secs: H.duration((wav.frames / wav.rate) * 1000) }), "ok");
      msg.dataset.status = "";
      return "ready";
    }

    return {
      open,
      close,
      /** The call whose recording is open, or null. */
      id: () => (cur ? cur.id : null),
    };
  }

  H.recording = { CHUNK, download, parseWav, peaks, drawWave, player };
})();
