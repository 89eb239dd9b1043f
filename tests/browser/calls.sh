#!/usr/bin/env bash
# Real-browser check of the call search and recording player (/wall/calls; calls.test.js,
# playwright-core + Debian's Chromium) against the real `hotline serve` recording its calls
# (the default): SIPp as the agent zhangmin's phone (agent.xml + agent_call.xml, extension
# 1001) and as a customer who talks (calls_caller.xml playing caller-tone.pcap, a 400 Hz tone
# in bursts made by tone_pcap.py) make one real answered call, so a real stereo recording
# exists. The supervisor zhaolei finds it by the caller's number, plays it (the page fetches
# it by Range requests, answered 206), sees both channels' waveforms, and the audit trail has
# the playback; the agent liqiang, who did not take the call, gets the API's 403 message on
# the page. Screenshots in tests/browser/out-calls/; the engine's and the phones' logs there.
# Its own engine: SIP on 127.0.0.1:27900 (HOTLINE_CALLS_PORT), HTTP on PORT+20, the agent's
# phone PORT+1 (media PORT+100), the caller PORT+2 (media PORT+110), RTP PORT+140..PORT+199.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp,
# python3.
# Usage: tests/browser/calls.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-calls
PORT=${HOTLINE_CALLS_PORT:-27900}
HTTP_PORT=$((PORT + 20))
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found"; exit 2; }
. $DIR/engine.sh
# No announcements in the queue (hotline.toml); the agent's SIPp sends no RTP, so no media
# timeout; agents go ready only when asked. Recording is on (the default).
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 140))-$((PORT + 199)) \
  HOTLINE_CONFIG=$DIR/hotline.toml HOTLINE_IVR_FLOWS_DIR=$DIR/flows HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 HOTLINE_SIP_USERS=1001:secret \
  HOTLINE_SIP_AUTH_ALGORITHMS=MD5,SHA-256 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_MEDIA_TIMEOUT_SECS=0

# The caller's voice: 14 s of tone bursts (longer than the call).
python3 $DIR/tone_pcap.py "$OUT/caller-tone.pcap" 14

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
  OTHER_PASSWORD=$(demo_password liqiang) \
  AGENT_SIP_PORT=$((PORT + 1)) AGENT_MEDIA_PORT=$((PORT + 100)) \
  CALLER_SIP_PORT=$((PORT + 2)) CALLER_MEDIA_PORT=$((PORT + 110)) \
  node $DIR/calls.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
