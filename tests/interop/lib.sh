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
