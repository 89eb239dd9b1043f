#!/usr/bin/env bash
# Real-browser check of the supervisors' outbound campaigns page (/wall/campaigns): starts its
# own `hotline serve` (HTTP on 127.0.0.1:$HOTLINE_CAMPAIGNS_PORT, default 27600; no outbound
# route, so a running campaign's calls fail and it pauses itself, "the route is down"), with
# demo data, and runs campaigns.test.js (playwright-core + Debian's Chromium). Screenshots in
# tests/browser/out-campaigns/; the engine's log there.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override).
# Usage: tests/browser/campaigns.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-campaigns
HTTP_PORT=${HOTLINE_CAMPAIGNS_PORT:-27600}
SIP_PORT=$((HTTP_PORT + 1))
. $DIR/engine.sh
browser_engine "$BIN" "$OUT" $SIP_PORT $HTTP_PORT $((HTTP_PORT + 10))-$((HTTP_PORT + 49))
SUP_PASSWORD=$(demo_password zhaolei)
AGENT_PASSWORD=$(demo_password zhangmin)
set +e
TZ=Asia/Shanghai BASE_URL=http://127.0.0.1:$HTTP_PORT OUT=$OUT SUP_PASSWORD=$SUP_PASSWORD AGENT_PASSWORD=$AGENT_PASSWORD node $DIR/campaigns.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 "$ENGINE" 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
exit $rc
