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
