#!/usr/bin/env bash
# The README's quick start, run as written. The blocks marked `<!-- readme-test: NAME -->` are
# read from README.md itself, so the README and this test cannot drift apart: `serve` (the
# engine command) is run, then `api` (the login and the example request with curl), and the
# answers are checked.
#
# Only the surroundings differ from a newcomer's machine: the engine listens on free loopback
# ports and keeps its data in a scratch directory (HOTLINE_* variables; the command itself is
# unchanged), so the run needs neither ports 5060/8080 free nor touches ./data; the `api`
# block's 127.0.0.1:8080 and data/ are pointed there.
#
# Usage: tests/readme/run.sh   (needs cargo and curl; CI runs it after `cargo test`)
set -euo pipefail
cd "$(dirname "$0")/../.."

# block NAME: the lines of the ```sh block that follows <!-- readme-test: NAME -->.
block() {
  awk -v name="$1" '
    $0 == "<!-- readme-test: " name " -->" { want = 1; next }
    want && !inside && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' README.md
}

fail() { echo "FAIL: $*"; exit 1; }

SERVE=$(block serve)
API=$(block api)
[ -n "$SERVE" ] || fail "README.md has no readme-test: serve block"
[ -n "$API" ] || fail "README.md has no readme-test: api block"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/hotline-readme.XXXXXX")
ENGINE=
cleanup() {
  if [ -n "$ENGINE" ]; then
    kill -- "-$ENGINE" 2>/dev/null || true
    wait "$ENGINE" 2>/dev/null || true
  fi
  rm -rf "$OUT"
}
trap cleanup EXIT

echo "== the quick start's engine command, as written: $SERVE"
export HOTLINE_SIP_LISTEN_UDP=127.0.0.1:0 HOTLINE_SIP_LISTEN_TCP=127.0.0.1:0
export HOTLINE_HTTP_LISTEN=127.0.0.1:0 HOTLINE_DATA_DIR="$OUT/data"
# Its own process group, so that the engine `cargo run` starts goes with it.
setsid bash -c "$SERVE" >"$OUT/engine.log" 2>&1 &
ENGINE=$!
# The first `cargo run` may compile for many minutes: wait for the ready line while it lives.
until grep -q " ready: " "$OUT/engine.log"; do
  kill -0 "$ENGINE" 2>/dev/null || { cat "$OUT/engine.log"; fail "the engine exited"; }
  sleep 1
done
READY=$(grep -m1 " ready: " "$OUT/engine.log")
echo "$READY"
HTTP=$(echo "$READY" | sed -n 's/.* http=\([^ ]*\).*/\1/p')
[ -n "$HTTP" ] && [ "$HTTP" != off ] || fail "no http= address in the ready line"
[ -s "$OUT/data/demo-agents.txt" ] || fail "no data/demo-agents.txt"

echo "== the README's login and request (127.0.0.1:8080 -> $HTTP, data/ -> the scratch data)"
API=${API//127.0.0.1:8080/$HTTP}
API=${API//data\/demo-agents.txt/$OUT\/data\/demo-agents.txt}
ANSWERS=$(bash -euo pipefail -c "$API") || fail "the api block failed: $ANSWERS"
echo "$ANSWERS"
LOGIN=$(echo "$ANSWERS" | sed -n 1p)
FOUND=$(echo "$ANSWERS" | sed -n 2p)
checks=0
check() {  # check WHAT TEXT PATTERN
  case "$2" in
    *"$3"*) checks=$((checks + 1)) ;;
    *) fail "$1: no $3 in: $2" ;;
  esac
}
check "the login answer" "$LOGIN" '"token":"'
check "the login answer" "$LOGIN" '"login":"zhangmin"'
check "the login answer" "$LOGIN" '"skills":[["billing",8],["general",6]]'
check "the customer search" "$FOUND" '"account_no":"3100000001"'
# The document the README points to needs no token.
DOC=$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/api/openapi.json")
check "GET /api/openapi.json without a token" "$DOC" 200
echo "readme: $checks checks passed"
