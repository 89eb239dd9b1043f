"use strict";
// Shared by the agent desktop (/desk) and the wallboard (/wall): the strings in Chinese and
// English, the API client (the login token in the Authorization header of every call, kept in
// the tab's sessionStorage), the live event stream read with fetch (never EventSource, which
// would need the token in the URL), and DOM helpers that only ever set text. Nothing here or
// in the pages puts data into innerHTML: names and ticket texts may contain markup and must
// show as the characters they are.

const Hotline = (() => {
  const TOKEN_KEY = "hotline.token";
  const AGENT_KEY = "hotline.agent";
  const LANG_KEY = "hotline.lang";

  // ---- strings -----------------------------------------------------------------------------

  const strings = {
    zh: {
      "skip": "跳到主要内容",
      "lang.switch": "English",
      "lang.switch.title": "Switch to English",
      "logout": "退出登录",
      "login.title": "登录",
      "wall.login.title": "班长登录",
      "login.login": "账号",
      "login.password": "密码",
      "login.submit": "登录",
      "login.busy": "正在登录…",
      "live.connecting": "正在连接实时事件…",
      "live.live": "实时",
      "live.reconnecting": "连接中断，{s} 秒后重连…",
      "live.unavailable": "实时事件不可用",
      "err.network": "网络错误：服务器无响应",
      "err.prefix": "服务器答复 {status}：{message}",
      "err.session": "登录已过期，请重新登录",
      "yes": "是",
      "no": "否",
      "none": "无",
      "unknown": "未知",
      "state.logged_out": "已签出",
      "state.ready": "就绪",
      "state.not_ready": "示忙",
      "state.reserved": "振铃中",
      "state.on_call": "通话中",
      "state.wrap_up": "话后整理",
      "reason.break": "小休",
      "reason.training": "培训",
      "reason.meeting": "会议",
      "reason.missed": "未接来电",
      "reason.login": "刚签入",
      "reason.campaign": "外呼活动接通",
      "queue.general": "综合",
      "queue.billing": "账务",
      "queue.repairs": "报修",
      "queue.key_accounts": "重点客户",
      "kind.inquiry": "咨询",
      "kind.billing_dispute": "账单争议",
      "kind.leak": "漏水",
      "kind.repair": "维修",
      "kind.meter": "水表",
      "kind.complaint": "投诉",
      "money.yuan": "{v} 元",
    },
    en: {
      "skip": "Skip to the main content",
      "lang.switch": "中文",
      "lang.switch.title": "切换到中文",
      "logout": "Log out",
      "login.title": "Log in",
      "wall.login.title": "Supervisor log in",
      "login.login": "Login",
      "login.password": "Password",
      "login.submit": "Log in",
      "login.busy": "Logging in…",
      "live.connecting": "Connecting to live events…",
      "live.live": "Live",
      "live.reconnecting": "Connection lost, retrying in {s} s…",
      "live.unavailable": "Live events unavailable",
      "err.network": "Network error: the server does not answer",
      "err.prefix": "Server answered {status}: {message}",
      "err.session": "Your session ended; please log in again",
      "yes": "yes",
      "no": "no",
      "none": "none",
      "unknown": "unknown",
      "state.logged_out": "Logged out",
      "state.ready": "Ready",
      "state.not_ready": "Not ready",
      "state.reserved": "Ringing",
      "state.on_call": "On a call",
      "state.wrap_up": "Wrap-up",
      "reason.break": "break",
      "reason.training": "training",
      "reason.meeting": "meeting",
      "reason.missed": "missed call",
      "reason.login": "just logged in",
      "reason.campaign": "answered an outbound campaign's call",
      "queue.general": "General",
      "queue.billing": "Billing",
      "queue.repairs": "Repairs",
      "queue.key_accounts": "Key accounts",
      "kind.inquiry": "inquiry",
      "kind.billing_dispute": "billing dispute",
      "kind.leak": "leak",
      "kind.repair": "repair",
      "kind.meter": "meter",
      "kind.complaint": "complaint",
      "money.yuan": "¥{v}",
    },
  };

  function storageGet(store, key) {
    try {
      return store.getItem(key);
    } catch (_) {
      return null;
    }
  }
  function storageSet(store, key, value) {
    try {
      if (value === null) store.removeItem(key);
      else store.setItem(key, value);
    } catch (_) {
      /* private mode: nothing kept */
    }
  }

  let lang = storageGet(localStorage, LANG_KEY) === "en" ? "en" : "zh";
  const langListeners = [];

  /** Adds a page's own strings. */
  function addStrings(zh, en) {
    Object.assign(strings.zh, zh);
    Object.assign(strings.en, en);
  }

  /** The string `key` in the current language, `{name}` replaced from `vars`. */
  function t(key, vars) {
    let s = strings[lang][key];
    if (s === undefined) s = strings.zh[key];
    if (s === undefined) return key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  /** Whether `key` has a string. */
  function has(key) {
    return strings[lang][key] !== undefined || strings.zh[key] !== undefined;
  }

  /** A label for a code from the server (`state.ready`), or the code itself. */
  function label(prefix, code) {
    if (code === null || code === undefined || code === "") return "";
    const key = prefix + "." + code;
    return has(key) ? t(key) : String(code);
  }

  /** Sets the text of every element marked with data-i18n (and its placeholder/title). */
  function applyStrings(root) {
    const r = root || document;
    r.querySelectorAll("[data-i18n]").forEach((e) => {
      e.textContent = t(e.dataset.i18n);
    });
    r.querySelectorAll("[data-i18n-placeholder]").forEach((e) => {
      e.setAttribute("placeholder", t(e.dataset.i18nPlaceholder));
    });
    r.querySelectorAll("[data-i18n-title]").forEach((e) => {
      e.setAttribute("title", t(e.dataset.i18nTitle));
    });
    r.querySelectorAll("[data-i18n-label]").forEach((e) => {
      e.setAttribute("aria-label", t(e.dataset.i18nLabel));
    });
  }

  function setLang(l) {
    lang = l === "en" ? "en" : "zh";
    storageSet(localStorage, LANG_KEY, lang);
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    applyStrings(document);
    langListeners.forEach((f) => f(lang));
  }

  function getLang() {
    return lang;
  }

  /** A ticket's summary in the page's language when it was written in it, else as written. */
  function ticketSummary(tk) {
    const s = tk && tk.summaries && tk.summaries[lang];
    return typeof s === "string" && s ? s : (tk && tk.summary) || "";
  }

  function onLang(f) {
    langListeners.push(f);
  }

  /** Wires the language button: it shows the other language and switches to it. */
  function langButton(button) {
    button.addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
  }

  // ---- DOM ---------------------------------------------------------------------------------

  /**
   * A new element. `opts`: class, text, i18n (a string key), attrs, data, on (event handlers),
   * hidden, disabled, type, value. Children are nodes or strings (as text nodes). Text always
   * goes through textContent / text nodes.
   */
  function el(tag, opts, ...children) {
    const e = document.createElement(tag);
    const o = opts || {};
    if (o.class) e.className = o.class;
    if (o.text !== undefined && o.text !== null) e.textContent = String(o.text);
    if (o.i18n) {
      e.dataset.i18n = o.i18n;
      e.textContent = t(o.i18n);
    }
    if (o.attrs) for (const [k, v] of Object.entries(o.attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    if (o.data) for (const [k, v] of Object.entries(o.data)) if (v !== null && v !== undefined) e.dataset[k] = String(v);
    if (o.on) for (const [k, f] of Object.entries(o.on)) e.addEventListener(k, f);
    if (o.hidden) e.hidden = true;
    if (o.disabled) e.disabled = true;
    if (o.type) e.type = o.type;
    if (o.value !== undefined) e.value = o.value;
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function $(id) {
    return document.getElementById(id);
  }

  /** Sets a message element's text and kind (`error`, `ok`, `info`); empty text hides it. */
  function say(node, text, kind) {
    if (!node) return;
    node.textContent = text || "";
    node.dataset.kind = kind || "info";
    node.hidden = !text;
  }

  // ---- formatting --------------------------------------------------------------------------

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  /** Integer fen as yuan: 1234567 -> "12,345.67 元". */
  function money(fen) {
    if (fen === null || fen === undefined) return "—";
    const neg = fen < 0;
    const a = Math.abs(Math.trunc(fen));
    const yuan = Math.floor(a / 100)
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return t("money.yuan", { v: (neg ? "-" : "") + yuan + "." + pad2(a % 100) });
  }

  /** Milliseconds as m:ss or h:mm:ss. */
  function duration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "—";
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + ":" + pad2(m) : String(m)) + ":" + pad2(s % 60);
  }

  function dateTime(ms) {
    if (ms === null || ms === undefined) return "—";
    const d = new Date(ms);
    return (
      d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes())
    );
  }

  function date(ms) {
    if (ms === null || ms === undefined) return "—";
    const d = new Date(ms);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate());
  }

  function clock(ms) {
    const d = new Date(ms);
    return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }

  // The server's clock: agent states carry the server's times, so time in state is counted on
  // it (the offset is learnt from each overview's `at`).
  let offset = 0;
  function learnServerTime(at) {
    if (typeof at === "number") offset = at - Date.now();
  }
  function serverNow() {
    return Date.now() + offset;
  }

  // ---- session and API ---------------------------------------------------------------------

  const session = {
    token() {
      return storageGet(sessionStorage, TOKEN_KEY);
    },
    agent() {
      try {
        return JSON.parse(storageGet(sessionStorage, AGENT_KEY) || "null");
      } catch (_) {
        return null;
      }
    },
    set(token, agent) {
      storageSet(sessionStorage, TOKEN_KEY, token);
      storageSet(sessionStorage, AGENT_KEY, agent ? JSON.stringify(agent) : null);
    },
    clear() {
      storageSet(sessionStorage, TOKEN_KEY, null);
      storageSet(sessionStorage, AGENT_KEY, null);
    },
  };

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  let unauthorized = () => {};
  /** What to do when the server no longer takes the token (show the login form). */
  function onUnauthorized(f) {
    unauthorized = f;
  }

  /** One API call: JSON in and out, the token in the header; throws ApiError. */
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = session.token();
    if (token) headers.Authorization = "Bearer " + token;
    const init = { method, headers, cache: "no-store" };
    if (body instanceof Blob) {
      // A file as it is (a recording): its own type.
      headers["Content-Type"] = body.type || "application/octet-stream";
      init.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (_) {
      throw new ApiError(0, "network", t("err.network"));
    }
    const text = await res.text().catch(() => "");
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = null;
      }
    }
    if (!res.ok) {
      const e = data && data.error;
      const err = new ApiError(
        res.status,
        (e && e.code) || "http_" + res.status,
        (e && e.message) || res.statusText || "HTTP " + res.status,
        e && e.field,
      );
      if (res.status === 401 && path !== "/api/login") {
        session.clear();
        unauthorized(err);
      }
      throw err;
    }
    return data;
  }

  /** An error as the text shown to the agent: the server's status and message. */
  function errorText(err) {
    if (err instanceof ApiError) {
      if (err.status === 0) return err.message;
      return t("err.prefix", { status: err.status, message: err.message + (err.field ? " (" + err.field + ")" : "") });
    }
    return String((err && err.message) || err);
  }

  /** Builds a query string from the entries whose value is set. */
  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "" && v !== false) q.set(k, String(v));
    const s = q.toString();
    return s ? "?" + s : "";
  }

  /**
   * Marks the input of `form` a refusal named (`aria-invalid`, focused) and clears the
   * others; an empty `field` only clears. `find(field)` (optional) gives the element of a
   * field that is not an input named so (a fieldset, an input known by its id).
   */
  function markField(form, field, find) {
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    if (!field) return;
    const named = (find && find(field)) || form.querySelector('[name="' + CSS.escape(field) + '"]');
    if (named) {
      named.setAttribute("aria-invalid", "true");
      if (named.focus) named.focus();
    }
  }

  /**
   * The frame a logged-in page shares: the login form (#login, #login-form, #login-msg), the
   * user's name (#who), the logout (#logout) and language (#lang) buttons, the tab's title
   * (`titleKey`), and `content`, shown once logged in. `start(agent)` runs after a login or a
   * resumed session, `stop()` (optional) when the session ends, `relabel()` (optional) after
   * the language changed. Wire the page's own controls before calling it.
   */
  function loginPage({ content, titleKey, start, stop, relabel }) {
    const showLogin = (message) => {
      if (stop) stop();
      content.hidden = true;
      $("logout").hidden = true;
      $("login").hidden = false;
      $("who").textContent = "";
      say($("login-msg"), message || "", "error");
      $("login-name").focus();
    };
    const started = (agent) => {
      $("login").hidden = true;
      content.hidden = false;
      $("logout").hidden = false;
      $("who").textContent = agent.name;
      return start(agent);
    };
    const title = () => {
      document.title = t(titleKey) + " · hotline";
    };
    applyStrings(document);
    langButton($("lang"));
    title();
    onLang(() => {
      title();
      if (relabel) relabel();
    });
    onUnauthorized(() => showLogin(t("err.session")));
    loginForm($("login-form"), $("login-msg"), started);
    $("logout").addEventListener("click", async () => {
      await logout();
      showLogin("");
    });
    resume(started, showLogin);
  }

  /** Wires a login form (fields `login`, `password`) to POST /api/login. */
  /** On page load: with a token kept in this tab, `start(agent)` for the agent it belongs to;
   *  without one, or when the server no longer takes it, `showLogin("")`. */
  function resume(start, showLogin) {
    const token = session.token();
    if (!token) {
      showLogin("");
      return;
    }
    api("GET", "/api/me")
      .then((agent) => {
        session.set(token, agent);
        start(agent);
      })
      .catch(() => showLogin(""));
  }

  function loginForm(form, errorNode, onDone) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = form.querySelector("button[type=submit]");
      const login = form.elements.login.value.trim();
      const password = form.elements.password.value;
      say(errorNode, t("login.busy"), "info");
      button.disabled = true;
      try {
        const a = await api("POST", "/api/login", { login, password });
        session.set(a.token, a.agent);
        form.elements.password.value = "";
        say(errorNode, "");
        onDone(a.agent);
      } catch (err) {
        say(errorNode, errorText(err), "error");
      } finally {
        button.disabled = false;
      }
    });
  }

  async function logout() {
    try {
      await api("POST", "/api/logout");
    } catch (_) {
      /* the token is dropped anyway */
    }
    session.clear();
  }

  // ---- the live event stream ---------------------------------------------------------------

  /**
   * A parser for Server-Sent Events: feed it text as it comes; it calls `dispatch(name, data)`
   * for each complete event (blocks separated by a blank line; `event:` and `data:` fields,
   * several data lines joined by newlines; comments and other fields ignored).
   */
  function sseParser(dispatch) {
    let buf = "";
    let event = "";
    let data = [];
    return {
      push(chunk) {
        buf += chunk;
        for (;;) {
          const m = /\r\n|\r|\n/.exec(buf);
          if (!m) break;
          // A lone CR at the end may be the first half of a CRLF: wait for more.
          if (m[0] === "\r" && m.index === buf.length - 1) break;
          const line = buf.slice(0, m.index);
          buf = buf.slice(m.index + m[0].length);
          if (line === "") {
            if (data.length) dispatch(event || "message", data.join("\n"));
            event = "";
            data = [];
            continue;
          }
          if (line[0] === ":") continue;
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          let value = i < 0 ? "" : line.slice(i + 1);
          if (value[0] === " ") value = value.slice(1);
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
      },
    };
  }

  /**
   * Follows GET /api/events: `onEvent(name, json)` for each event, `onStatus(status, detail)`
   * with `connecting`, `live`, `reconnecting` (detail: seconds until the next try) or
   * `stopped`. After a drop it reconnects with a growing delay (1 s doubling to 30 s, with
   * jitter); the server starts every stream with an `overview`, which puts the page in step.
   */
  function live(onEvent, onStatus, path) {
    let stopped = false;
    let ctrl = null;
    let timer = null;
    let failures = 0;

    async function connect() {
      if (stopped) return;
      ctrl = new AbortController();
      onStatus("connecting");
      try {
        const res = await fetch(path || "/api/events", {
          headers: { Authorization: "Bearer " + (session.token() || ""), Accept: "text/event-stream" },
          signal: ctrl.signal,
          cache: "no-store",
        });
        if (res.status === 401) {
          session.clear();
          stopped = true;
          onStatus("stopped");
          unauthorized(new ApiError(401, "unauthenticated", t("err.session")));
          return;
        }
        if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = sseParser((name, text) => {
          let data;
          try {
            data = JSON.parse(text);
          } catch (_) {
            return;
          }
          if (failures) failures = 0;
          onStatus("live");
          onEvent(name, data);
        });
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
        }
      } catch (_) {
        /* dropped, refused or aborted: see below */
      }
      if (stopped) return;
      failures += 1;
      const base = Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5));
      const wait = Math.round(base * (0.8 + 0.4 * Math.random()));
      onStatus("reconnecting", Math.ceil(wait / 1000));
      timer = setTimeout(connect, wait);
    }

    connect();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
        if (ctrl) ctrl.abort();
      },
    };
  }

  /** Shows the live status in `node` (text, and data-status for the colour). */
  function liveStatus(node, status, detail) {
    node.dataset.status = status;
    if (status === "live") node.textContent = t("live.live");
    else if (status === "connecting") node.textContent = t("live.connecting");
    else if (status === "reconnecting") node.textContent = t("live.reconnecting", { s: detail });
    else node.textContent = "";
  }

  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";

  return {
    t,
    has,
    label,
    addStrings,
    applyStrings,
    loginPage,
    markField,
    setLang,
    getLang,
    ticketSummary,
    onLang,
    langButton,
    el,
    $,
    say,
    money,
    duration,
    dateTime,
    date,
    clock,
    learnServerTime,
    serverNow,
    session,
    ApiError,
    api,
    errorText,
    query,
    onUnauthorized,
    loginForm,
    resume,
    logout,
    sseParser,
    live,
    liveStatus,
  };
})();
