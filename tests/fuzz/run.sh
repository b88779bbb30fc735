#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for SECONDS
# (default 60), seeded: dsn_fuzz from the bounce corpus and fixtures, control_fuzz from
# tests/fuzz/seeds/control, config_fuzz from conf/, state_fuzz from a real state file it writes
# itself, auth_parsers_fuzz from the DKIM corpus messages and the DMARC vectors (targets.sh).
# Each target first replays its regression seeds (tests/fuzz/regressions/TARGET).
# Exits non-zero when a fuzzer finds a crash. The long run is long_run.sh (see README.md).
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (TARGET: dsn control config state auth_parsers)
set -euo pipefail
seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MXPULSE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${MXPULSE_SHARED_DIR:-$root/../shared}"
source "$root/tests/fuzz/targets.sh"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${fuzz_all_targets[@]}")

fuzz_build "${targets[@]}"
for t in "${targets[@]}"; do
  fuzz_setup "$t" || exit 2
  fuzz_replay_regressions "$t"
  echo "run.sh: fuzzing ${t}_fuzz for ${seconds}s"
  "$build/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${extra[@]}" \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$build/corpus-$t" "${seeds[@]}"
done
