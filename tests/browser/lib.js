"use strict";
// What the page checks share (notices, incidents, reports): one line per check and the tally, the API
// called the way the pages call it, Debian's Chromium launched headless, and a page watched
// for dialogs, page errors and console errors (a refused request the test provokes is logged
// by the browser itself as "Failed to load resource" and is not a problem).

const { chromium } = require("playwright-core");

/** Checks with a tally: `check(name, cond, detail)`; `done(label)` prints it and exits. */
function checker() {
  let passed = 0;
  let failed = 0;
  const check = (name, cond, detail) => {
    if (cond) passed += 1;
    else failed += 1;
    console.log((cond ? "ok   " : "FAIL ") + name + (detail !== undefined ? ": " + detail : ""));
    return cond;
  };
  const done = (label) => {
    console.log(`${label}: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  };
  return { check, done };
}

/** `api(method, path, token, body)` against `base`: `{ status, body }` (JSON or null). */
function apiOf(base) {
  return async (method, p, token, body) => {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** Debian's Chromium (CHROMIUM to override), headless; `extra` switches added. */
function launch(extra) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", ...(extra || [])],
  });
}

/** Records `page`'s dialogs (dismissed), page errors and console errors in `problems`. */
function watch(page, problems) {
  page.on("dialog", (d) => {
    problems.push("dialog: " + d.message());
    d.dismiss();
  });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push("console: " + m.text());
  });
}

module.exports = { checker, apiOf, launch, watch };
