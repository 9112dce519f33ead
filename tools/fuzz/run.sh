#!/usr/bin/env bash
# Fuzzes pmtuguard for a bounded time.
#
#   tools/fuzz/run.sh [-t SECONDS] [-b BUILD_DIR] [TARGET...]
#
# TARGET: prefix, config, cli (libFuzzer, userspace parsers) and datapath
# (the BPF programs under BPF_PROG_TEST_RUN); default all. Each libFuzzer
# target runs for SECONDS (default 60) in a clang++ build with ASan, UBSan
# and coverage instrumentation (BUILD_DIR, default build-fuzz). New inputs
# go to BUILD_DIR/corpus/TARGET, seeded from tools/fuzz/corpus/TARGET;
# crashes to BUILD_DIR/crashes/. Copy a crash worth keeping into the seed
# corpus once it is fixed: the test suite replays it from then on.
# datapath runs tools/fuzz/fuzz_datapath (1,000,000 frames per hook) from the
# ordinary build in $PMTUGUARD_BUILD_DIR (default build). Exits non-zero if
# any target found something.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=60
build=$here/build-fuzz
while getopts "t:b:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-b BUILD_DIR] [prefix|config|cli|datapath]..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(prefix config cli datapath)

libfuzzer=()
for t in "${targets[@]}"; do
  case $t in
    prefix|config|cli) libfuzzer+=("$t") ;;
    datapath) ;;
    *) echo "run.sh: unknown target '$t' (prefix, config, cli, datapath)" >&2; exit 2 ;;
  esac
done

failed=()
if [ ${#libfuzzer[@]} -gt 0 ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DPMTUGUARD_SANITIZE=ON -DPMTUGUARD_FUZZ=ON -DPMTUGUARD_TESTS=OFF >/dev/null
  cmake --build "$build" --target "${libfuzzer[@]/#/fuzz_}"
  mkdir -p "$build/crashes"
  for t in "${libfuzzer[@]}"; do
    mkdir -p "$build/corpus/$t"
    echo "== fuzz_$t for ${seconds}s"
    # -timeout: one input taking over 5 s is a finding too (a hang).
    if ! timeout $((seconds + 60)) "$build/tools/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=5 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
        "$build/corpus/$t" "$here/tools/fuzz/corpus/$t"; then
      failed+=("$t")
    fi
  done
fi

for t in "${targets[@]}"; do
  [ "$t" = datapath ] || continue
  dp_build=${PMTUGUARD_BUILD_DIR:-$here/build}
  cmake --build "$dp_build" --target fuzz_datapath
  echo "== fuzz_datapath"
  timeout 1800 "$dp_build/tools/fuzz/fuzz_datapath" --frames 1000000 --seed "${PMTUGUARD_FUZZ_SEED:-$RANDOM}" ||
    failed+=(datapath)
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: findings in: ${failed[*]} (crashes in $build/crashes)" >&2
  exit 1
fi
echo "run.sh: nothing found"
