#!/usr/bin/env bash
# Outbound campaigns with SIPp as the outbound gateway and the customers' phones (issue 21),
# against the real `hotline serve`. The engine runs on a fake clock (libfaketime, Debian
# package faketime) that starts at 13:59:40 in the centre's zone (Asia/Shanghai) on Tuesday
# 2026-12-08: inside the default calling window's lunch gap (09:00-12:00, 14:00-20:00), 20 s
# before it opens. Its seeded demo customers (bills due by that date) make the lists.
#   A: an IVR-only arrears campaign (flow ivr-flows/dunning.yaml) over the seeded district
#      `west` (rule: arrears >= 10 yuan for >= 1 month; 5 customers), default window, busy
#      retried once after 1 minute, no answer and failures not retried. Its customers, taken
#      in account order: the first keys a promise to pay (1 holder, 1 promise, the date three
#      days on as MMDD, 1 confirm), the second opts out (1, 9, 1), the third's number is put
#      on the do-not-call list before the start, the fourth is busy (486), the fifth rings
#      and is never answered (the engine must CANCEL after its ring time: 487).
#   B: an uploaded CSV list (5 good rows, a bad number and a duplicate) whose numbers the
#      gateway refuses with 503: the campaign is paused saying the route is down.
#   C: made once the opt-out is in: a CSV list with the opted-out customer and one other.
#   F: a follow-up (回访) campaign (flow ivr-flows/followup.yaml) by rule: the follow-ups due
#      of closed `complaint` tickets. Two tickets are made through the API as the desk makes
#      them, for two seeded customers outside west: a complaint and a billing dispute, each
#      replied and closed (closing schedules its follow-up). The complaint's customer answers
#      and keys the rating 4 over the rating prompt, 20 s after answering (the greeting, the
#      ticket's kind and close date come before it).
# The gateway is one SIPp UAS (campaign_gateway.xml) picking each call's behaviour from the
# dialled number; the keys are RFC 2833 events in pcaps made by tests/browser/dtmf_pcap.py.
# Passes when: A's list is exactly the store's west customers in arrears; the CSV's bad rows
# are refused; no call is placed while the window is closed (SIPp sees no INVITE, the store
# no attempt) and calls are placed once it opens (every attempt dialled at 14:00 or later);
# the promise is stored with the amount due, the date keyed and the keys; the opt-out is on
# the do-not-call list (source keypad) and C never dials it; the number put on the list
# before the start is never dialled (no INVITE, skipped do_not_call); F's list is the
# complaint's follow-up only; the rating is stored with the attempt (answered, rating 4, keys
# 4) and written to the ticket as the desk's follow-up does (ticket rated 4 by the system, its
# follow-up reached with rating 4 and no agent, noting the campaign, off the due list; the
# billing dispute's still due); the busy number gets a
# second INVITE a minute later, then is given up; the unanswered one is cancelled after about
# 40 s of ringing and given up as no_answer; A ends done with figures that agree; B is
# paused with the route-down reason after 5 refusals and dials nothing more; the desk's
# account view lists the customers' campaign calls (contact history); every attempt's
# result is stored and the store's attempts per number equal SIPp's INVITEs per number; the
# results CSV has every attempt; every INVITE shows the campaign's caller id; every SIPp
# call instance completed; the engine is still running without a panic.
# Its own engine: SIP on 127.0.0.1:29060 (HOTLINE_INTEROP_CAMPAIGN_PORT), the gateway on
# PORT+10 (media PORT+20), RTP PORT+40..PORT+939, HTTP on a free port, data and logs in
# tests/interop/out/campaign/. Takes about 85 s (the busy retry's minute bounds it).
# Usage: tests/interop/campaign.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/interop/lib.sh
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
OUT=tests/interop/out/campaign
PORT=${HOTLINE_INTEROP_CAMPAIGN_PORT:-29060}
GW_PORT=$((PORT + 10))
GW_MEDIA_PORT=$((PORT + 20))
RTP_PORTS=$((PORT + 40))-$((PORT + 939))
# The fake clock's start (UTC) and when the window opens: 14:00 in Asia/Shanghai.
FAKE_START="2026-12-08 05:59:40"
OPENS_MS=$(($(date -u -d '2026-12-08 06:00:00' +%s) * 1000))
PROMISE_BY=2026-12-11 # three days on; keyed as MMDD
PROMISE_KEYS=1211
CALLER_ID=96655
RATING=4 # the follow-up's rating, keyed
started=$(date +%s)
rm -rf "$OUT" && mkdir -p "$OUT"

for tool in sipp jq sqlite3 curl python3; do
  command -v $tool >/dev/null || { echo "$tool not found (apt-get install -y sip-tester jq sqlite3 curl)"; exit 2; }
done
# libfaketime preloaded into the engine itself (the `faketime` wrapper would run it as a child,
# which a kill of the wrapper leaves running).
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || { echo "libfaketime not found: apt-get install -y faketime"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build -p hotline"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# The scripts' own port overrides are not configuration keys (the engine refuses unknown
# HOTLINE_* names), so the engine does not get them.
unset_ports=()
for v in $(compgen -e); do
  case $v in HOTLINE_*_PORT) unset_ports+=(-u "$v") ;; esac
done
# The engine's clock is fake (FAKETIME_DONT_FAKE_MONOTONIC: its timers run on the real
# monotonic clock); TZ=UTC so that FAKE_START is read as UTC. The answering phones send RTP
# (silence between their keys) until the engine hangs up, so the RTP timeout stays on.
env "${unset_ports[@]}" LD_PRELOAD="$FAKETIME_LIB" FAKETIME="@$FAKE_START" TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 \
  HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$PORT \
  HOTLINE_SIP_LISTEN_TCP=127.0.0.1:$PORT \
  HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 \
  HOTLINE_SIP_TRUNKS=127.0.0.1/32 \
  HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 \
  HOTLINE_MEDIA_RTP_PORTS=$RTP_PORTS \
  HOTLINE_MEDIA_RECORD=false \
  HOTLINE_DATA_DIR="$OUT/data" \
  HOTLINE_HTTP_LISTEN=127.0.0.1:0 \
  HOTLINE_STORE_DEMO_CUSTOMERS=200 \
  HOTLINE_ACD_CALLBACK_GATEWAY=127.0.0.1:$GW_PORT \
  HOTLINE_IVR_RELOAD_SECS=0 \
  HOTLINE_LOG_LEVEL=info,hotline_call::control=debug \
  "$BIN" serve >"$OUT/hotline.log" 2>&1 &
ENGINE=$!
GATEWAY=""
cleanup() {
  [ -n "$GATEWAY" ] && kill "$GATEWAY" 2>/dev/null || true
  kill $ENGINE 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
wait_ready "$OUT/hotline.log" $ENGINE
HTTP=$(grep -a -m1 " ready: " "$OUT/hotline.log" | sed -n 's/.* http=\([^ ]*\).*/\1/p')
API=http://$HTTP
DB=$OUT/data/hotline.db

fail=0
passed=0
check() { # name condition-exit-code
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
# req METHOD PATH [BODY [CONTENT-TYPE]]: sets STATUS and BODY.
req() {
  local out
  out=$(curl -s -X "$1" "$API$2" -H "Authorization: Bearer ${TOKEN:-}" \
    -H "Content-Type: ${4:-application/json}" ${3:+--data-binary "$3"} -w '\n%{http_code}')
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
}
get() { req GET "$1"; echo "$BODY"; }
q() { sqlite3 "file:$DB?mode=ro" "$1"; }
# wait_for SECS CMD...: runs CMD every 0.25 s until it succeeds (status 0) or SECS pass.
wait_for() {
  local until=$(($(date +%s%N) / 1000000 + $1 * 1000))
  shift
  while ! "$@"; do
    [ $(($(date +%s%N) / 1000000)) -lt $until ] || return 1
    sleep 0.25
  done
}
# The gateway's log: INVITEs (or another step) seen for a number.
seen() { grep -c "^$1 $2 " "$OUT/gateway.log" 2>/dev/null || true; }
ticks() { awk -v w="$1" -v n="$2" '$1 == w && $2 == n {print $4}' "$OUT/gateway.log" 2>/dev/null; }
target() { get "/api/campaigns/$1/targets" | jq -c --arg a "$2" '.[] | select(.account == $a)'; }
state_is() { [ "$(target "$1" "$2" | jq -r '"\(.state) \(.last_result // .skipped // "-")"')" = "$3" ]; }
status_is() { [ "$(get "/api/campaigns/$1" | jq -r .status)" = "$2" ]; }

echo "== a supervisor logs in"
PASSWORD=$(awk -F'\t' '$1 == "zhaolei" { print $3 }' "$OUT/data/demo-agents.txt")
req POST /api/login "{\"login\": \"zhaolei\", \"password\": \"$PASSWORD\"}"
TOKEN=$(echo "$BODY" | jq -r '.token // empty')
[ -n "$TOKEN" ] || { echo "FAIL: login: $STATUS $BODY"; exit 1; }

SETTINGS='{"retry": {"busy": {"attempts": 2, "interval_min": 1},
                     "no_answer": {"attempts": 1, "interval_min": 1},
                     "failed": {"attempts": 1, "interval_min": 1}},
           "max_lines": 10, "attempts_per_sec": 5, "caller_id": "'$CALLER_ID'"}'

echo "== A: an arrears campaign over the seeded district west (default window)"
req POST /api/campaigns '{"name": "十二月电费催缴 城西区", "kind": "dunning", "mode": "ivr",
  "flow": "dunning", "settings": '"$SETTINGS"',
  "list": {"rule": "arrears", "min_yuan": 10, "min_months": 1, "districts": ["west"]}}'
echo "$BODY" >"$OUT/campaign_a.json"
A=$(echo "$BODY" | jq -r '.campaign.id // empty')
[ "$STATUS" = 201 ] && [ -n "$A" ] || { echo "FAIL: campaign A not made: $STATUS $BODY"; exit 1; }
created=$(echo "$BODY" | jq .campaign.created_at)
fake_start_ms=$(($(date -u -d "$FAKE_START" +%s) * 1000))
echo "made at $(TZ=Asia/Shanghai date -d @$((created / 1000)) '+%F %T %Z') on the engine's clock"
check "the engine runs on the fake clock (A made within 10 s of its start)" \
  $([ "$created" -ge $fake_start_ms ] && [ "$created" -lt $((fake_start_ms + 10000)) ]; echo $?)
window=$(echo "$BODY" | jq -c .campaign.settings.window)
added=$(echo "$BODY" | jq '.list.added')
refused=$(echo "$BODY" | jq '.list.refused | length')
echo "campaign $A: $added targets, $refused refused, window $window"
check "A: the default window 09:00-12:00, 14:00-20:00 applies" \
  $([ "$window" = '["09:00-12:00","14:00-20:00"]' ]; echo $?)
# The same list computed from the store: west's customers owing >= 1000 fen on bills due
# before now (the campaign's creation on the fake clock).
store_list=$(q "SELECT cu.account_no FROM customers cu JOIN districts d ON d.id = cu.district_id
  WHERE d.code = 'west' AND (SELECT COALESCE(SUM(b.amount_fen - b.paid_fen), 0) FROM bills b
  WHERE b.customer_id = cu.id AND b.paid_fen < b.amount_fen AND b.due_at < $created) >= 1000
  ORDER BY cu.account_no" | tr '\n' ' ')
get "/api/campaigns/$A/targets" | jq -c 'sort_by(.account) | .[]' >"$OUT/targets_a.jsonl"
api_list=$(jq -r .account "$OUT/targets_a.jsonl" | tr '\n' ' ')
echo "west in arrears (store): $store_list; A's targets: $api_list"
check "A: the list is the store's west customers in arrears (5 of them), none refused" \
  $([ "$api_list" = "$store_list" ] && [ "$added" = 5 ] && [ "$refused" = 0 ]; echo $?)
[ "$added" = 5 ] || { echo "the script gives 5 behaviours to 5 customers; district west has $added"; exit 1; }
acct() { jq -r .account "$OUT/targets_a.jsonl" | sed -n "${1}p"; }
num() { jq -r .number "$OUT/targets_a.jsonl" | sed -n "${1}p"; }
PROMISE_ACCT=$(acct 1) PROMISE_NO=$(num 1)
OPTOUT_ACCT=$(acct 2) OPTOUT_NO=$(num 2)
DNC_ACCT=$(acct 3) DNC_NO=$(num 3)
BUSY_ACCT=$(acct 4) BUSY_NO=$(num 4)
SILENT_ACCT=$(acct 5) SILENT_NO=$(num 5)
DUE_FEN=$(jq -r .data.amount_due_fen "$OUT/targets_a.jsonl" | sed -n 1p)
echo "promise $PROMISE_ACCT $PROMISE_NO (owes $DUE_FEN fen); opt-out $OPTOUT_ACCT $OPTOUT_NO;" \
  "do-not-call $DNC_ACCT $DNC_NO; busy $BUSY_ACCT $BUSY_NO; no answer $SILENT_ACCT $SILENT_NO"

echo "== the third customer's number goes on the do-not-call list before the start"
req POST /api/do-not-call "{\"number\": \"$DNC_NO\", \"note\": \"asked before\"}"
check "do-not-call entry added (201)" $([ "$STATUS" = 201 ]; echo $?)

echo "== B: a CSV list (5 numbers the route refuses, a bad number, a duplicate)"
req POST /api/campaigns '{"name": "route check", "kind": "dunning", "mode": "ivr",
  "flow": "dunning", "settings": '"$(echo "$SETTINGS" | jq -c '.retry.failed = {"attempts": 2, "interval_min": 1}')"'}'
B=$(echo "$BODY" | jq -r '.campaign.id // empty')
[ "$STATUS" = 201 ] && [ -n "$B" ] || { echo "FAIL: campaign B not made: $STATUS $BODY"; exit 1; }
LIST_B=$'account,number,amount_due,months\nR-1,13700000001,10.00,1\nR-2,13700000002,10.00,1\nR-3,13700000003,10.00,1\nR-4,13700000004,10.00,1\nR-5,13700000005,10.00,1\nR-6,12345,10.00,1\nR-7,13700000001,10.00,1\n'
req POST "/api/campaigns/$B/targets" "$LIST_B" text/csv
echo "B's list: $BODY"
check "B: 5 rows added, the bad number (row 7) and the duplicate (row 8) refused" \
  $([ "$STATUS" = 200 ] && [ "$(echo "$BODY" | jq -c '[.added, [.refused[].account]]')" = '[5,["R-6","R-7"]]' ]; echo $?)

echo "== two tickets closed through the API: a complaint and a billing dispute, each with a follow-up"
# Two seeded customers outside west (A's district), in account order: the complaint's is F's.
read -r RATED_CUST RATED_ACCT RATED_NO < <(q "SELECT cu.id, cu.account_no,
  (SELECT MIN(p.phone) FROM customer_phones p WHERE p.customer_id = cu.id) FROM customers cu
  JOIN districts d ON d.id = cu.district_id WHERE d.code <> 'west' ORDER BY cu.account_no LIMIT 1" | tr '|' ' ')
OTHER_CUST=$(q "SELECT cu.id FROM customers cu JOIN districts d ON d.id = cu.district_id
  WHERE d.code <> 'west' ORDER BY cu.account_no LIMIT 1 OFFSET 1")
# ticket KIND CUSTOMER_ID ACTION…: opens the customer's ticket as the desk does (the API, not
# the store: the lifecycle's steps are all on it), then takes it through the actions; sets
# TICKET and TICKET_FOLLOWUP. Replied and closed without a dispatch (the lifecycle allows it
# from accepted): a dispatch has the engine ring the district's duty phone through the same
# outbound route (a notification call), an INVITE at the gateway that is no campaign's.
ticket() {
  local kind=$1 cust=$2 a body
  shift 2
  req POST /api/tickets "{\"kind\": \"$kind\", \"customer_id\": $cust, \"summary\": \"campaign.sh: $kind\"}"
  TICKET=$(echo "$BODY" | jq -r '.id // empty')
  [ "$STATUS" = 201 ] && [ -n "$TICKET" ] || { echo "FAIL: $kind ticket not made: $STATUS $BODY"; exit 1; }
  for a in "$@"; do
    case $a in
      reply) body='{"action": "reply", "note": "已处理完毕"}' ;;
      *) body="{\"action\": \"$a\"}" ;;
    esac
    req POST "/api/tickets/$TICKET/transitions" "$body"
    [ "$STATUS" = 200 ] || { echo "FAIL: ticket $TICKET $a: $STATUS $BODY"; exit 1; }
  done
  req GET "/api/tickets/$TICKET"
  echo "ticket $TICKET ($kind, customer $cust): $(echo "$BODY" | jq -c '[.ticket.status, .followup_id]')"
  TICKET_FOLLOWUP=$(echo "$BODY" | jq -r '.followup_id // empty')
  [ "$(echo "$BODY" | jq -r .ticket.status)" = closed ] && [ -n "$TICKET_FOLLOWUP" ]
}
ticket complaint "$RATED_CUST" reply close && rated_ok=0 || rated_ok=1
RATED_TICKET=$TICKET RATED_FOLLOWUP=$TICKET_FOLLOWUP
ticket billing_dispute "$OTHER_CUST" reply close && other_ok=0 || other_ok=1
OTHER_FOLLOWUP=$TICKET_FOLLOWUP
check "both tickets closed through the API, each with its follow-up scheduled" \
  $([ $rated_ok = 0 ] && [ $other_ok = 0 ]; echo $?)

echo "== F: a follow-up campaign by rule (the follow-ups due of closed complaint tickets)"
req POST /api/campaigns '{"name": "十二月投诉回访", "kind": "followup", "mode": "ivr",
  "flow": "followup", "settings": '"$SETTINGS"', "list": {"rule": "followups", "kinds": ["complaint"]}}'
echo "$BODY" >"$OUT/campaign_f.json"
F=$(echo "$BODY" | jq -r '.campaign.id // empty')
[ "$STATUS" = 201 ] && [ -n "$F" ] || { echo "FAIL: campaign F not made: $STATUS $BODY"; exit 1; }
f_list=$(get "/api/campaigns/$F/targets" | jq -c '[.[] | [.account, .number, .data.ticket, .data.ticket_kind, .data.followup_id, .data.closed]]')
echo "campaign $F: $f_list"
check "F: the list is the complaint's follow-up only (the customer's account and first phone, the ticket, closed today)" \
  $([ "$f_list" = "[[\"$RATED_ACCT\",\"$RATED_NO\",\"$RATED_TICKET\",\"complaint\",\"$RATED_FOLLOWUP\",\"2026-12-08\"]]" ]; echo $?)

echo "== the gateway: SIPp answers per number (campaign_gateway.xml)"
python3 tests/browser/dtmf_pcap.py "$OUT/promise-keys.pcap" 60 \
  1@10 1@28 "${PROMISE_KEYS:0:1}@31" "${PROMISE_KEYS:1:1}@31.5" "${PROMISE_KEYS:2:1}@32" "${PROMISE_KEYS:3:1}@32.5" 1@38
python3 tests/browser/dtmf_pcap.py "$OUT/optout-keys.pcap" 50 1@10 9@28 1@32
# The rating over the rating prompt (it starts about 15 s after the answer, lasts about 10 s).
python3 tests/browser/dtmf_pcap.py "$OUT/rating-keys.pcap" 40 "$RATING@20"
# SIPp looks for the pcaps next to the scenario.
cp tests/interop/campaign_gateway.xml "$OUT/"
(cd "$OUT" && exec sipp -sf campaign_gateway.xml -i 127.0.0.1 -p $GW_PORT -mp $GW_MEDIA_PORT \
  -set promise_no "$PROMISE_NO" -set optout_no "$OPTOUT_NO" -set busy_no "$BUSY_NO" \
  -set silent_no "$SILENT_NO" -set rating_no "$RATED_NO" -nostdin -trace_logs -log_file gateway.log \
  -trace_msg -message_file gateway.msg -trace_err -error_file gateway.err \
  -trace_stat -stf gateway.csv -fd 1 >gateway.screen 2>&1) &
GATEWAY=$!
sleep 0.5
kill -0 $GATEWAY 2>/dev/null || { cat "$OUT/gateway.screen" "$OUT/gateway.err" 2>/dev/null; echo "FAIL: SIPp did not start"; exit 1; }

echo "== A, B and F start at 13:59 (the window is closed until 14:00)"
for c in $A $B $F; do
  req POST "/api/campaigns/$c/start" '{}'
  [ "$STATUS" = 200 ] || { echo "FAIL: start $c: $STATUS $BODY"; exit 1; }
done
# The engine's clock against ours: its time of the start, less ours.
OFFSET=$(($(echo "$BODY" | jq .started_at) - $(date +%s%N) / 1000000))
fake_ms() { echo $(($(date +%s%N) / 1000000 + OFFSET)); }
closed_ms=$((OPENS_MS - 2000 - $(fake_ms)))
echo "started at $(TZ=Asia/Shanghai date -d @$((($(fake_ms)) / 1000)) '+%H:%M:%S') (engine's clock)," \
  "watching $((closed_ms / 1000)) s of closed window"
if [ $closed_ms -lt 5000 ]; then
  check "the window is watched closed for at least 5 s (the setup took too long)" 1
else
  sleep "$(awk -v ms=$closed_ms 'BEGIN {print ms / 1000}')"
fi
invites=$(grep -c '^invite ' "$OUT/gateway.log" 2>/dev/null || true)
attempts=$(q "SELECT COUNT(*) FROM campaign_attempts")
running=$(for c in $A $B $F; do get "/api/campaigns/$c" | jq -r .status; done | tr '\n' ' ')
echo "at 13:59:58: INVITEs at the gateway ${invites:-0}, attempts stored $attempts, campaigns $running"
check "window closed: no INVITE, no attempt, the three campaigns running" \
  $([ "${invites:-0}" = 0 ] && [ "$attempts" = 0 ] && [ "$running" = "running running running " ]; echo $?)

echo "== 14:00: the window opens, calls are placed"
all_invited() { [ "$(grep -c '^invite ' "$OUT/gateway.log" 2>/dev/null || true)" -ge 10 ]; }
wait_for 20 all_invited || true
first=$(q "SELECT MIN(dialled_at) FROM campaign_attempts")
echo "INVITEs: $(grep -c '^invite ' "$OUT/gateway.log" || true); first attempt $((${first:-0} - OPENS_MS)) ms after 14:00"
check "calls placed once the window opens (4 of A's, 5 of B's, F's), none before 14:00" \
  $(all_invited && [ -n "$first" ] && [ "$first" -ge $OPENS_MS ] && [ "$first" -lt $((OPENS_MS + 15000)) ]; echo $?)

echo "== B: the route refuses 5 calls in a row: paused, the route is down"
wait_for 15 status_is "$B" paused || true
req GET "/api/campaigns/$B"
reason=$(echo "$BODY" | jq -r '.status_reason // ""')
refusals=$(for i in 1 2 3 4 5; do seen refused 1370000000$i; done | tr '\n' ' ')
echo "B: $(echo "$BODY" | jq -r .status), reason: $reason; refusals per number: $refusals"
check "B paused with the route-down reason after 5 refusals (one per number)" \
  $([ "$(echo "$BODY" | jq -r .status)" = paused ] && [[ "$reason" == *"the route is down"*"503"* ]] \
    && [ "$refusals" = "1 1 1 1 1 " ]; echo $?)

echo "== the opt-out: 1, 9, 1 on the keypad"
wait_for 60 state_is "$A" "$OPTOUT_ACCT" "done opted_out" || true
row=$(get "/api/campaigns/$A/results" | jq -c --arg a "$OPTOUT_ACCT" '[.[] | select(.account == $a)]')
dnc=$(get /api/do-not-call | jq -c --arg n "$OPTOUT_NO" '[.[] | select(.number == $n) | .source]')
echo "target: $(target "$A" "$OPTOUT_ACCT" | jq -c '[.state, .last_result]'); results: $row; do-not-call: $dnc"
check "opt-out stored (opted_out, keys 191) and on the do-not-call list (source keypad)" \
  $([ "$(echo "$row" | jq -c '[.[] | [.result, .keys]]')" = '[["opted_out","191"]]' ] \
    && [ "$dnc" = '["keypad"]' ] && [ "$(seen bye "$OPTOUT_NO")" = 1 ]; echo $?)

echo "== C: a later campaign with the opted-out customer and one other: the opted-out is not dialled"
req POST /api/campaigns '{"name": "opt-out check", "kind": "dunning", "mode": "ivr",
  "flow": "dunning", "settings": '"$SETTINGS"'}'
C=$(echo "$BODY" | jq -r '.campaign.id // empty')
req POST "/api/campaigns/$C/targets" $'account,number,amount_due,months\n'"$OPTOUT_ACCT,$OPTOUT_NO,10.00,1"$'\nC-2,13700000009,10.00,1\n' text/csv
req POST "/api/campaigns/$C/start" '{}'
wait_for 15 status_is "$C" done || true
echo "C: $(get "/api/campaigns/$C" | jq -r .status); targets: $(get "/api/campaigns/$C/targets" | jq -c '[.[] | [.account, .state, (.last_result // .skipped)]]')"
check "C: the opted-out customer skipped (do_not_call), never dialled again; the other dialled" \
  $(state_is "$C" "$OPTOUT_ACCT" "skipped do_not_call" && state_is "$C" C-2 "given_up failed" \
    && [ "$(seen invite "$OPTOUT_NO")" = 1 ] && [ "$(seen invite 13700000009)" = 1 ]; echo $?)

echo "== the promise: 1, 1, $PROMISE_KEYS, 1 on the keypad"
wait_for 60 state_is "$A" "$PROMISE_ACCT" "done answered" || true
row=$(get "/api/campaigns/$A/results" | jq -c --arg a "$PROMISE_ACCT" '[.[] | select(.account == $a)]')
echo "results: $row"
check "promise stored: answered, $DUE_FEN fen (the amount due) by $PROMISE_BY, keys 11${PROMISE_KEYS}1" \
  $([ "$(echo "$row" | jq -c '[.[] | [.result, .promise_fen, .promise_by, .keys, .note]]')" \
      = "[[\"answered\",$DUE_FEN,\"$PROMISE_BY\",\"11${PROMISE_KEYS}1\",\"promise\"]]" ] \
    && [ "$(echo "$row" | jq '.[0].talk_ms')" -gt 20000 ] && [ "$(seen bye "$PROMISE_NO")" = 1 ]; echo $?)

echo "== the follow-up: rating $RATING on the keypad, written to the ticket"
wait_for 60 state_is "$F" "$RATED_ACCT" "done answered" || true
wait_for 10 status_is "$F" done || true
row=$(get "/api/campaigns/$F/results")
echo "F: $(get "/api/campaigns/$F" | jq -r .status); results: $(echo "$row" | jq -c .)"
check "follow-up attempt stored: answered, rating $RATING, keys $RATING; F done" \
  $([ "$(echo "$row" | jq -c '[.[] | [.result, .rating, .keys, .note]]')" = "[[\"answered\",$RATING,\"$RATING\",\"rating\"]]" ] \
    && [ "$(echo "$row" | jq '.[0].talk_ms')" -gt 15000 ] && [ "$(seen bye "$RATED_NO")" = 1 ] \
    && status_is "$F" done; echo $?)
req GET "/api/tickets/$RATED_TICKET"
t=$(echo "$BODY" | jq -c '[.ticket.status, .ticket.rating, (.ticket.followed_up_at != null)]')
# What followed the close: the attempt noted, then followed up and rated, all by the system.
ev=$(echo "$BODY" | jq -c '[.events[] | select(.kind == "follow_up_attempt" or .to_status == "followed_up"
  or .to_status == "rated") | "\(.kind) \(.to_status // "-") \(.actor) \(.note)"]')
echo "ticket $RATED_TICKET: [status, rating, followed up] = $t; events: $ev"
note="attempt 1: reached. campaign $F (automated call)"
check "the ticket rated $RATING by the campaign (followed up, then rated, by the system)" \
  $([ "$t" = "[\"rated\",$RATING,true]" ] && [ "$ev" = "[\"follow_up_attempt - system $note\",\"transition followed_up system $note\",\"transition rated system \"]" ]; echo $?)
fu=$(q "SELECT status, rating, attempts, COALESCE(agent_id, '-'), note FROM followups WHERE id = ${RATED_FOLLOWUP:-0}" || true)
due=$(get /api/followups/due | jq -c '[.[].id]')
echo "the complaint's follow-up (store): $fu; follow-ups due: $due (the billing dispute's is $OTHER_FOLLOWUP)"
check "the follow-up done as the desk records it (reached, rating $RATING, no agent, the campaign noted); only the billing dispute's still due" \
  $([ "$fu" = "reached|$RATING|1|-|campaign $F (automated call)" ] && [ "$due" = "[$OTHER_FOLLOWUP]" ]; echo $?)

echo "== no answer: the engine gives up ringing (CANCEL, 487)"
wait_for 60 state_is "$A" "$SILENT_ACCT" "given_up no_answer" || true
rang=$(awk -v n="$SILENT_NO" '$2 == n && $1 == "invite" {i = $4} $2 == n && $1 == "cancelled" {c = $4}
  END {print (i != "" && c != "") ? c - i : 0}' "$OUT/gateway.log")
echo "target: $(target "$A" "$SILENT_ACCT" | jq -c '[.state, .last_result]'); rang $rang ms before the CANCEL"
check "no answer: cancelled after about 40 s of ringing, stored no_answer, given up" \
  $(state_is "$A" "$SILENT_ACCT" "given_up no_answer" && [ "$(seen invite "$SILENT_NO")" = 1 ] \
    && [ "$rang" -ge 38000 ] && [ "$rang" -le 45000 ]; echo $?)

echo "== busy: tried again a minute later, then given up"
wait_for 60 state_is "$A" "$BUSY_ACCT" "given_up busy" || true
gap=$(q "SELECT b.dialled_at - a.ended_at FROM campaign_attempts a JOIN campaign_attempts b
  ON b.target_id = a.target_id AND b.attempt = 2 WHERE a.attempt = 1 AND a.account = '$BUSY_ACCT'
  AND a.campaign_id = $A")
sipp_gap=$(ticks busy "$BUSY_NO" | awk 'NR == 1 {a = $1} NR == 2 {print $1 - a}')
results=$(q "SELECT group_concat(result, ' ') FROM campaign_attempts WHERE account = '$BUSY_ACCT' AND campaign_id = $A ORDER BY attempt")
echo "busy INVITEs at the gateway: $(seen invite "$BUSY_NO"), ${sipp_gap:-?} ms apart; store: $results, retried ${gap:-?} ms after the first ended"
check "busy: 2 INVITEs about a minute apart, both stored busy, then given up" \
  $(state_is "$A" "$BUSY_ACCT" "given_up busy" && [ "$(seen busy "$BUSY_NO")" = 2 ] \
    && [ "$results" = "busy busy" ] && [ "${gap:-0}" -ge 60000 ] && [ "$gap" -le 65000 ] \
    && [ "${sipp_gap:-0}" -ge 59000 ]; echo $?)

echo "== the number on the do-not-call list before the start"
echo "target: $(target "$A" "$DNC_ACCT" | jq -c '[.state, .skipped]'); INVITEs: $(seen invite "$DNC_NO")"
check "do-not-call: never dialled (no INVITE, no attempt), skipped do_not_call" \
  $(state_is "$A" "$DNC_ACCT" "skipped do_not_call" && [ "$(seen invite "$DNC_NO")" = 0 ] \
    && [ "$(q "SELECT COUNT(*) FROM campaign_attempts WHERE number = '$DNC_NO'")" = 0 ]; echo $?)

echo "== A is done; its figures agree"
wait_for 10 status_is "$A" done || true
req GET "/api/campaigns/$A"
p=$(echo "$BODY" | jq -c '.progress | [.dialled, .reached, .promises, .promised_fen, .opted_out, .skipped, .remaining]')
echo "A: $(echo "$BODY" | jq -r .status); [dialled, reached, promises, promised_fen, opted_out, skipped, remaining] = $p"
check "A done: 5 attempts, 2 reached, 1 promise of $DUE_FEN fen, 1 opt-out, 1 skipped, none remaining" \
  $([ "$(echo "$BODY" | jq -r .status)" = done ] && [ "$p" = "[5,2,1,$DUE_FEN,1,1,0]" ]; echo $?)

echo "== the desk's contact history: the customers' campaign calls"
history() { # the campaign calls on customer ACCOUNT's desk view: [result, promise_fen, keys]…
  local id
  id=$(jq -r --arg a "$1" 'select(.account == $a) | .customer_id' "$OUT/targets_a.jsonl")
  get "/api/customers/$id" | jq -c '[.campaign_calls[] | [.result, .promise_fen, .keys]]'
}
h_promise=$(history "$PROMISE_ACCT")
h_busy=$(history "$BUSY_ACCT")
h_dnc=$(history "$DNC_ACCT")
echo "promise: $h_promise; busy: $h_busy; do-not-call: $h_dnc"
check "contact history: the promise with its amount and keys, both busy attempts, nothing for the do-not-call number" \
  $([ "$h_promise" = "[[\"answered\",$DUE_FEN,\"11${PROMISE_KEYS}1\"]]" ] \
    && [ "$h_busy" = '[["busy",null,null],["busy",null,null]]' ] && [ "$h_dnc" = '[]' ]; echo $?)

echo "== every attempt stored with its result; the store's attempts match SIPp's INVITEs"
# B's failures are due again a minute after they ended: by then, none may be dialled (paused).
b_due=$(($(q "SELECT MAX(ended_at) FROM campaign_attempts WHERE campaign_id = $B") + 60000))
b_past_due() { [ "$(fake_ms)" -gt $((b_due + 1500)) ]; }
wait_for 70 b_past_due || true
open=$(q "SELECT COUNT(*) FROM campaign_attempts WHERE ended_at IS NULL OR result IS NULL")
store_counts=$(q "SELECT number || ':' || COUNT(*) FROM campaign_attempts GROUP BY number ORDER BY number" | tr '\n' ' ')
sipp_counts=$(awk '$1 == "invite" {n[$2]++} END {for (k in n) print k ":" n[k]}' "$OUT/gateway.log" | sort | tr '\n' ' ')
echo "store: $store_counts"
echo "SIPp:  $sipp_counts; attempts without a result: $open"
check "every attempt has its result; attempts per number = INVITEs per number (12 in all)" \
  $([ "$open" = 0 ] && [ "$store_counts" = "$sipp_counts" ] \
    && [ "$(q "SELECT COUNT(*) FROM campaign_attempts")" = 12 ]; echo $?)
check "B dialled nothing more once paused (its failures were due again a minute later)" \
  $(b_past_due && [ "$(q "SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = $B")" = 5 ] \
    && status_is "$B" paused; echo $?)
req GET "/api/campaigns/$A/results?format=csv"
echo "$BODY" >"$OUT/results_a.csv"
csv_rows=$(grep -c . "$OUT/results_a.csv" || true)
check "A's results CSV: a header and 5 attempts, the promise date in it" \
  $([ "$STATUS" = 200 ] && [ "$csv_rows" = 6 ] && grep -q "$PROMISE_BY" "$OUT/results_a.csv"; echo $?)

echo "== the SIPp side"
# Each INVITE request's From (retransmissions included).
invite_froms=$(awk '/^INVITE sip:/ {inv = 1} inv && /^From:/ {print; inv = 0}' "$OUT/gateway.msg")
sipp_invites=$(echo "$invite_froms" | grep -c . || true)
from_ok=$(echo "$invite_froms" | grep -c "^From: <sip:$CALLER_ID@" || true)
echo "INVITE requests in SIPp's message trace: $sipp_invites; From the caller id $CALLER_ID: $from_ok"
check "every INVITE shows the campaign's caller id" \
  $([ "$sipp_invites" -ge 12 ] && [ "$from_ok" = "$sipp_invites" ]; echo $?)
# Each INVITE's number and its X-Hotline-Campaign header: the campaign whose attempt it is.
invite_campaigns=$(awk '/^INVITE sip:/ {split($2, u, /[:@]/); num = u[2]; inv = 1}
  inv && /^X-Hotline-Campaign:/ {print num ":" $2; inv = 0}' "$OUT/gateway.msg" | tr -d '\r' | sort -u | tr '\n' ' ')
store_campaigns=$(q "SELECT DISTINCT number || ':' || campaign_id FROM campaign_attempts ORDER BY 1" | sort -u | tr '\n' ' ')
echo "INVITEs' campaign headers: $invite_campaigns"
echo "the store's attempts:      $store_campaigns"
check "every INVITE names its campaign (X-Hotline-Campaign = the campaign's id)" \
  $([ -n "$store_campaigns" ] && [ "$invite_campaigns" = "$store_campaigns" ]; echo $?)
kill -INT $GATEWAY 2>/dev/null || true
wait $GATEWAY 2>/dev/null || true
GATEWAY=""
ok_calls=$(stat_field "$OUT/gateway.csv" "SuccessfulCall(C)" 2>/dev/null || true)
failed_calls=$(stat_field "$OUT/gateway.csv" "FailedCall(C)" 2>/dev/null || true)
# SIPp's error log: its header line, and nothing else (no unexpected message, no timeout).
sipp_errors=$(grep -a -v -e '^The following events occurred:' -e '^ *$' "$OUT/gateway.err" 2>/dev/null | grep -c . || true)
echo "SIPp call instances: successful $ok_calls, failed $failed_calls; SIPp error lines: $sipp_errors"
check "every SIPp call instance completed (12), none failed, no SIPp error" \
  $([ "$ok_calls" = 12 ] && [ "$failed_calls" = 0 ] && [ "$sipp_errors" = 0 ]; echo $?)

panics=$(grep -a -c -i 'panicked' "$OUT/hotline.log" || true)
check "hotline still running, no panic" $(kill -0 $ENGINE 2>/dev/null && [ "$panics" = 0 ]; echo $?)
echo "campaign interop: $passed passed, $fail failed ($(($(date +%s) - started)) s)"
[ $fail = 0 ]
