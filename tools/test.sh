#!/usr/bin/env bash
# Installs everything, builds, and runs every test (as root, against the
# running kernel). .ci/run calls this.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash tools/setup.sh
build=${PMTUGUARD_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure "$@"

# The userspace unit tests and the fuzz corpora's replays once more, built
# with ASan and UBSan: any report aborts its test, and so fails the run.
asan=${build}-asan
cmake -S . -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPMTUGUARD_SANITIZE=ON
unit_targets=$(ninja -C "$asan" -t targets all | sed -nE 's/^(unit_test_[a-z0-9_]+|fuzz_(prefix|config|cli)): .*/\1/p')
# shellcheck disable=SC2086 # one target per word
cmake --build "$asan" --target $unit_targets
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir "$asan" -L unit --output-on-failure
