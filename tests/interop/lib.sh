# Shared by the interop scripts (sourced): waiting for the engine to start, reading SIPp stats.

# wait_ready LOG PID: returns once the engine logged its ready line; exits the script if it
# died or did not start within 10 s.
wait_ready() {
  for _ in $(seq 1 100); do
    grep -q "ready:" "$1" && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1"; echo "hotline exited"; exit 1; }
    sleep 0.1
  done
  cat "$1"; echo "hotline did not start"; exit 1
}

# stat_field FILE COLUMN: the last row's value of a SIPp statistics (-trace_stat) CSV column.
stat_field() {
  awk -F';' -v col="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==col) c=i} END{print $c}' "$1"
}

# start_phone_engine BIN OUT PORT RTP_PORTS: starts `hotline serve` for a softphone's checks:
# SIP on 127.0.0.1:PORT (UDP and TCP), no trunk (the phone's REGISTER and INVITE are both
# challenged), the default digest algorithms (SHA-256, then MD5), users 1001 and 1002
# (password "secret"), RTP on RTP_PORTS, the built-in answer flow (welcome, music, each digit
# read back and logged), data and hotline.log in OUT. Sets ENGINE to its pid; returns once
# it is ready.
start_phone_engine() {
  HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$3 \
  HOTLINE_SIP_LISTEN_TCP=127.0.0.1:$3 \
  HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 \
  HOTLINE_SIP_TRUNKS= \
  HOTLINE_SIP_USERS=1001:secret,1002:secret \
  HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 \
  HOTLINE_MEDIA_RTP_PORTS=$4 \
  HOTLINE_MEDIA_RECORD=false \
  HOTLINE_DATA_DIR="$2/data" \
  HOTLINE_HTTP_LISTEN=127.0.0.1:0 \
  HOTLINE_STORE_DEMO_CUSTOMERS=0 \
  HOTLINE_IVR_ENTRY_FLOW= \
  HOTLINE_LOG_LEVEL=warn,hotline::controller=debug,hotline_call::control=debug \
    "$1" serve >"$2/hotline.log" 2>&1 &
  ENGINE=$!
  wait_ready "$2/hotline.log" $ENGINE
}

# wait_log FILE TEXT COUNT [SECS]: waits (up to SECS, default 10) until FILE has at least COUNT
# lines containing TEXT; fails (status 1) otherwise.
wait_log() {
  local tries=$(( ${4:-10} * 10 ))
  for _ in $(seq 1 $tries); do
    [ "$(grep -cF -- "$2" "$1" || true)" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

# answered_records DB CALLER: how many complete records of answered calls from CALLER the
# engine's store has (the caller hung up).
answered_records() {
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("SELECT COUNT(*) FROM calls WHERE caller = ? AND answered_at IS NOT NULL "
                 "AND ended_at IS NOT NULL AND hangup_side = 'caller'", (sys.argv[2],)).fetchone()[0])
PY
}

# wait_records DB CALLER COUNT: waits (up to 10 s) for COUNT such records.
wait_records() {
  for _ in $(seq 1 100); do
    [ "$(answered_records "$1" "$2" 2>/dev/null || echo 0)" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
