#!/usr/bin/env bash
# Real-browser check of the supervisors' notices page (/wall/notices): starts its own
# `hotline serve` (HTTP on 127.0.0.1:$HOTLINE_NOTICES_PORT, default 27180; no SIP calls), with
# demo data, and runs notices.test.js (playwright-core + Debian's Chromium). A screenshot in
# tests/browser/out-notices/notices.png.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override).
# Usage: tests/browser/notices.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-notices
HTTP_PORT=${HOTLINE_NOTICES_PORT:-27180}
SIP_PORT=$((HTTP_PORT + 1))
rm -rf "$OUT" && mkdir -p "$OUT"
[ -d "$DIR/node_modules/playwright-core" ] || { echo "playwright-core missing: (cd $DIR && npm ci)"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build -p hotline"; exit 2; }

ENGINE=""
cleanup() { [ -n "$ENGINE" ] && kill "$ENGINE" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
env HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$SIP_PORT HOTLINE_SIP_LISTEN_TCP=127.0.0.1:$SIP_PORT \
  HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 \
  HOTLINE_MEDIA_RTP_PORTS=$((HTTP_PORT + 10))-$((HTTP_PORT + 49)) \
  HOTLINE_DATA_DIR="$OUT/data" HOTLINE_HTTP_LISTEN=127.0.0.1:$HTTP_PORT \
  HOTLINE_STORE_DEMO_CUSTOMERS=20 HOTLINE_IVR_RELOAD_SECS=0 HOTLINE_LOG_LEVEL=info \
  "$BIN" serve >"$OUT/hotline.log" 2>&1 &
ENGINE=$!
for _ in $(seq 1 150); do
  grep -q " ready:" "$OUT/hotline.log" && break
  kill -0 $ENGINE 2>/dev/null || { cat "$OUT/hotline.log"; echo "FAIL: hotline exited"; exit 1; }
  sleep 0.1
done
grep -q " ready:" "$OUT/hotline.log" || { cat "$OUT/hotline.log"; echo "FAIL: hotline did not start"; exit 1; }
SUP_PASSWORD=$(awk -F'\t' '$1 == "zhaolei" { print $3 }' "$OUT/data/demo-agents.txt")
# The page runs in the centre's zone (Asia/Shanghai); the test writes its times in the same.
TZ=Asia/Shanghai BASE_URL=http://127.0.0.1:$HTTP_PORT OUT=$OUT SUP_PASSWORD=$SUP_PASSWORD node $DIR/notices.test.js
