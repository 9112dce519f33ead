#!/usr/bin/env bash
# Where pmtuguard's program spends its time on one path of pg_bench_paths:
# software-clock sampling with perf (this VM has no hardware counters, so
# neither `perf stat -e instructions` nor `bpftool prog profile` works), each
# sample inside the program (pmtuguard_xdp, or pmtuguard_tc_ingress on a
# "(tc ingress)" path) charged to the helper it was in, or to the program's
# own instructions.
#
# Usage: tools/bench/profile.sh "PATH NAME" [pg_bench_paths options]
#   e.g. tools/bench/profile.sh "oversize: PTB" --rounds 5
# Environment: PMTUGUARD_BUILD_DIR (default build), already built.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: profile.sh \"PATH NAME\" [pg_bench_paths options]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "profile.sh: must run as root" >&2; exit 1; }
# Not in tools/setup.sh: only this optional profiler needs it.
command -v perf >/dev/null || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PMTUGUARD_BUILD_DIR:-$src/build}
bench=$build/tools/bench/pg_bench_paths
[ -x "$bench" ] || { echo "profile.sh: $bench not built" >&2; exit 1; }
path=$1
shift
prog=pmtuguard_xdp
[[ $path == *"(tc ingress)" ]] && prog=pmtuguard_tc_ingress

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timeout 300 perf record -q -g -e cpu-clock -F 20000 -o "$work/perf.data" -- \
	"$bench" --path "$path" "$@" >"$work/table.md" 2>/dev/null
grep "^| $path |" "$work/table.md" || true
perf script -i "$work/perf.data" -F ip,sym 2>/dev/null | awk -v prog="$prog" '
	NF == 0 {
		if (n > 0) {
			at = 0
			for (i = 1; i <= n; i++) if (frame[i] ~ ("_" prog "$") || frame[i] == prog) { at = i; break }
			if (at) { inside++; where[at == 1 ? "(the program itself)" : frame[at - 1]]++ }
		}
		n = 0
		next
	}
	{ frame[++n] = $2 }
	END {
		if (!inside) { print "no samples inside " prog; exit 1 }
		printf "%d samples inside %s:\n", inside, prog
		for (w in where) printf "%6.1f%%  %s\n", 100 * where[w] / inside, w | "sort -rn"
	}'
