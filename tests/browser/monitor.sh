#!/usr/bin/env bash
# Real-browser check of supervision from the wallboard (/wall): listen, whisper, barge and leave
# (monitor.test.js, playwright-core + Debian's Chromium) against the real `hotline serve`
# (flows/main.yaml: the caller goes straight to the queue `general` of hotline.toml), with SIPp
# as the agent zhangmin's phone (agent.xml + agent_call.xml, extension 1001), as a customer's
# phone (caller.xml) and as the supervisor zhaolei's phone (agent.xml + supervisor_call.xml,
# extension 1009, registered only after the page has shown the "phone not registered"
# refusal). The page's clicks must ring the supervisor's phone, change the mode, leave (the
# phone gets the BYE), and the audit trail must hold each step. A screenshot in
# tests/browser/out-monitor/monitor.png; the engine's and the phones' logs there too.
# Its own engine: SIP on 127.0.0.1:27800 (HOTLINE_MONITOR_PORT), HTTP on PORT+20, the agent's
# phone PORT+1 (media PORT+100), the caller PORT+2 (media PORT+110), the supervisor's phone
# PORT+3 (media PORT+120), RTP PORT+140..PORT+199.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp.
# Usage: tests/browser/monitor.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-monitor
PORT=${HOTLINE_MONITOR_PORT:-27800}
HTTP_PORT=$((PORT + 20))
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
. $DIR/engine.sh
# No announcements in the queue (hotline.toml); SIPp sends no RTP, so no media timeout; agents
# go ready only when asked (the supervisor's phone registering must not make him ready).
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 140))-$((PORT + 199)) \
  HOTLINE_CONFIG=$DIR/hotline.toml HOTLINE_IVR_FLOWS_DIR=$DIR/flows HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 HOTLINE_SIP_USERS=1001:secret,1009:secret \
  HOTLINE_SIP_AUTH_ALGORITHMS=MD5,SHA-256 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_MEDIA_TIMEOUT_SECS=0 HOTLINE_MEDIA_RECORD=false

# The phones the test starts write their pids here; whatever is left is ended on exit.
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
  AGENT_SIP_PORT=$((PORT + 1)) AGENT_MEDIA_PORT=$((PORT + 100)) \
  CALLER_SIP_PORT=$((PORT + 2)) CALLER_MEDIA_PORT=$((PORT + 110)) \
  SUP_SIP_PORT=$((PORT + 3)) SUP_MEDIA_PORT=$((PORT + 120)) ENGINE_LOG="$OUT/hotline.log" \
  node $DIR/monitor.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
