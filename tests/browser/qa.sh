#!/usr/bin/env bash
# Real-browser check of quality assessment (/wall/qa, the desk's "My evaluations", the QA part
# of /wall/reports; qa.test.js, playwright-core + Debian's Chromium) against the real
# `hotline serve` recording its calls and loading the shipped form (qa-forms/standard.yaml):
# SIPp as the agent zhangmin's phone (agent.xml + agent_call.xml, extension 1001) and as a
# customer who talks (calls_caller.xml playing a tone made by tone_pcap.py) make one real
# answered, recorded ACD call. One more answered call of last week (liqiang's, no recording)
# is written into the SQLite file, so last week's work list has a row. Then the evaluator
# sunli evaluates the call from /wall/calls' Evaluate link (the recording played by Range
# requests), zhangmin disputes it on the desk, zhaolei resolves it on /wall/qa and scores the
# call too (calibration), the QA report shows the team's week, liqiang is refused, and the
# audit trail has it all (the steps are at the top of qa.test.js). Screenshots in
# tests/browser/out-qa/; the engine's and the phones' logs there.
# Its own engine: SIP on 127.0.0.1:28500 (HOTLINE_QA_PORT), HTTP on PORT+20, the agent's phone
# PORT+1 (media PORT+100), the caller PORT+2 (media PORT+110), RTP PORT+140..PORT+199.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp,
# python3.
# Usage: tests/browser/qa.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-qa
PORT=${HOTLINE_QA_PORT:-28500}
HTTP_PORT=$((PORT + 20))
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found"; exit 2; }
. $DIR/engine.sh
# No announcements in the queue (hotline.toml); the agent's SIPp sends no RTP, so no media
# timeout; agents go ready only when asked. Recording is on (the default); the QA forms are
# the shipped ones (qa.forms_dir = qa-forms, the default, from the repository's root).
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 140))-$((PORT + 199)) \
  HOTLINE_CONFIG=$DIR/hotline.toml HOTLINE_IVR_FLOWS_DIR=$DIR/flows HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 HOTLINE_SIP_USERS=1001:secret \
  HOTLINE_SIP_AUTH_ALGORITHMS=MD5,SHA-256 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_MEDIA_TIMEOUT_SECS=0

# The caller's voice: 14 s of tone bursts (longer than the call).
python3 $DIR/tone_pcap.py "$OUT/caller-tone.pcap" 14

# Last week's call (Wednesday 10:00 in the centre's zone, Asia/Shanghai), answered by
# liqiang: the work list of last week draws it (the API draws a finished week on first look).
OLD_CALL=$(python3 - "$OUT/data/hotline.db" <<'PY'
import sqlite3, sys, datetime, zoneinfo
db = sqlite3.connect(sys.argv[1], timeout=10)
agent = db.execute("SELECT id FROM agents WHERE login = 'liqiang'").fetchone()[0]
z = zoneinfo.ZoneInfo("Asia/Shanghai")
today = datetime.datetime.now(z).date()
monday = today - datetime.timedelta(days=today.weekday() + 7)
wed = monday + datetime.timedelta(days=2)
at = int(datetime.datetime(wed.year, wed.month, wed.day, 10, tzinfo=z).timestamp() * 1000)
cur = db.execute(
    "INSERT INTO calls (call_ref, caller, dialled, started_at, ivr_ended_at, queued_at, answered_at, ended_at, "
    "queue, agent_id, disposition, wait_ms, talk_ms, wrapup_ms) "
    "VALUES ('qa-last-week', '13800001111', '96655', ?, ?, ?, ?, ?, 'general', ?, 'answered', 5000, 90000, 10000)",
    (at, at + 20000, at + 20000, at + 25000, at + 115000, agent),
)
db.commit()
print(f"{cur.lastrowid} {at}")
PY
)

stop_phones() {
  local f p
  for f in "$OUT"/*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && [ "$(ps -p "$p" -o comm= 2>/dev/null)" = sipp ]; then kill "$p" 2>/dev/null || true; fi
  done
  browser_engine_stop
}
trap stop_phones EXIT

set +e
BASE_URL=http://127.0.0.1:$HTTP_PORT SIP_TARGET=127.0.0.1:$PORT OUT="$OUT" \
  AGENT_PASSWORD=$(demo_password zhangmin) SUP_PASSWORD=$(demo_password zhaolei) \
  QA_PASSWORD=$(demo_password sunli) OTHER_PASSWORD=$(demo_password liqiang) \
  OLD_CALL_ID=${OLD_CALL% *} OLD_CALL_AT=${OLD_CALL#* } \
  AGENT_SIP_PORT=$((PORT + 1)) AGENT_MEDIA_PORT=$((PORT + 100)) \
  CALLER_SIP_PORT=$((PORT + 2)) CALLER_MEDIA_PORT=$((PORT + 110)) \
  node $DIR/qa.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
