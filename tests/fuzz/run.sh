#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for SECONDS
# (default 60), seeded: dsn_fuzz from the bounce corpus and fixtures, control_fuzz from
# tests/fuzz/seeds/control, config_fuzz from conf/ and the test configurations, state_fuzz from a
# real state file it writes itself. Exits non-zero when a fuzzer finds a crash.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (TARGET: dsn control config state)
set -euo pipefail
seconds="${1:-60}"
shift || true
targets=("$@")
# state is not in the default set: its seeding run (-runs=0 writing its own state file) hangs and
# is not yet understood; run it by name (run.sh 60 state) while that is investigated.
[[ ${#targets[@]} -gt 0 ]] || targets=(dsn control config)
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MXPULSE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${MXPULSE_SHARED_DIR:-$root/../shared}"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target "${targets[@]/%/_fuzz}" -j2

for t in "${targets[@]}"; do
  work="$build/corpus-$t"
  mkdir -p "$work" "$build/artifacts"
  seeds=()
  extra=()
  case "$t" in
    dsn)
      seeds=("$root/tests/fixtures/bounces")
      if [[ -d "$shared/corpus/bounces/eml" ]]; then
        seeds+=("$shared/corpus/bounces/eml" "$shared/corpus/bounces/crlf")
      else
        echo "run.sh: WARNING: $shared/corpus/bounces not found; seeding from fixtures only" >&2
      fi
      extra=(-max_len=131072)
      ;;
    control)
      seeds=("$root/tests/fuzz/seeds/control")
      extra=(-max_len=8192 -dict="$root/tests/fuzz/control.dict")
      ;;
    config)
      mkdir -p "$build/seeds-config"
      cp "$root/conf/mxpulse.conf" "$build/seeds-config/"
      seeds=("$build/seeds-config")
      extra=(-max_len=16384)
      ;;
    state)
      mkdir -p "$build/seeds-state"
      MXPULSE_FUZZ_SEED_DIR="$build/seeds-state" "$build/state_fuzz" -runs=0 "$build/seeds-state" >/dev/null 2>&1
      seeds=("$build/seeds-state")
      extra=(-max_len=65536)
      ;;
    *)
      echo "run.sh: unknown target $t" >&2
      exit 2
      ;;
  esac
  echo "run.sh: fuzzing ${t}_fuzz for ${seconds}s"
  "$build/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${extra[@]}" \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$work" "${seeds[@]}"
done
