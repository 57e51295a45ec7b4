#!/usr/bin/env bash
# The suite on a busy machine (notes/testing.md, "A busy machine"): two busy loops, one per core of this
# 2-core machine, run beside `npm test` for RUNS runs (3 unless given). Each run's TAP output goes to
# OUT/run-N.log and one line per run (exit code, seconds, tap's pass count) to OUT/summary.log.
#
#   scripts/busy-machine.sh [RUNS] [OUT]        (OUT defaults to .busy/, git-ignored)
#
# Set HANDOFF_REUSEPORT_NODE to a Node >= 22.12 on Node 20, as .ci/run does, or reuseport's tests skip.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
out="${2:-.busy}"
mkdir -p "$out"

# The loops are the issue's own: `while :; do :; done`, a process each, stopped whatever stops this script.
burners=()
for _ in 1 2; do (while :; do :; done) & burners+=("$!"); done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT INT TERM

for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  npm test > "$out/run-$run.log" 2>&1
  rc=$?
  tally=$(grep -E '^# \{ total' "$out/run-$run.log" | tail -1)
  echo "run $run: exit $rc, $(( $(date +%s) - start )) s, ${tally:-no tally}" | tee -a "$out/summary.log"
done
