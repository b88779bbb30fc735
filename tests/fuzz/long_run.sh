#!/usr/bin/env bash
# The long fuzz run: each target for EXECS executions (default 10,000,000) or at most SECONDS
# (default 0: no time bound), under nice -n 19 (the run is meant for a shared machine), seeded as
# run.sh seeds it and growing the same corpus (build-fuzz/corpus-TARGET). Prints one line per
# target: executions, exec/s, coverage (cov/ft), corpus size and crashes. Logs go to
# build-fuzz/long-run/TARGET.log, findings to build-fuzz/artifacts/. MXPULSE_FUZZ_PARALLEL=N runs
# N targets at a time (default 1). Exits non-zero when a target found a crash. The timeout per input
# is 60 s, not 10: at nice 19 on a busy machine a 0.1 s input was once starved past 10 s.
# Usage: tests/fuzz/long_run.sh [EXECS] [SECONDS] [TARGET...]
set -euo pipefail
execs="${1:-10000000}"
seconds="${2:-0}"
shift 2 || shift $# || true
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MXPULSE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${MXPULSE_SHARED_DIR:-$root/../shared}"
parallel="${MXPULSE_FUZZ_PARALLEL:-1}"
source "$root/tests/fuzz/targets.sh"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${fuzz_all_targets[@]}")
logs="$build/long-run"
mkdir -p "$logs"

fuzz_build "${targets[@]}"

# Runs one target to its end; its log holds libFuzzer's output and the wall time.
run_one() {
  local t=$1 start end
  fuzz_setup "$t" || return 2
  fuzz_replay_regressions "$t" >"$logs/$t.log" 2>&1 || { echo "exit: regression" >>"$logs/$t.log"; return 1; }
  start=$(date +%s)
  local rc=0
  nice -n 19 "$build/${t}_fuzz" -runs="$execs" -max_total_time="$seconds" -timeout=60 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/long-$t-" \
    "${extra[@]}" "$build/corpus-$t" "${seeds[@]}" >>"$logs/$t.log" 2>&1 || rc=$?
  end=$(date +%s)
  echo "elapsed: $((end - start))" >>"$logs/$t.log"
  echo "exit: $rc" >>"$logs/$t.log"
}

# Prints target $1's figures from its log, corpus and artifacts.
summarise() {
  local t=$1 log="$logs/$1.log"
  local n elapsed last files bytes crashes
  n=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -1)
  elapsed=$(sed -n 's/^elapsed: //p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  files=$(find "$build/corpus-$t" -type f | wc -l)
  bytes=$(du -sb "$build/corpus-$t" | cut -f1)
  crashes=$(find "$build/artifacts" -name "long-$t-*" ! -name "long-$t-slow-unit-*" -type f | wc -l)
  printf '%-13s executions %10s  exec/s %6s  %-22s corpus %5s files %9s bytes  crashes %s  (%s)\n' \
    "$t" "${n:-0}" "$(( ${n:-0} / (${elapsed:-0} > 0 ? elapsed : 1) ))" "${last:-cov: ? ft: ?}" \
    "$files" "$bytes" "$crashes" "$(sed -n 's/^exit: /exit /p' "$log" | tail -1)"
  [[ $crashes -eq 0 ]]
}

running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= parallel)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
for t in "${targets[@]}"; do
  summarise "$t" || status=1
done
exit "$status"
