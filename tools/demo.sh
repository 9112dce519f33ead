#!/usr/bin/env bash
# The README's first command: install, build, and show pmtuguard answering
# for a 1280-byte "tunnel" in the lab h1 — r — h2 (tools/lab/lab.sh).
#   bash tools/demo.sh [--keep]     --keep leaves the lab up afterwards
# Removes everything it made on exit, unless --keep; bounded in time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

keep=0
case "${1:-}" in
"") ;;
--keep) keep=1 ;;
*)
	echo "usage: bash tools/demo.sh [--keep]" >&2
	exit 2
	;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "demo: must run as root (it installs packages, creates namespaces, loads BPF)" >&2
	exit 1
fi
# The whole demo gets DEMO_TIMEOUT seconds (the first build takes most).
if [ -z "${DEMO_BOUNDED:-}" ]; then
	DEMO_BOUNDED=1 exec timeout --kill-after=20 "${DEMO_TIMEOUT:-900}" bash "$0" "$@"
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { # print a command, then run it
	printf '$ %s\n' "$*"
	"$@"
}

step "Packages (tools/setup.sh)"
bash tools/setup.sh

step "Build the CLI and the lab's xdp_pass into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only what the demo runs; tools/test.sh builds everything.
cmake --build build --target pmtuguard xdp_pass_skel_gen

export PMTUGUARD=$here/build/userspace/cli/pmtuguard PMTUGUARD_BPF_DIR=$here/build/bpf
export PG_LAB_PREFIX=${PG_LAB_PREFIX:-pglab} LAB_CMD_TIMEOUT=60
source tools/lab/lab.sh
workdir=$(mktemp -d /tmp/pmtuguard-demo.XXXXXX)
capture=""
cleanup() {
	local rc=$?
	[ -n "$capture" ] && lab_capture_stop "$capture"
	rm -rf "$workdir"
	if [ "$keep" = 1 ] && [ "$rc" = 0 ]; then
		echo
		echo "The lab is still up: bash tools/lab/lab.sh status | exec h1 ... | down"
	else
		lab_down >/dev/null
		echo "demo: lab removed"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 124' TERM INT

step "Lab: h1 —1500— r —1280— h2 (bash tools/lab/lab.sh up)"
lab_up
lab_status

step "Attach pmtuguard on r, to both links of the path"
show lab_pmtuguard attach r-h1 r-h2
lab_pmtuguard status

step "h1 sends UDP of 1280, 1281 and 1400 bytes to h2 (scapy); capture on h1"
pcap=$workdir/h1.pcap
lab_capture_start capture h1 h1-r 'icmp6 and ip6[40] == 2' "$pcap"
for size in 1280 1281 1400; do
	show lab_send_udp --size "$size" --count 2
done
lab_capture_stop "$capture"
capture=""
echo
echo "The Packet Too Big messages h1 got, one per oversize packet (the 1280s fit):"
echo "(checksum.status 1 = Good, as tshark verified it; payload 1240 = 8 bytes of header + 1232 quoted)"
show tshark -r "$pcap" -n -T fields -E header=y -E occurrence=f -e ipv6.src -e ipv6.dst -e ipv6.hlim \
	-e icmpv6.mtu -e icmpv6.checksum.status -e ipv6.plen 2>/dev/null
echo
echo "One of them decoded:"
tshark -r "$pcap" -n -V -c 1 -O icmpv6 2>/dev/null | sed -n '/^Internet Control Message Protocol v6/,$p' | head -n 16

step "ping -M do -s 1300 and tracepath from h1"
lab_exec h1 ip -6 route flush cache
show lab_exec h1 ping -6 -n -M do -s 1300 -c 2 -W 1 "$LAB_H2_ADDR" || true
lab_exec h1 ip -6 route flush cache
show lab_exec h1 tracepath -6 -n -m 5 "$LAB_H2_ADDR" || true

step "pmtuguard status and stats on r"
show lab_pmtuguard status
show lab_pmtuguard stats r-h1
echo
echo "r's own kernel sent $(lab_exec r awk '$1 == "Icmp6OutPktTooBigs" { print $2 }' /proc/net/snmp6) Packet Too Big messages: pmtuguard answered."
