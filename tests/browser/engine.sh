# Sourced by the browser scripts whose pages need an engine with demo data and no phones
# (notices.sh, incidents.sh, reports.sh, tickets.sh): checks the tools, starts `hotline serve`
# on loopback with its data in $OUT/data and its log in $OUT/hotline.log, waits for "ready:",
# and stops it on exit.
#   browser_engine BIN OUT SIP_PORT HTTP_PORT RTP_FIRST-RTP_LAST [NAME=VALUE…]
# The extra NAME=VALUE pairs are added to the engine's environment. Sets ENGINE (the pid).
# `demo_password LOGIN` prints a demo agent's password.

browser_engine() {
  local bin=$1 out=$2 sip=$3 http=$4 rtp=$5
  shift 5
  rm -rf "$out" && mkdir -p "$out"
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "no browser at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium"; exit 2; }
  [ -d tests/browser/node_modules/playwright-core ] || { echo "playwright-core missing: (cd tests/browser && npm ci)"; exit 2; }
  [ -x "$bin" ] || { echo "no binary at $bin: cargo build -p hotline"; exit 2; }
  BROWSER_ENGINE_OUT=$out
  ENGINE=""
  trap browser_engine_stop EXIT
  # The scripts' own port overrides (HOTLINE_CALLS_PORT, HOTLINE_CAMPAIGNS_PORT, …) are not
  # configuration keys: the engine would refuse to start on them, so it does not get them.
  local unset=() v
  for v in $(compgen -e); do
    case $v in HOTLINE_*_PORT) unset+=(-u "$v") ;; esac
  done
  env "${unset[@]}" HOTLINE_SIP_LISTEN_UDP=127.0.0.1:$sip HOTLINE_SIP_LISTEN_TCP=127.0.0.1:$sip \
    HOTLINE_SIP_PUBLIC_HOST=127.0.0.1 HOTLINE_MEDIA_PUBLIC_ADDRESS=127.0.0.1 \
    HOTLINE_MEDIA_RTP_PORTS="$rtp" \
    HOTLINE_DATA_DIR="$out/data" HOTLINE_HTTP_LISTEN=127.0.0.1:$http \
    HOTLINE_STORE_DEMO_CUSTOMERS=20 HOTLINE_IVR_RELOAD_SECS=0 HOTLINE_LOG_LEVEL=info \
    "$@" "$bin" serve >"$out/hotline.log" 2>&1 &
  ENGINE=$!
  for _ in $(seq 1 150); do
    grep -q " ready:" "$out/hotline.log" && break
    kill -0 "$ENGINE" 2>/dev/null || { cat "$out/hotline.log"; echo "FAIL: hotline exited"; exit 1; }
    sleep 0.1
  done
  grep -q " ready:" "$out/hotline.log" || { cat "$out/hotline.log"; echo "FAIL: hotline did not start"; exit 1; }
}

browser_engine_stop() {
  if [ -n "${ENGINE:-}" ]; then
    kill "$ENGINE" 2>/dev/null || true
    wait "$ENGINE" 2>/dev/null || true
  fi
}

demo_password() {
  awk -F'\t' -v who="$1" '$1 == who { print $3 }' "$BROWSER_ENGINE_OUT/data/demo-agents.txt"
}
