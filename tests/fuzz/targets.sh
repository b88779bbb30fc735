# Sourced by run.sh and long_run.sh: what the fuzz targets are, how they are built and seeded.
# Expects root, build and shared to be set by the caller.

fuzz_all_targets=(dsn control config state auth_parsers)

# Configures build-fuzz/ (clang, ASan + UBSan) when needed and builds the named targets.
fuzz_build() {
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$build" --target "${@/%/_fuzz}" -j2
}

# Sets seeds (directories) and extra (libFuzzer flags) for target $1; returns 2 for an unknown one.
fuzz_setup() {
  seeds=()
  extra=()
  case "$1" in
    dsn)
      seeds=("$root/tests/fixtures/bounces")
      if [[ -d "$shared/corpus/bounces/eml" ]]; then
        seeds+=("$shared/corpus/bounces/eml" "$shared/corpus/bounces/crlf")
      else
        echo "fuzz: WARNING: $shared/corpus/bounces not found; seeding from fixtures only" >&2
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
      # Bounded: a seeding run that hangs must fail the run, not stall CI.
      MXPULSE_FUZZ_SEED_DIR="$build/seeds-state" timeout 120 "$build/state_fuzz" -runs=0 \
        "$build/seeds-state" >/dev/null 2>&1
      seeds=("$build/seeds-state")
      extra=(-max_len=65536)
      ;;
    auth_parsers)
      for d in "$shared/corpus/dkim" "$shared/corpus/dmarc"; do
        [[ -d $d ]] && seeds+=("$d")
      done
      if [[ ${#seeds[@]} -eq 0 ]]; then
        echo "fuzz: WARNING: $shared/corpus/dkim not found; auth_parsers starts unseeded" >&2
      fi
      extra=(-max_len=16384)
      ;;
    *)
      echo "fuzz: unknown target $1" >&2
      return 2
      ;;
  esac
  mkdir -p "$build/corpus-$1" "$build/artifacts"
}

# Replays target $1's regression seeds (tests/fuzz/regressions/TARGET: inputs that once crashed or
# hung); fails when one still does. Call after fuzz_setup.
fuzz_replay_regressions() {
  local dir="$root/tests/fuzz/regressions/$1"
  [[ -d $dir ]] && compgen -G "$dir/*" >/dev/null || return 0
  echo "fuzz: replaying the ${1}_fuzz regression seeds"
  timeout 300 "$build/${1}_fuzz" -timeout=10 -rss_limit_mb=2048 "${extra[@]}" "$dir"/*
}
