#!/usr/bin/env bash
# Builds the libFuzzer target with clang in build-fuzz/ and runs it for SECONDS (default 60),
# seeded from the bounce corpus and the fixtures. Exits non-zero when the fuzzer finds a crash.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MXPULSE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
shared="${MXPULSE_SHARED_DIR:-$root/../shared}"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target dsn_fuzz -j2

work="$build/corpus"
mkdir -p "$work" "$build/artifacts"
seeds=("$root/tests/fixtures/bounces")
if [[ -d "$shared/corpus/bounces/eml" ]]; then
  seeds+=("$shared/corpus/bounces/eml" "$shared/corpus/bounces/crlf")
else
  echo "run.sh: WARNING: $shared/corpus/bounces not found; seeding from fixtures only" >&2
fi

echo "run.sh: fuzzing dsn_fuzz for ${seconds}s"
"$build/dsn_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$work" "${seeds[@]}"
