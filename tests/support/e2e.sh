# Sourced by tests/e2e/test_*.sh: a lab of the test's own (tools/lab/lab.sh
# with a prefix unique to this run), removed on any exit, the whole run
# bounded in time, and the checks and readings the scenarios share.
#
# ctest passes PMTUGUARD, PMTUGUARD_BPF_DIR and PMTUGUARD_SOURCE_DIR; run by
# hand, the defaults point into build/.
set -euo pipefail

E2E_NAME=$(basename "$0" .sh)
E2E_SOURCE_DIR=${PMTUGUARD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# The whole scenario gets E2E_TIMEOUT seconds; timeout signals the process
# group, and the TERM trap below turns that into a normal exit with cleanup.
if [ -z "${E2E_BOUNDED:-}" ]; then
	E2E_BOUNDED=1 exec timeout --kill-after=20 "${E2E_TIMEOUT:-240}" bash "$0" "$@"
fi

export PMTUGUARD=${PMTUGUARD:-$E2E_SOURCE_DIR/build/userspace/cli/pmtuguard}
export PMTUGUARD_BPF_DIR=${PMTUGUARD_BPF_DIR:-$E2E_SOURCE_DIR/build/bpf}
export PG_LAB_PREFIX=pge$$
export LAB_CMD_TIMEOUT=60
# shellcheck source=../../tools/lab/lab.sh
source "$E2E_SOURCE_DIR/tools/lab/lab.sh"

E2E_TMP=$(mktemp -d "/tmp/$E2E_NAME.XXXXXX")
declare -A E2E_CAPTURES=() # name -> dumpcap pid
E2E_HELPERS=()              # pids of background helpers, killed on exit

e2e_cleanup() {
	local rc=$? pid
	trap - EXIT
	for pid in "${E2E_CAPTURES[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for pid in "${E2E_HELPERS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	lab_down
	rm -rf "$E2E_TMP"
	if ls /run/netns 2>/dev/null | grep -q "^$PG_LAB_PREFIX-" || [ -e "$LAB_PIN_DIR" ]; then
		echo "$E2E_NAME: FAIL: the lab $PG_LAB_PREFIX left namespaces or $LAB_PIN_DIR behind" >&2
		rc=1
	fi
	[ "$rc" = 0 ] && echo "$E2E_NAME: PASS" || echo "$E2E_NAME: FAIL (exit $rc)" >&2
	exit "$rc"
}
trap e2e_cleanup EXIT
trap 'echo "$E2E_NAME: interrupted or out of time" >&2; exit 124' TERM INT

fail() {
	echo "$E2E_NAME: FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

expect_eq() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	ok "$1 = $3"
}

expect_contains() { # WHAT NEEDLE HAYSTACK
	grep -qF -- "$2" <<<"$3" || fail "$1: '$2' not found in: $3"
	ok "$1 contains '$2'"
}

e2e_require() {
	[ "$(id -u)" = 0 ] || fail "must run as root"
	[ -x "$PMTUGUARD" ] || fail "no pmtuguard binary at $PMTUGUARD (build first)"
	[ -f "$PMTUGUARD_BPF_DIR/xdp_pass.bpf.o" ] || fail "no xdp_pass.bpf.o in $PMTUGUARD_BPF_DIR"
	/usr/bin/python3 -c 'import scapy' 2>/dev/null || fail "scapy missing for /usr/bin/python3 (bash tools/setup.sh)"
	command -v tshark >/dev/null || fail "tshark missing (bash tools/setup.sh)"
}

# Builds this run's lab; the EXIT trap removes it.
e2e_lab_up() {
	e2e_require
	lab_up >/dev/null || fail "the lab did not come up"
}

# Starts a capture in NODE on IFACE into E2E_TMP/NAME.pcap; prints nothing,
# remembers the pid for e2e_capture_stop and for the cleanup.
e2e_capture_start() { # NAME NODE IFACE FILTER
	local pid
	lab_capture_start pid "$2" "$3" "$4" "$E2E_TMP/$1.pcap" || fail "capture $1 did not start"
	E2E_CAPTURES[$1]=$pid
}

e2e_capture_stop() { # NAME
	lab_capture_stop "${E2E_CAPTURES[$1]}"
	unset "E2E_CAPTURES[$1]"
}

e2e_pcap() { # NAME
	echo "$E2E_TMP/$1.pcap"
}

# Only dumpcap-filtered PTBs (ICMPv6 type 2 right after the IPv6 header).
E2E_PTB_FILTER='icmp6 and ip6[40] == 2'

# One line per Packet Too Big in a capture, fields separated by spaces:
#   src dst hop_limit payload_len mtu checksum_ok quoted_src quoted_dst quoted_payload_len
# tshark lists the outer and the quoted IPv6 header's fields comma-joined, and
# verifies the ICMPv6 checksum itself (icmpv6.checksum.status 1 = "Good").
e2e_ptbs() { # NAME
	tshark -r "$(e2e_pcap "$1")" -Y 'icmpv6.type == 2' -T fields -E separator=';' \
		-e ipv6.src -e ipv6.dst -e ipv6.hlim -e ipv6.plen -e icmpv6.mtu -e icmpv6.checksum.status 2>/dev/null |
		awk -F';' '{
			split($1, src, ","); split($2, dst, ","); split($3, hlim, ",");
			split($4, plen, ","); split($5, mtu, ","); split($6, csum, ",");
			print src[1], dst[1], hlim[1], plen[1], mtu[1], (csum[1] == 1 ? "good" : "BAD"), src[2], dst[2], plen[2]
		}'
}

# The number of lines of e2e_ptbs NAME whose awk condition holds, e.g.
# count_ptbs h1 '$2 == "2001:db8:1::2"'.
count_ptbs() { # NAME AWK_CONDITION
	e2e_ptbs "$1" | awk "$2 { n++ } END { print n + 0 }"
}

# A counter of `pmtuguard stats -j` for one interface.
pg_counter() { # IFACE NAME
	lab_pmtuguard -j stats "$1" |
		/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["interfaces"][0]["counters"][sys.argv[1]])' "$2"
}

# A counter of a node's IPv6 stack (/proc/net/snmp6), e.g. Icmp6OutPktTooBigs.
kernel_counter() { # NODE NAME
	lab_exec "$1" awk -v name="$2" '$1 == name { print $2 }' /proc/net/snmp6
}

# A bulk TCP transfer (tests/support/tcp_transfer.py): prints the bytes
# RECEIVER got from SENDER, who gives up after SECONDS without progress.
e2e_tcp_transfer() { # SENDER RECEIVER RECEIVER_ADDRESS PORT BYTES SECONDS
	local script=$E2E_SOURCE_DIR/tests/support/tcp_transfer.py out=$E2E_TMP/received.$4 receiver
	lab_exec "$2" /usr/bin/python3 "$script" receive "$4" 3 >"$out" &
	receiver=$!
	sleep 0.5
	lab_exec "$1" /usr/bin/python3 "$script" send "$3" "$4" "$5" "$6" >&2 || true
	wait "$receiver" || true
	cat "$out"
}

# Forget what h1 learnt about path MTUs, so ping and tracepath meet the
# oversize path afresh.
h1_forget_pmtu() {
	lab_exec h1 ip -6 route flush cache
}
