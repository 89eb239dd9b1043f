#!/usr/bin/env bash
# Benchmark: SIP call rate of `hotline serve` (release build) driven by SIPp's built-in `uac`
# scenario (INVITE → 200 → ACK → BYE, calls released at once), on loopback. For each offered
# rate it places rate×10 calls and prints successful/failed calls and the INVITE→200 response
# time (p50/p99/max, from SIPp's per-call RTD trace). The highest rate with 0 failed calls and
# its p99 go in the README's performance section. SIPp times in whole milliseconds; when
# `dumpcap`/`tshark` are installed (apt-get install -y tshark) the script also captures the
# loopback traffic and prints INVITE→200 p50/p99 in microseconds from packet timestamps, and
# the call rate SIPp actually achieved.
# Usage: benches/sip_call_rate.sh [rates...]    (default: 100 200 300 400 500 600 800)
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || RATES=(100 200 300 400 500 600 800)
OUT=target/bench-sip; rm -rf "$OUT"; mkdir -p "$OUT"
PORT=${HOTLINE_BENCH_PORT:-26060}
command -v sipp >/dev/null || { echo "sipp not found: apt-get install -y sip-tester"; exit 2; }
cargo build --release -p hotline -q
# Capacity, not the configured ceiling: overload control (sip.overload, 2,000 calls/s by
# default) is off unless HOTLINE_SIP_OVERLOAD_CALLS_PER_SEC is set.
HOTLINE_SIP_OVERLOAD_CALLS_PER_SEC=${HOTLINE_SIP_OVERLOAD_CALLS_PER_SEC:-0} \
HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$PORT HOTLINE_SIP_LISTEN_TCP="" HOTLINE_SIP_TRUNKS=127.0.0.1/32 \
HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 HOTLINE_DATA_DIR="$OUT/data" \
HOTLINE_HTTP_LISTEN=127.0.0.1:0 HOTLINE_STORE_DEMO_CUSTOMERS=0 HOTLINE_IVR_ENTRY_FLOW= \
HOTLINE_LOG_LEVEL=warn target/release/hotline serve >"$OUT/hotline.log" 2>&1 &
ENGINE=$!
trap 'kill $ENGINE 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "ready:" "$OUT/hotline.log" && break; sleep 0.1; done

CAPTURE=0; command -v dumpcap >/dev/null && command -v tshark >/dev/null && CAPTURE=1
printf '%-6s %-7s %-7s %-7s %-7s %-7s %-7s %-9s %-9s %s\n' rate done_cps calls failed p50_ms p99_ms max_ms p50_us p99_us "cpu(engine)"
for rate in "${RATES[@]}"; do
  calls=$((rate * 10))
  dir="$OUT/r$rate"; mkdir -p "$dir"
  before=$(awk '{print $14+$15}' /proc/$ENGINE/stat)
  if [ $CAPTURE = 1 ]; then
    dumpcap -q -i lo -f "udp port $PORT" -w "$dir/cap.pcapng" >/dev/null 2>&1 & CAP=$!
    sleep 1
  fi
  t0=$(date +%s.%N)
  set +e
  (cd "$dir" && sipp -sn uac 127.0.0.1:$PORT -s 95598 -i 127.0.0.1 -p $((PORT + 10)) -r "$rate" -m "$calls" -l 2000 \
     -timeout 120s -timeout_error -nostdin -trace_stat -stf stat.csv -trace_rtt -rtt_freq 1 >screen.log 2>&1)
  set -e
  t1=$(date +%s.%N)
  done_cps=$(python3 -c "print(f'{$calls/($t1-$t0):.0f}')")
  us="- -"
  if [ $CAPTURE = 1 ]; then
    sleep 1; kill -INT $CAP 2>/dev/null || true; wait $CAP 2>/dev/null || true
    us=$(tshark -r "$dir/cap.pcapng" -d udp.port==$PORT,sip -Y 'sip.CSeq.method == "INVITE"' -T fields \
          -e frame.time_epoch -e sip.Call-ID -e sip.Method -e sip.Status-Code 2>/dev/null | python3 -c '
import sys
sent, got = {}, []
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 4: continue
    t, cid, method, code = float(f[0]), f[1], f[2], f[3]
    if method == "INVITE": sent.setdefault(cid, t)
    elif code == "200" and cid in sent: got.append((t - sent.pop(cid)) * 1e6)
got.sort()
q = lambda p: got[min(len(got) - 1, int(p * len(got)))]
print(f"{q(0.5):.0f} {q(0.99):.0f}" if got else "- -")')
  fi
  after=$(awk '{print $14+$15}' /proc/$ENGINE/stat)
  cpu=$(python3 -c "import os;print(f'{($after-$before)/os.sysconf(\"SC_CLK_TCK\")/($t1-$t0)*100:.0f}%')")
  ok=$(awk -F';' 'NR==1{for(i=1;i<=NF;i++) if($i=="SuccessfulCall(C)") c=i} END{print $c}' "$dir/stat.csv")
  failed=$(awk -F';' 'NR==1{for(i=1;i<=NF;i++) if($i=="FailedCall(C)") c=i} END{print $c}' "$dir/stat.csv")
  read -r p50 p99 max < <(python3 - "$dir" <<'PY'
import glob, sys
vals = []
for f in glob.glob(sys.argv[1] + "/*_rtt.csv"):
    for line in open(f):
        parts = line.strip().split(";")
        if len(parts) >= 2 and parts[1].replace(".", "", 1).isdigit():
            vals.append(float(parts[1]))
vals.sort()
if not vals:
    print("- - -")
else:
    q = lambda p: vals[min(len(vals) - 1, int(p * len(vals)))]
    print(f"{q(0.5):.2f} {q(0.99):.2f} {vals[-1]:.2f}")
PY
)
  read -r p50us p99us <<<"$us"
  printf '%-6s %-7s %-7s %-7s %-7s %-7s %-7s %-9s %-9s %s\n' "$rate" "$done_cps" "$ok" "$failed" "$p50" "$p99" "$max" "$p50us" "$p99us" "$cpu"
done
