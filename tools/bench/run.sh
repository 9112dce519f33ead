#!/usr/bin/env bash
# Runs every pmtuguard benchmark and writes docs/benchmarks.md (README.md
# here says what is measured and how). As root, on an otherwise idle machine;
# a few minutes at most.
#
# Usage: tools/bench/run.sh [--out FILE] [--quick]
#   --out FILE  where the results go (default docs/benchmarks.md)
#   --quick     fewer rounds and shorter runs, to try the harness (the
#               results say so)
# Environment: PMTUGUARD_BUILD_DIR (default build), the build to measure.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
out=$src/docs/benchmarks.md
quick=0
while [ $# -gt 0 ]; do
	case "$1" in
	--out)
		[ $# -ge 2 ] || { echo "run.sh: --out needs a file" >&2; exit 2; }
		out=$2
		shift 2
		;;
	--quick)
		quick=1
		shift
		;;
	*)
		echo "run.sh: unknown argument '$1' (expected --out FILE or --quick)" >&2
		exit 2
		;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (BPF programs, network namespaces)" >&2
	exit 1
fi

build=${PMTUGUARD_BUILD_DIR:-$src/build}
# Other work on the machine makes the test_run figures noisier; say how much.
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
bash "$src/tools/setup.sh" >/dev/null
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" >/dev/null

export PMTUGUARD_BPF_DIR=$build/bpf PMTUGUARD=$build/userspace/cli/pmtuguard
export PG_LAB_PREFIX=pgb$$
# shellcheck source=../lab/lab.sh
source "$src/tools/lab/lab.sh"

work=$(mktemp -d)
cleanup() {
	# The test_run benchmarks build their router in namespaces named after
	# their pid; one killed by the timeout cannot remove them itself.
	local pidfile ns
	for pidfile in "$work"/*.pid; do
		[ -s "$pidfile" ] || continue
		for ns in $(ip netns list | awk '{ print $1 }' | grep "^pgtest-$(cat "$pidfile")-" || true); do
			ip netns del "$ns"
		done
	done
	lab_down
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$quick" = 1 ]; then
	paths_args=(--rounds 2 --repeat 1000000)
	e2e_args=(--rounds 1 --seconds 1)
	rules_args=(--rounds 2 --rules 1 1000 10000)
else
	paths_args=(--rounds 7 --repeat 1000000)
	e2e_args=(--rounds 3 --seconds 2)
	rules_args=()
fi

# Records its pid for the cleanup, then becomes the benchmark.
run_recording_pid() { # PIDFILE TIMEOUT CMD...
	local pidfile=$1 limit=$2
	shift 2
	timeout "$limit" bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@"
}

echo "run.sh: per-path cost (BPF_PROG_TEST_RUN)" >&2
run_recording_pid "$work/paths.pid" 300 "$build/tools/bench/pg_bench_paths" "${paths_args[@]}" \
	--results "$work/paths.md" >/dev/null

echo "run.sh: end to end in the lab" >&2
lab_up >/dev/null
# The generator's frames and r's PTBs must not wait for neighbour discovery.
lab_exec r ip -6 neigh replace "$LAB_H1_ADDR" lladdr "$(lab_mac h1 h1-r)" dev r-h1 nud permanent
timeout 300 "$build/tools/bench/pg_bench_e2e" "${e2e_args[@]}" \
	--h1-ns "$(lab_ns h1)" --r-ns "$(lab_ns r)" --h1-dev h1-r --r-in r-h1 --r-out r-h2 \
	--src "$LAB_H1_ADDR" --dst "$LAB_H2_ADDR" --pin-dir "$LAB_PIN_DIR" \
	--results "$work/e2e.md" >/dev/null

echo "run.sh: source-rule scaling" >&2
run_recording_pid "$work/rules.pid" 600 "$build/tools/bench/pg_bench_source_rules" "${rules_args[@]}" \
	--results "$work/rules.md" >/dev/null

if commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null); then
	if [ -n "$(git -C "$src" status --porcelain --untracked-files=no -- bpf include userspace tools/bench)" ]; then
		commit="$commit with uncommitted changes"
	fi
else
	commit="(not a git checkout)"
fi
load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$(dirname "$out")"
{
	echo "# pmtuguard benchmarks"
	echo
	echo "Written by \`tools/bench/run.sh$([ "$quick" = 1 ] && echo " --quick")\` on $(date -u +%Y-%m-%d) from commit $commit;"
	echo "how to run them and what they measure: [tools/bench/README.md](../tools/bench/README.md)."
	echo "Load average (1, 5, 15 min) when the run started: $load_at_start; when it ended: $load_at_end (on $(nproc) CPUs)."
	echo "Above 1, other work shared the CPUs: the ns figures are higher and noisier than on an idle machine, the ratios (same round) much less so."
	[ "$quick" = 1 ] && echo "**Quick run: fewer rounds and shorter runs than the published figures.**"
	echo
	cat "$work/paths.md"
	echo
	cat "$work/e2e.md"
	echo
	cat "$work/rules.md"
	echo
	# Written by hand from profiles: re-read it when the figures move.
	cat "$src/tools/bench/findings.md"
} >"$out"
echo "run.sh: results in $out" >&2
