#!/bin/sh
# A steady load to measure a benchmark on a busy machine (the campaign_load runs in the README):
# two shell busy loops and, unless --cpu-only, a writer that syncs every 64 KiB it writes.
# Runs until killed: `setsid benches/busy_machine.sh & ...; kill -- -$!`.
(while :; do :; done) &
(while :; do :; done) &
if [ "$1" != "--cpu-only" ]; then
  (while :; do dd if=/dev/zero of="${TMPDIR:-/tmp}/busy_machine.dd" bs=64k count=100 oflag=dsync 2>/dev/null; done) &
fi
wait
