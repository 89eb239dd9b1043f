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
. $DIR/engine.sh
browser_engine "$BIN" "$OUT" $SIP_PORT $HTTP_PORT $((HTTP_PORT + 10))-$((HTTP_PORT + 49))
SUP_PASSWORD=$(demo_password zhaolei)
# The page runs in the centre's zone (Asia/Shanghai); the test writes its times in the same.
TZ=Asia/Shanghai BASE_URL=http://127.0.0.1:$HTTP_PORT OUT=$OUT SUP_PASSWORD=$SUP_PASSWORD node $DIR/notices.test.js
