#!/usr/bin/env bash
# The fuzz targets on the stable toolchain (no nightly, no cargo-fuzz needed):
#   1. replay every seed corpus and regression input through the targets' bodies (cargo test);
#   2. a bounded libFuzzer run of each target (SECS seconds each, default 20), built with
#      SanitizerCoverage through stable codegen options (-Cpasses=sancov-module), without
#      AddressSanitizer (that needs -Zsanitizer, i.e. nightly). New inputs go to a temporary
#      folder, the committed corpus is only read; a crash leaves its input in
#      fuzz/artifacts/<target>/ and fails the run.
# Usage: fuzz/run.sh [SECS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
targets="sdp ivr_flow ivr_expr sip_message"
triple=$(rustc -vV | sed -n 's/^host: //p')
bins=${FUZZ_TARGET_DIR:-target/libfuzzer}

echo "== fuzz: corpus replay"
cargo test --quiet

echo "== fuzz: libFuzzer, ${secs}s per target"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros, as cargo-fuzz does.
CARGO_PROFILE_DEV_OPT_LEVEL=1 cargo build --quiet --bins --target "$triple" --target-dir "$bins"
for t in $targets; do
  work=$(mktemp -d)
  mkdir -p "artifacts/$t"
  seeds="corpus/$t"
  [ -d "$seeds" ] || seeds=""
  "$bins/$triple/debug/$t" "$work" $seeds \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>"$work.log" || {
      tail -40 "$work.log"; echo "fuzz: $t found a failure (input in fuzz/artifacts/$t/)"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$work.log" | sed "s/^/$t: /"
  rm -rf "$work" "$work.log"
done
