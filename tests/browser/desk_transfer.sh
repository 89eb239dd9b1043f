#!/usr/bin/env bash
# Real-browser check of the desk's call controls beyond hang-up and hold (desk_transfer.test.js,
# playwright-core + Debian's Chromium) against the real `hotline serve` (flows/main.yaml: the
# caller goes straight to the queue `general` of hotline.toml; no flow after the agent, so the
# last agent's hang-up ends the caller's call): the dial pad refusing numbers, mute, a blind
# transfer to a number refused by the dial rules, a consultation of an agent whose phone is
# busy (the "not reached" notice), a consultation of liqiang (refused "not answered yet" while
# his phone rings, then a conference, cancelled), a second one completed (the agent's phone
# gets the BYE, the desk shows the wrap-up, the call record names liqiang as
# transfer_agent_id), then a second call transferred blind to liqiang. SIPp plays the phones:
# zhangmin's (agent.xml + agent_call.xml, extension 1001), liqiang's (agent.xml +
# consult_call.xml, 1002: rings 2.5 s, then answers), wangfang's (agent.xml + walk_busy.xml,
# 1003: answers 486 Busy Here) and the customers' (desk_caller.xml, staying until hung up).
# Screenshots in tests/browser/out-desk-transfer/; the engine's and the phones' logs there too.
# Its own engine: SIP on 127.0.0.1:28200 (HOTLINE_DESK_XFER_PORT), HTTP on PORT+20, the phones
# PORT+1..PORT+3 (media PORT+100, +120, +130), the callers PORT+4 (media PORT+110), RTP
# PORT+140..PORT+199.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp.
# Usage: tests/browser/desk_transfer.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-desk-transfer
PORT=${HOTLINE_DESK_XFER_PORT:-28200}
HTTP_PORT=$((PORT + 20))
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
. $DIR/engine.sh
# No announcements in the queue (hotline.toml); SIPp sends no RTP, so no media timeout; agents
# go ready only when asked; no outbound route (acd.callback_gateway unset) and the default
# dial rules (110 refused to agents); no flow after the agent. The call core's queue module
# logs at debug level: the test waits for "caller and agent bridged" (the staff number said).
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 140))-$((PORT + 199)) \
  HOTLINE_CONFIG=$DIR/hotline.toml HOTLINE_IVR_FLOWS_DIR=$DIR/flows HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_ACD_AFTER_AGENT_FLOW= \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 HOTLINE_SIP_USERS=1001:secret,1002:secret,1003:secret \
  HOTLINE_SIP_AUTH_ALGORITHMS=MD5,SHA-256 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_MEDIA_TIMEOUT_SECS=0 \
  HOTLINE_LOG_LEVEL=info,hotline_call::control::queue=debug

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
  LI_PASSWORD=$(demo_password liqiang) \
  AGENT_SIP_PORT=$((PORT + 1)) AGENT_MEDIA_PORT=$((PORT + 100)) \
  LI_SIP_PORT=$((PORT + 2)) LI_MEDIA_PORT=$((PORT + 120)) \
  WANG_SIP_PORT=$((PORT + 3)) WANG_MEDIA_PORT=$((PORT + 130)) \
  CALLER_SIP_PORT=$((PORT + 4)) CALLER_MEDIA_PORT=$((PORT + 110)) ENGINE_LOG="$OUT/hotline.log" \
  node $DIR/desk_transfer.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
