#!/usr/bin/env bash
# Issue 18's "Prove it" walk of a work order, every step through the pages (walk.test.js),
# against the real `hotline serve` with the shipped IVR flows (ivr-flows/) and SIPp phones:
#   1. a demo customer's phone (SIPp, walk_caller.xml) calls 96655 and reports a leak with keys
#      (RFC 4733 telephone-events from a pcap made by dtmf_pcap.py: 1 for Chinese, 4 for the
#      leak menu, 1 "at my address"); the IVR opens the leak ticket and dispatches it at once
#      (leak has auto_dispatch) to the customer's district;
#   2. the district crew's page (/crew, 360×740; the crew made with `hotline agent add --role
#      crew --district CODE`) shows it live;
#   3. the district's dispatch phone is rung through the outbound route (acd.callback_gateway =
#      a SIPp UAS, walk_phone.xml), hears the work order and presses 1: the acknowledgement is
#      on the ticket in /desk;
#   4. the crew starts (on site) and replies with the result from /crew;
#   5. the demo agent zhangmin closes it from /desk;
#   6. the follow-up shows in 待回访; she records it reached, with a rating;
#   7. the rating shows on the ticket (/desk) and on the agent (the supervisor's /wall);
# and a district phone that is busy (walk_busy.xml answers 486): called again, then the ticket
# escalated: the supervisor's /wall shows the banner with 片区调度电话未确认.
# Screenshots: tests/browser/out-walk/NN-step.png; the engine's log there too.
# Its own engine: SIP on 127.0.0.1:27700 (HOTLINE_WALK_PORT), HTTP on PORT+20, the caller's
# phone PORT+1 (media PORT+10), the district's phone PORT+2 (media PORT+30), RTP PORT+40..+99.
# Needs: node + `npm ci` in tests/browser, /usr/bin/chromium (CHROMIUM to override), sipp,
# python3. Takes about a minute and a half.
# Usage: tests/browser/walk.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
DIR=tests/browser
OUT=$DIR/out-walk
PORT=${HOTLINE_WALK_PORT:-27700}
HTTP_PORT=$((PORT + 20))
CALLER_SIP_PORT=$((PORT + 1))
CALLER_MEDIA_PORT=$((PORT + 10))
PHONE_SIP_PORT=$((PORT + 2))
PHONE_MEDIA_PORT=$((PORT + 30))
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
started=$(date +%s)
rm -rf "$OUT" && mkdir -p "$OUT"

command -v node >/dev/null || { echo "node not found: apt-get install -y nodejs npm"; exit 2; }
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found"; exit 2; }
[ -x "$CHROMIUM" ] || { echo "no browser at $CHROMIUM: apt-get install -y chromium"; exit 2; }
[ -d "$DIR/node_modules/playwright-core" ] || { echo "playwright-core missing: (cd $DIR && npm ci)"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build -p hotline"; exit 2; }

# The keys: the caller's (1 Chinese, during the language menu; 4 the leak menu, during the main
# menu; 1 "at my address", during the leak menu; keys pressed early wait as type-ahead) and the
# district phone's 1 after the work order's prompts (about 8 s), twice more should one be lost.
python3 $DIR/dtmf_pcap.py "$OUT/caller-keys.pcap" 20 1@5 4@10 1@15
python3 $DIR/dtmf_pcap.py "$OUT/phone-keys.pcap" 22 1@10 1@14 1@18

ENGINE=""
cleanup() {
  # The phones are started by the test, which ends them; should the test die first:
  local p
  for f in "$OUT"/*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && [ "$(ps -p "$p" -o comm= 2>/dev/null)" = sipp ]; then kill "$p" 2>/dev/null || true; fi
  done
  if [ -n "$ENGINE" ]; then kill "$ENGINE" 2>/dev/null || true; wait "$ENGINE" 2>/dev/null || true; fi
}
trap cleanup EXIT

# The shipped configuration and flows; the dispatch phone is called twice at most, 1 s apart,
# so the busy phone's ticket is escalated within seconds.
env -u HOTLINE_WALK_PORT \
  HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$PORT HOTLINE_SIP_LISTEN_TCP=127.0.0.1:$PORT \
  HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 HOTLINE_SIP_TRUNKS=127.0.0.1/32 \
  HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 HOTLINE_MEDIA_RTP_PORTS=$((PORT + 40))-$((PORT + 99)) \
  HOTLINE_DATA_DIR="$OUT/data" HOTLINE_HTTP_LISTEN=127.0.0.1:$HTTP_PORT \
  HOTLINE_STORE_DEMO_CUSTOMERS=30 HOTLINE_IVR_FLOWS_DIR=ivr-flows HOTLINE_IVR_ENTRY_FLOW=main \
  HOTLINE_IVR_RELOAD_SECS=0 HOTLINE_ACD_READY_ON_REGISTER=false \
  HOTLINE_ACD_CALLBACK_GATEWAY=127.0.0.1:$PHONE_SIP_PORT \
  HOTLINE_TICKETS_DISPATCH_CALL_ATTEMPTS=2 HOTLINE_TICKETS_DISPATCH_CALL_RETRY_SECS=1 \
  HOTLINE_TICKETS_ESCALATION_CHECK_SECS=2 HOTLINE_LOG_LEVEL=info \
  "$BIN" serve >"$OUT/hotline.log" 2>&1 &
ENGINE=$!
for _ in $(seq 1 150); do
  grep -q " ready:" "$OUT/hotline.log" && break
  kill -0 $ENGINE 2>/dev/null || { cat "$OUT/hotline.log"; echo "FAIL: hotline exited"; exit 1; }
  sleep 0.1
done
grep -q " ready:" "$OUT/hotline.log" || { cat "$OUT/hotline.log"; echo "FAIL: hotline did not start"; exit 1; }

echo "== test data: the caller, a demo customer whose address has a district with a dispatch phone"
# Its district has no notice in force (the main flow would read the notices first), its phone
# is its own; another district with a dispatch phone for the busy-phone check.
python3 - "$OUT/data/hotline.db" >"$OUT/fixture.env" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
now = int(time.time() * 1000)
rows = db.execute(
    "SELECT c.id, c.account_no, c.address, p.phone, d.code, d.name FROM customers c "
    "JOIN customer_phones p ON p.customer_id = c.id JOIN districts d ON d.id = c.district_id "
    "WHERE c.tier = 'standard' AND d.dispatch_phone <> '' "
    "AND (SELECT COUNT(*) FROM customer_phones q WHERE q.phone = p.phone) = 1 "
    "AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.district_id = d.id AND n.starts_at <= ? "
    "AND (n.ends_at IS NULL OR n.ends_at > ?)) ORDER BY c.id, p.phone", (now, now)).fetchall()
assert rows, "no demo customer with a phone in a district with a dispatch phone and no notice"
cid, account, address, phone, code, dname = rows[0]
other = db.execute(
    "SELECT code FROM districts WHERE code <> ? AND dispatch_phone <> '' ORDER BY id", (code,)).fetchone()
assert other, "no second district with a dispatch phone"
print(f"CUSTOMER_ID={cid}")
print(f"CUSTOMER_ACCOUNT={account}")
print(f"CUSTOMER_PHONE={phone}")
print(f"DISTRICT={code}")
print(f"BUSY_DISTRICT={other[0]}")
PY
cat "$OUT/fixture.env"
set -a
. "$OUT/fixture.env"
set +a

CREW_PASSWORD=crew-$RANDOM-pass
HOTLINE_DATA_DIR="$OUT/data" HOTLINE_AGENT_PASSWORD=$CREW_PASSWORD "$BIN" agent add --login crew-walk \
  --name 片区抢修一班 --staff-no C201 --sip-user 8201 --role crew --district "$DISTRICT" >"$OUT/crew-add.log" 2>&1 \
  || { cat "$OUT/crew-add.log"; echo "FAIL: the crew was not added"; exit 1; }

echo "== the browser walk"
set +e
BASE_URL=http://127.0.0.1:$HTTP_PORT SIP_TARGET=127.0.0.1:$PORT \
  CALLER_SIP_PORT=$CALLER_SIP_PORT CALLER_MEDIA_PORT=$CALLER_MEDIA_PORT \
  PHONE_SIP_PORT=$PHONE_SIP_PORT PHONE_MEDIA_PORT=$PHONE_MEDIA_PORT \
  AGENTS_FILE="$OUT/data/demo-agents.txt" OUT="$OUT" CHROMIUM="$CHROMIUM" \
  CREW_LOGIN=crew-walk CREW_PASSWORD=$CREW_PASSWORD node $DIR/walk.test.js
rc=$?
set -e
if grep -qi 'panicked' "$OUT/hotline.log"; then echo "FAIL: the engine panicked"; rc=1; fi
kill -0 $ENGINE 2>/dev/null || { echo "FAIL: hotline died"; rc=1; }
echo "walk suite: exit $rc in $(($(date +%s) - started)) s; screenshots: $(cd "$OUT" && ls ./*.png 2>/dev/null | tr '\n' ' ')"
exit $rc
