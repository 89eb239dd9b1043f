#!/usr/bin/env bash
# Real-browser check of the work orders: the desk's ticket view (tickets.test.js: a dispatch
# refused with the reason shown (no district chosen, then no address), the lifecycle run
# from the page (start, reply with a result, close, re-open), a race lost to another user
# shown with the state now, deadlines counting down, the list's filters, notes with markup
# shown as text) and the district crew's page on a phone-sized screen (crew.test.js: a crew
# made with `hotline agent add --role crew`, a dispatch appearing live with a sound,
# acknowledge, start, reply, return, another district's ticket never shown).
# Chromium (playwright-core) against the real `hotline serve`; no phones needed. Screenshots
# in tests/browser/out-tickets/*.png.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override).
# Usage: tests/browser/tickets.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-tickets
PORT=${HOTLINE_TICKETS_PORT:-27460}
HTTP_PORT=$((PORT + 20))
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
. $DIR/engine.sh
browser_engine "$BIN" "$OUT" $PORT $HTTP_PORT $((PORT + 100))-$((PORT + 199)) \
  HOTLINE_IVR_FLOWS_DIR=$DIR/flows HOTLINE_IVR_ENTRY_FLOW=main

CREW_PASSWORD=crew-$RANDOM-pass
HOTLINE_DATA_DIR="$OUT/data" HOTLINE_AGENT_PASSWORD=$CREW_PASSWORD "$BIN" agent add --login crew-east \
  --name 城东抢修一班 --staff-no C101 --sip-user 8101 --role crew --district east >"$OUT/crew-add.log" 2>&1 \
  || { cat "$OUT/crew-add.log"; echo "FAIL: the crew was not added"; exit 1; }

set +e
rc=0
for t in tickets crew; do
  BASE_URL=http://127.0.0.1:$HTTP_PORT AGENTS_FILE="$OUT/data/demo-agents.txt" OUT="$OUT" CHROMIUM="$CHROMIUM" \
    CREW_LOGIN=crew-east CREW_PASSWORD=$CREW_PASSWORD node $DIR/$t.test.js || rc=1
done
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
exit $rc
