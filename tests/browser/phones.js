"use strict";
// SIPp phones for the checks that need live calls (monitor, calls): an agent's or supervisor's
// registered softphone (agent.xml with an out-of-call scenario that answers the engine's
// INVITEs) and a customer's call (caller.xml or a scenario like it). Each SIPp writes
// OUT/<tag>.log (its -trace_logs lines), .err, .screen and OUT/<tag>.pid (the shell script
// ends whatever is left on exit); the test ends them with stop().

const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` (async) every 200 ms until it gives a truthy value or `ms` pass; the value or null. */
async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(200);
  }
}

/** SIPp with `args`, its files named by `tag` in `out`; `{ proc, exited, log(), stop() }`. */
function sipp(where, tag, args, cwd) {
  const out = path.resolve(where);
  const screen = fs.openSync(path.join(out, tag + ".screen"), "w");
  const logFile = path.join(out, tag + ".log");
  const proc = spawn(
    "sipp",
    [...args, "-nostdin", "-trace_logs", "-log_file", logFile, "-trace_err", "-error_file", path.join(out, tag + ".err")],
    { stdio: ["ignore", screen, screen], cwd: cwd || process.cwd() },
  );
  fs.writeFileSync(path.join(out, tag + ".pid"), String(proc.pid));
  let code = null;
  const exited = new Promise((resolve) =>
    proc.on("exit", (c) => {
      code = c;
      resolve(c);
    }),
  );
  const kill = () => {
    if (code === null) proc.kill();
  };
  process.on("exit", kill);
  return {
    proc,
    exited,
    /** The -trace_logs lines so far. */
    log() {
      try {
        return fs.readFileSync(logFile, "utf8");
      } catch (_) {
        return "";
      }
    },
    /** Waits until the log has `text` `times` times (default once). */
    async logged(text, ms, times) {
      return until(async () => this.log().split(text).length - 1 >= (times || 1), ms);
    },
    stop() {
      kill();
      return exited;
    },
  };
}

/**
 * A registered softphone for `user` (password `secret`) whose calls `callScenario` answers
 * (agent_call.xml, supervisor_call.xml); resolves once registered (null if it did not).
 */
async function softphone(env, tag, user, sipPort, mediaPort, callScenario) {
  const dir = __dirname;
  const phone = sipp(env.OUT, tag, [
    "-sf", path.join(dir, "agent.xml"), "-oocsf", path.join(dir, callScenario), env.SIP_TARGET,
    "-i", "127.0.0.1", "-p", String(sipPort), "-mp", String(mediaPort),
    "-s", user, "-au", user, "-ap", "secret", "-d", "600000", "-m", "1", "-timeout", "660s",
  ]);
  return (await phone.logged("registered " + user, 10000)) ? phone : null;
}

/** A customer's call from `number` to 96655 with `scenario` (caller.xml), hanging up `holdMs` after the answer. */
function call(env, tag, number, holdMs, scenario, cwd) {
  return sipp(
    env.OUT,
    tag,
    [
      "-sf", path.join(__dirname, scenario || "caller.xml"), env.SIP_TARGET,
      "-s", "96655", "-key", "caller", number,
      "-i", "127.0.0.1", "-p", String(env.CALLER_SIP_PORT), "-mp", String(env.CALLER_MEDIA_PORT),
      "-m", "1", "-d", String(holdMs), "-timeout", String(Math.ceil(holdMs / 1000) + 60) + "s", "-timeout_error",
    ],
    cwd,
  );
}

module.exports = { sleep, until, sipp, softphone, call };
