#!/usr/bin/env bash
# linphonec 5.1 (Debian `linphone-cli`) against the real `hotline serve`, driven through its
# stdin by tests/interop/linphonec_call.py, over UDP and over TCP: the phone registers with
# digest authentication (the engine offers SHA-256 first, its default, and linphonec answers
# with SHA-256; there is no trunk, so the INVITE is challenged too), dials 95598, which the
# engine answers with its built-in answer flow, records what it hears until the welcome
# prompt is in the recording, presses 1 (RFC 4733), hangs up, and unregisters as it quits.
# Passes when every step happened on the phone, the engine logged the registration, the
# digit and the unregistration, and each call left a complete record. Every wait is for a
# line of output, a filled recording or a log line, bounded in time.
# Its own engine: SIP on 127.0.0.1:27170 (HOTLINE_INTEROP_LINPHONE_PORT), RTP 33200-33399, data
# and logs (linphonec's too, and its recordings) in tests/interop/out/linphonec/. About 20 s.
# Usage: tests/interop/linphonec.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/interop/lib.sh
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
OUT=tests/interop/out/linphonec
PORT=${HOTLINE_INTEROP_LINPHONE_PORT:-27170}
rm -rf "$OUT" && mkdir -p "$OUT"

command -v linphonec >/dev/null || { echo "linphonec not found: apt-get install -y linphone-cli"; exit 2; }
command -v stdbuf >/dev/null || { echo "stdbuf not found (coreutils)"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build -p hotline"; exit 2; }

start_phone_engine "$BIN" "$OUT" "$PORT" 33200-33299
trap 'kill $ENGINE 2>/dev/null || true; wait $ENGINE 2>/dev/null || true' EXIT
LOG="$OUT/hotline.log"

fail=0
calls=0
for t in udp tcp; do
  echo "-- linphonec over $t"
  set +e
  python3 tests/interop/linphonec_call.py 127.0.0.1:$PORT 1001 secret 95598 --transport $t \
    --rtp-ports 33300-33399 --keep "$OUT" >"$OUT/steps-$t.txt" 2>&1
  rc=$?
  set -e
  cat "$OUT/steps-$t.txt"
  calls=$((calls + 1))
  if [ $rc != 0 ]; then echo "FAIL: linphonec over $t (exit $rc; its output: $OUT/linphonec-$t.log)"; fail=1; continue; fi
  grep -q 'algorithm=SHA-256, username="1001"' "$OUT/linphonec-$t.log" \
    || { echo "FAIL: linphonec did not answer the SHA-256 challenge"; fail=1; }
  wait_log "$LOG" "contacts=1" $calls || { echo "FAIL: the engine did not log the registration"; fail=1; }
  wait_log "$LOG" "digit=1" $calls || { echo "FAIL: the engine did not log the digit"; fail=1; }
  wait_log "$LOG" "contacts=0" $calls || { echo "FAIL: the engine did not log the unregistration"; fail=1; }
done
wait_records "$OUT/data/hotline.db" 1001 $calls || { echo "FAIL: not $calls complete call records"; fail=1; }
echo "complete call records from 1001: $(answered_records "$OUT/data/hotline.db" 1001)"
kill -0 $ENGINE 2>/dev/null || { echo "FAIL: hotline died"; fail=1; }
[ $fail = 0 ] && echo "linphonec: ok"
exit $fail
