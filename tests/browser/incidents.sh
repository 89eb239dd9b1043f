#!/usr/bin/env bash
# Real-browser check of the supervisors' incidents page (/wall/incidents): starts its own
# `hotline serve` (HTTP on 127.0.0.1:$HOTLINE_INCIDENTS_PORT, default 27300; no SIP calls),
# with demo data, and runs incidents.test.js (playwright-core + Debian's Chromium). A
# screenshot in tests/browser/out-incidents/incidents.png.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override).
# Usage: tests/browser/incidents.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-incidents
HTTP_PORT=${HOTLINE_INCIDENTS_PORT:-27300}
. $DIR/engine.sh
browser_engine "$BIN" "$OUT" $((HTTP_PORT + 1)) $HTTP_PORT $((HTTP_PORT + 10))-$((HTTP_PORT + 49))
TZ=Asia/Shanghai BASE_URL=http://127.0.0.1:$HTTP_PORT OUT=$OUT SUP_PASSWORD=$(demo_password zhaolei) \
  AGENT_PASSWORD=$(demo_password zhangmin) node $DIR/incidents.test.js
