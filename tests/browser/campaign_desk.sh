#!/usr/bin/env bash
# Real-browser check of a progressive campaign's call reaching an agent's desk
# (campaign_desk.test.js, playwright-core + Debian's Chromium) against the real `hotline serve`:
# SIPp's built-in `uas` scenario stands in for the outbound route and the customer's phone
# (answers, then stays until the engine's BYE); zhangmin's SIPp phone (agent.xml +
# agent_call.xml, extension 1001) answers the engine's offer. A supervisor makes a progressive
# campaign over the API with one target and starts it; the desk, ready, pops the call with the
# customer's number and the campaign's name; zhangmin's phone answers; the desk's hang-up ends
# the call (the customer's phone gets the BYE); the attempt is stored answered, naming her.
# Then a preview campaign over two customers (the first a demo customer): the desk's preview
# panel shows the first with the customer looked up, nothing dialled; a skip needs a reason
# and is kept with it; the second is offered, 拨打 rings her phone first, then the customer
# (a second SIPp `uas`), the pop names the campaign, the desk hangs up, one attempt stored.
# Screenshots in tests/browser/out-campaign-desk/; the engine's and the phones' logs there too.
# Its own engine: SIP on 127.0.0.1:28700 (HOTLINE_CAMPAIGN_DESK_PORT), HTTP on PORT+20, the
# agent's phone PORT+1 (media PORT+100), the gateway PORT+5 (media PORT+110), RTP
# PORT+140..PORT+199.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp.
# Usage: tests/browser/campaign_desk.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-campaign-desk
PORT=${HOTLINE_CAMPAIGN_DESK_PORT:-28700}
HTTP_PORT=$((PORT + 20))
GATEWAY_PORT=$((PORT + 5))
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
. $DIR/engine.sh
# The flows: the browser suite's `main`, and the campaign's `remind` (a progressive campaign's
# customers go to agents, not to it; the target's data is checked against it all the same).
FLOWS=$(mktemp -d)
cp $DIR/flows/main.yaml "$FLOWS/"
cat > "$FLOWS/remind.yaml" <<'YAML'
flow: remind
languages: [zh, en]
target:
  amount_due: money
start: bye
nodes:
  bye:
    hangup: { prompts: [goodbye] }
YAML
# No announcements (hotline.toml); SIPp sends no RTP, so no media timeout; agents go ready only
# when asked; the outbound route is the SIPp gateway; no flow after the agent.
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 140))-$((PORT + 199)) \
  HOTLINE_CONFIG=$DIR/hotline.toml HOTLINE_IVR_FLOWS_DIR="$FLOWS" HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_ACD_AFTER_AGENT_FLOW= HOTLINE_ACD_CALLBACK_GATEWAY=127.0.0.1:$GATEWAY_PORT \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 HOTLINE_SIP_USERS=1001:secret \
  HOTLINE_SIP_AUTH_ALGORITHMS=MD5,SHA-256 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_MEDIA_TIMEOUT_SECS=0

# The preview part's first customer is a demo customer: the desk looks them up when offered.
PREVIEW_ACCOUNT=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=10).execute("SELECT account_no FROM customers WHERE tier = '"'"'standard'"'"' ORDER BY id LIMIT 1").fetchone()[0])' "$OUT/data/hotline.db")

stop_phones() {
  local f p
  for f in "$OUT"/*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && [ "$(ps -p "$p" -o comm= 2>/dev/null)" = sipp ]; then kill "$p" 2>/dev/null || true; fi
  done
  browser_engine_stop
  rm -rf "$FLOWS"
}
trap stop_phones EXIT

set +e
BASE_URL=http://127.0.0.1:$HTTP_PORT SIP_TARGET=127.0.0.1:$PORT OUT="$OUT" \
  AGENT_PASSWORD=$(demo_password zhangmin) SUP_PASSWORD=$(demo_password zhaolei) \
  AGENT_SIP_PORT=$((PORT + 1)) AGENT_MEDIA_PORT=$((PORT + 100)) \
  GATEWAY_PORT=$GATEWAY_PORT GATEWAY_MEDIA_PORT=$((PORT + 110)) ENGINE_LOG="$OUT/hotline.log" \
  PREVIEW_ACCOUNT="$PREVIEW_ACCOUNT" \
  node $DIR/campaign_desk.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
