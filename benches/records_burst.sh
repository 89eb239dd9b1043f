#!/usr/bin/env bash
# Benchmark: a burst of calls against `hotline serve` (release build, recording on as users run
# it) and what the call records say after it (issue 16). SIPp's built-in `uac` scenario
# (INVITE → 200 → ACK → BYE at once) offers RATE calls/s for SECONDS seconds on loopback UDP;
# then the script waits for the call log to write everything (the spool drained), and prints:
# calls offered, answered (SIPp's successful calls), failed and how many of those were 503s,
# call records written, records without an end or a disposition (must be 0), how long the
# records took to be written after the burst, and the engine's memory: RSS before, peak
# (VmHWM), after the records were written, and after IDLE more seconds without calls, with
# the engine's own count of SIP calls and transactions then (its /metrics); with gdb
# installed, also the RSS after glibc's malloc_trim(0) is called in the engine and the bytes
# glibc says are still allocated (malloc_stats): memory the allocator kept but no longer
# uses, told apart from memory still in use.
# With ROUNDS > 1 the burst is repeated on the same engine: memory that grows round after
# round is a leak, memory that stays at the same level is retention (bounded).
# Exits 1 when a round left a row without an end or a disposition, or the store rejected an entry.
# Usage: benches/records_burst.sh [RATE] [SECONDS] [IDLE] [ROUNDS]    (default: 4000 20 20 1)
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-4000}; SECONDS_=${2:-20}; IDLE=${3:-20}; ROUNDS=${4:-1}
OUT=target/bench-records; rm -rf "$OUT"; mkdir -p "$OUT"
PORT=${HOTLINE_BENCH_PORT:-26160}
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not found: apt-get install -y sqlite3"; exit 2; }
cargo build --release -p hotline -q
HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$PORT HOTLINE_SIP_LISTEN_TCP="" HOTLINE_SIP_TRUNKS=127.0.0.1/32 \
HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 HOTLINE_DATA_DIR="$OUT/data" \
HOTLINE_HTTP_LISTEN=127.0.0.1:0 HOTLINE_STORE_DEMO_CUSTOMERS=0 HOTLINE_IVR_ENTRY_FLOW= \
HOTLINE_LOG_LEVEL=warn target/release/hotline serve >"$OUT/hotline.log" 2>&1 &
ENGINE=$!
trap 'kill $ENGINE 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q "ready:" "$OUT/hotline.log" && break; sleep 0.1; done
grep -q "ready:" "$OUT/hotline.log" || { cat "$OUT/hotline.log"; exit 1; }
rss() { awk -v k="$1:" '$1==k{print int($2/1024)}' /proc/$ENGINE/status; }
DB="$OUT/data/hotline.db"
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
rss_before=$(rss VmRSS)
failures=0
for round in $(seq 1 "$ROUNDS"); do
mkdir -p "$OUT/round$round"
rows_before=$(q "SELECT COUNT(*) FROM calls")
linked_before=$(q "SELECT COUNT(*) FROM calls WHERE recording IS NOT NULL")
calls=$((RATE * SECONDS_))
t0=$(date +%s.%N)
set +e
(cd "$OUT/round$round" && sipp -sn uac 127.0.0.1:$PORT -s 95598 -i 127.0.0.1 -p $((PORT + 10)) -r "$RATE" -m "$calls" \
   -l 20000 -timeout $((SECONDS_ * 4 + 60))s -timeout_error -nostdin -trace_stat -stf stat.csv \
   -trace_err -error_file errors.log >screen.log 2>&1)
set -e
t1=$(date +%s.%N)
col() { awk -F';' -v name="$1" 'NR==1{for(i=1;i<=NF;i++) if($i==name) c=i} END{print $c+0}' "$OUT/round$round/stat.csv"; }
ok=$(col "SuccessfulCall(C)"); failed=$(col "FailedCall(C)")
# Calls refused with 503 (each once, though SIPp logs the retransmissions of the 503 too; none
# is not an error).
n503=$( { grep -o "Call-Id '[^']*': while expecting '[0-9]*' (index [0-9]*), received 'SIP/2.0 503" \
  "$OUT/round$round/errors.log" 2>/dev/null || true; } | sort -u | wc -l)
# The records: written when no row lacks an end and the spool holds no unwritten segment.
open_rows=-1; waited=0
while :; do
  open_rows=$(q "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL OR disposition IS NULL")
  segs=$(ls "$OUT/data/call-log" | grep -c '\.jsonl$' || true)
  rejected=$( [ -f "$OUT/data/call-log/rejected.jsonl" ] && wc -l <"$OUT/data/call-log/rejected.jsonl" || echo 0)
  if [ "$open_rows" = 0 ] && [ "$segs" -le 1 ]; then break; fi
  [ "$waited" -ge 1800 ] && break
  sleep 1; waited=$((waited + 1))
done
t2=$(date +%s.%N)
rows=$(( $(q "SELECT COUNT(*) FROM calls") - rows_before ))
linked=$(( $(q "SELECT COUNT(*) FROM calls WHERE recording IS NOT NULL") - linked_before ))
rss_written=$(rss VmRSS)
sleep "$IDLE"
rss_idle=$(rss VmRSS); hwm=$(rss VmHWM)
HTTP=$(grep -o 'http=[^ ]*' "$OUT/hotline.log" | head -1 | cut -d= -f2)
sip_now=$(curl -s "http://$HTTP/metrics" | grep -E '^hotline_(sip_transactions|calls_active|sip_calls)[ {]' | tr '\n' ' ')
rss_trimmed=-
if command -v gdb >/dev/null; then
  gdb -p $ENGINE -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 || true
  sleep 1; rss_trimmed=$(rss VmRSS)
  # glibc's own count of the bytes the engine still has allocated (to its stderr, our log).
  gdb -p $ENGINE -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || true
  sleep 0.5
  in_use=$(grep -A2 "^Total (incl. mmap):" "$OUT/hotline.log" | grep "in use bytes" | tail -1 | awk '{print int($NF/1048576)}')
  rss_trimmed="$rss_trimmed (allocated: ${in_use:-?} MiB)"
fi
python3 - <<PY
t0, t1, t2 = $t0, $t1, $t2
print(f"round $round")
print(f"offered          {$calls} calls at {$RATE}/s for ${SECONDS_} s; SIPp took {t1 - t0:.1f} s ({$calls / (t1 - t0):.0f} calls/s achieved)")
print(f"answered         {$ok}")
print(f"failed           {$failed} (503: $n503)")
print(f"records written  {$rows} (with recording linked: {$linked}; rejected: $rejected)")
print(f"rows without end or disposition: {$open_rows}")
print(f"records complete {t2 - t1:.1f} s after the burst")
print("engine RSS MiB   before $rss_before, peak (VmHWM) $hwm, records written $rss_written, idle ${IDLE} s later $rss_idle, after malloc_trim(0) $rss_trimmed")
print("engine then     $sip_now")
PY
if [ "$open_rows" != 0 ] || [ "$rejected" != 0 ]; then
  echo "FAILED: round $round left $open_rows rows without an end or a disposition, $rejected entries rejected" >&2
  failures=$((failures + 1))
fi
done
exit $((failures > 0))
