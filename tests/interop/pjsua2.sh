#!/usr/bin/env bash
# PJSIP's pjsua2 (PyPI `pjsua2-python`) against the real `hotline serve`, driven by
# tests/interop/pjsua2_call.py, over UDP and over TCP: the phone registers with digest
# authentication (the engine offers SHA-256 first, its default; there is no trunk, so the
# INVITE is challenged too), dials 95598, which the engine answers with its built-in answer
# flow, hears the welcome prompt, presses 1 (RFC 4733), hangs up and unregisters.
# Passes when every step happened on the phone, the engine logged the registration, the
# digit and the unregistration, each call left a complete record, and a wrong password got
# 403. Every wait is for an event or a log line, bounded in time.
# Its own engine: SIP on 127.0.0.1:27160 (HOTLINE_INTEROP_PJSUA2_PORT), RTP 33000-33199, data
# and logs in tests/interop/out/pjsua2/. Takes about 10 s.
# Usage: tests/interop/pjsua2.sh [path/to/hotline]   (default target/debug/hotline)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/interop/lib.sh
BIN=${1:-${HOTLINE_BIN:-target/debug/hotline}}
OUT=tests/interop/out/pjsua2
PORT=${HOTLINE_INTEROP_PJSUA2_PORT:-27160}
rm -rf "$OUT" && mkdir -p "$OUT"

python3 -c "import pjsua2" 2>/dev/null || { echo "pjsua2 not found: python3 -m pip install pjsua2-python"; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build -p hotline"; exit 2; }

start_phone_engine "$BIN" "$OUT" "$PORT" 33000-33199
trap 'kill $ENGINE 2>/dev/null || true; wait $ENGINE 2>/dev/null || true' EXIT
LOG="$OUT/hotline.log"

fail=0
calls=0
for t in udp tcp; do
  echo "-- pjsua2 over $t"
  set +e
  python3 tests/interop/pjsua2_call.py 127.0.0.1:$PORT 1001 secret 95598 --transport $t \
    --log "$OUT/pjsip-$t.log" >"$OUT/steps-$t.txt" 2>"$OUT/stderr-$t.txt"
  rc=$?
  set -e
  grep -E '^(registered|answered|heard|pressed|hung up|unregistered|FAIL)' "$OUT/steps-$t.txt" || true
  calls=$((calls + 1))
  if [ $rc != 0 ]; then echo "FAIL: pjsua2 over $t (exit $rc; PJSIP's log: $OUT/pjsip-$t.log)"; fail=1; continue; fi
  grep -q 'Authorization: Digest .*algorithm=SHA-256' "$OUT/pjsip-$t.log" \
    || { echo "FAIL: pjsua2 did not answer the SHA-256 challenge"; fail=1; }
  wait_log "$LOG" "contacts=1" $calls || { echo "FAIL: the engine did not log the registration"; fail=1; }
  wait_log "$LOG" "digit=1" $calls || { echo "FAIL: the engine did not log the digit"; fail=1; }
  wait_log "$LOG" "contacts=0" $calls || { echo "FAIL: the engine did not log the unregistration"; fail=1; }
done
wait_records "$OUT/data/hotline.db" 1001 $calls || { echo "FAIL: not $calls complete call records"; fail=1; }
echo "complete call records from 1001: $(answered_records "$OUT/data/hotline.db" 1001)"

echo "-- pjsua2 with a wrong password"
set +e
python3 tests/interop/pjsua2_call.py 127.0.0.1:$PORT 1001 wrong 95598 >"$OUT/steps-wrong.txt" 2>&1
rc=$?
set -e
if [ $rc != 0 ] && grep -q '^registered 403' "$OUT/steps-wrong.txt"; then echo "refused with 403"; else
  echo "FAIL: a wrong password was not refused with 403"; cat "$OUT/steps-wrong.txt"; fail=1; fi
kill -0 $ENGINE 2>/dev/null || { echo "FAIL: hotline died"; fail=1; }
[ $fail = 0 ] && echo "pjsua2: ok"
exit $fail
