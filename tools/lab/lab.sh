#!/usr/bin/env bash
# The pmtuguard demo lab: three network namespaces, h1 — r — h2.
#
#   h1 [h1-r] ---- MTU 1500 ---- [r-h1]  r  [r-h2]  ---- MTU 1280 ---- [h2-r]  h2
#                                           [r-h2b] ---- MTU 1500 ---- [h2-rb]
#
#   link      prefix               r                      host
#   h1 — r    2001:db8:1::/64      2001:db8:1::1          h1 2001:db8:1::2
#             2001:db8:1::a:0/112  2001:db8:1::a:1        h1 2001:db8:1::a:0 (deprecated)
#   r — h2    2001:db8:2::/64      2001:db8:2::1          h2 2001:db8:2::2   the 1280 "tunnel"
#   r — h2 b  2001:db8:3::/64      2001:db8:3::1          h2 2001:db8:3::2   a second uplink
#
# 2001:db8:1::a:0 is r's subnet-router anycast address of the /112 (r
# forwards). h1 holds it too, deprecated so that the kernel never picks it as
# a source by itself: a test or the demo uses it explicitly to play a client
# that the plain kernel refuses to send a Packet Too Big to.
#
# r forwards; h1's default route is r, h2's is r over the tunnel. The hosts'
# veths have transmit checksum offload off (frames XDP redirects would
# otherwise arrive with unfinished L4 checksums) and run xdp_pass, because a
# veth delivers XDP_TX and redirected frames only to a peer running XDP.
# A bpffs for pmtuguard's pins is mounted at /run/pmtuguard-PREFIX in the root
# mount namespace: `ip netns exec` hides /sys/fs/bpf, and a bpffs mounted
# inside `ip netns exec` vanishes (with its pins) when the command exits.
#
# Usage: lab.sh up|down|status|exec NODE CMD...|pmtuguard ARGS...
#   NODE is h1, r or h2. `pmtuguard ARGS` runs the CLI on r with the lab's pin dir.
# Environment:
#   PG_LAB_PREFIX      names of namespaces and the pin dir (default pglab)
#   PMTUGUARD_BPF_DIR  where xdp_pass.bpf.o is (default build/bpf)
#   PMTUGUARD          the CLI (default build/userspace/cli/pmtuguard)
#   LAB_CMD_TIMEOUT    if set, seconds after which a command run in a node is killed
#
# Sourcing this file defines the lab_* functions and LAB_* variables (for the
# prefix in PG_LAB_PREFIX at that time) and runs nothing.

LAB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

LAB_PREFIX=${PG_LAB_PREFIX:-pglab}
LAB_BPF_DIR=${PMTUGUARD_BPF_DIR:-$LAB_SOURCE_DIR/build/bpf}
LAB_PMTUGUARD=${PMTUGUARD:-$LAB_SOURCE_DIR/build/userspace/cli/pmtuguard}
LAB_PIN_DIR=/run/pmtuguard-$LAB_PREFIX

LAB_R_H1_ADDR=2001:db8:1::1
LAB_H1_ADDR=2001:db8:1::2
LAB_R_ANYCAST_NET_ADDR=2001:db8:1::a:1
LAB_ANYCAST_ADDR=2001:db8:1::a:0
LAB_R_H2_ADDR=2001:db8:2::1
LAB_H2_ADDR=2001:db8:2::2
LAB_R_H2B_ADDR=2001:db8:3::1
LAB_H2B_ADDR=2001:db8:3::2
LAB_TUNNEL_MTU=1280
LAB_LINK_MTU=1500
# Interface names (h1-r, r-h1, r-h2, r-h2b, h2-r, h2-rb) live inside the
# namespaces, so they need no prefix.

lab_ns() { # NODE -> namespace name
	case "$1" in
	h1 | r | h2) echo "$LAB_PREFIX-$1" ;;
	*)
		echo "lab: unknown node '$1' (expected h1, r or h2)" >&2
		return 1
		;;
	esac
}

lab_exec() { # NODE CMD...
	local ns
	ns=$(lab_ns "$1") || return 1
	shift
	if [ -n "${LAB_CMD_TIMEOUT:-}" ]; then
		timeout "$LAB_CMD_TIMEOUT" ip netns exec "$ns" "$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# The pmtuguard CLI on r, with the lab's pin dir. `detach --all` unmounts the
# pin dir, so every call makes sure it is mounted in the root namespace first.
lab_pmtuguard() {
	lab_mount_pin_dir || return 1
	lab_exec r "$LAB_PMTUGUARD" --pin-dir "$LAB_PIN_DIR" "$@"
}

lab_mac() { # NODE IFACE -> MAC address
	lab_exec "$1" cat "/sys/class/net/$2/address"
}

# UDP from h1 to r's link with scapy, at exact sizes (tools/lab/send_udp.py);
# from h1's address to h2's unless --src / --dst say otherwise.
lab_send_udp() { # send_udp.py ARGS...
	lab_exec h1 /usr/bin/python3 "$LAB_SOURCE_DIR/tools/lab/send_udp.py" --iface h1-r \
		--dst-mac "$(lab_mac r r-h1)" --src "$LAB_H1_ADDR" --dst "$LAB_H2_ADDR" "$@"
}

# Starts dumpcap in NODE and returns once it captures; the pid goes into the
# variable named VAR. It stops by itself after LAB_CAPTURE_SECONDS (default 120).
lab_capture_start() { # VAR NODE IFACE FILTER FILE
	local var=$1 node=$2 iface=$3 filter=$4 file=$5 ns
	ns=$(lab_ns "$node") || return 1
	rm -f "$file"
	ip netns exec "$ns" dumpcap -q -i "$iface" -f "$filter" -a "duration:${LAB_CAPTURE_SECONDS:-120}" \
		-w "$file" 2>"$file.log" &
	printf -v "$var" %s "$!"
	for _ in $(seq 100); do
		kill -0 "$!" 2>/dev/null || break
		# dumpcap writes the file's header once the device is open ("Capturing
		# on" comes earlier, even for a device that does not exist).
		if [ -s "$file" ]; then
			sleep 0.3 # give the filter a moment too
			return 0
		fi
		sleep 0.1
	done
	kill "$!" 2>/dev/null || true
	echo "lab: dumpcap on $node/$iface did not start: $(tr '\n' ' ' <"$file.log")" >&2
	return 1
}

lab_capture_stop() { # PID
	sleep 0.3 # frames still in flight
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

lab_mount_pin_dir() {
	mountpoint -q "$LAB_PIN_DIR" && return 0
	mkdir -p "$LAB_PIN_DIR" && mount -t bpf bpf "$LAB_PIN_DIR"
}

lab_namespaces() {
	local node
	for node in h1 r h2; do lab_ns "$node"; done
}

lab_ns_exists() {
	[ -e "/run/netns/$1" ]
}

lab_is_up() {
	local ns
	for ns in $(lab_namespaces); do
		lab_ns_exists "$ns" || return 1
	done
	mountpoint -q "$LAB_PIN_DIR"
}

# Removes everything the lab may have left, whatever state it is in.
lab_down() {
	local ns
	for ns in $(lab_namespaces); do
		# Deleting the namespace deletes its veths and with them any XDP program.
		if lab_ns_exists "$ns"; then ip netns del "$ns"; fi
	done
	if mountpoint -q "$LAB_PIN_DIR"; then
		umount "$LAB_PIN_DIR"
	fi
	if [ -d "$LAB_PIN_DIR" ]; then
		rmdir "$LAB_PIN_DIR"
	fi
	return 0
}

# veth pair between two namespaces: NODE_A IFACE_A NODE_B IFACE_B MTU
lab_link() {
	ip link add name "$2" mtu "$5" netns "$(lab_ns "$1")" type veth \
		peer name "$4" mtu "$5" netns "$(lab_ns "$3")"
	lab_exec "$1" ip link set dev "$2" up
	lab_exec "$3" ip link set dev "$4" up
}

lab_host_veth() { # NODE IFACE: what every host-side veth needs
	lab_exec "$1" ethtool -K "$2" tx off >/dev/null
	# Without TC_BPF_MNT, iproute2 finds no bpffs on /sys/fs/bpf (ip netns exec
	# remounted /sys) and writes its ip/ tc/ xdp/ dirs into the first bpffs in
	# /proc/mounts: another lab's pin dir. Pointed at /sys/fs/bpf, it mounts a
	# bpffs of its own there, in the mount namespace that dies with it.
	lab_exec "$1" env TC_BPF_MNT=/sys/fs/bpf ip link set dev "$2" xdp obj "$LAB_BPF_DIR/xdp_pass.bpf.o" sec xdp
}

lab_build() {
	set -euo pipefail
	[ -f "$LAB_BPF_DIR/xdp_pass.bpf.o" ] || {
		echo "lab: $LAB_BPF_DIR/xdp_pass.bpf.o not found (build first, or set PMTUGUARD_BPF_DIR)" >&2
		return 1
	}
	local ns
	for ns in $(lab_namespaces); do
		ip netns add "$ns"
		# Before any interface exists, so that every one inherits it: no
		# duplicate address detection, addresses are usable at once.
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
		ip netns exec "$ns" ip link set dev lo up
	done
	lab_exec r sysctl -q -w net.ipv6.conf.all.forwarding=1

	lab_link h1 h1-r r r-h1 "$LAB_LINK_MTU"
	lab_link r r-h2 h2 h2-r "$LAB_TUNNEL_MTU"
	lab_link r r-h2b h2 h2-rb "$LAB_LINK_MTU"

	# The kernel lists the newest address first and pmtuguard answers from the
	# first global one; the /64 address is the one to answer from.
	lab_exec r ip -6 addr add "$LAB_R_ANYCAST_NET_ADDR/112" dev r-h1 nodad
	lab_exec r ip -6 addr add "$LAB_R_H1_ADDR/64" dev r-h1 nodad
	lab_exec r ip -6 addr add "$LAB_R_H2_ADDR/64" dev r-h2 nodad
	lab_exec r ip -6 addr add "$LAB_R_H2B_ADDR/64" dev r-h2b nodad

	lab_exec h1 ip -6 addr add "$LAB_H1_ADDR/64" dev h1-r nodad
	lab_exec h1 ip -6 addr add "$LAB_ANYCAST_ADDR/112" dev h1-r nodad preferred_lft 0
	lab_exec h1 ip -6 route add default via "$LAB_R_H1_ADDR" dev h1-r
	lab_exec h2 ip -6 addr add "$LAB_H2_ADDR/64" dev h2-r nodad
	lab_exec h2 ip -6 addr add "$LAB_H2B_ADDR/64" dev h2-rb nodad
	lab_exec h2 ip -6 route add default via "$LAB_R_H2_ADDR" dev h2-r

	lab_host_veth h1 h1-r
	lab_host_veth h2 h2-r
	lab_host_veth h2 h2-rb

	lab_mount_pin_dir
	# Resolve the neighbours now, so the first packets of a test take the
	# same path as the rest.
	lab_exec h1 ping -6 -q -c 1 -W 2 "$LAB_H2_ADDR" >/dev/null
	lab_exec h2 ping -6 -q -c 1 -W 2 -I "$LAB_H2B_ADDR" "$LAB_R_H2B_ADDR" >/dev/null
}

lab_up() {
	if lab_is_up; then
		echo "lab: $LAB_PREFIX is already up"
		return 0
	fi
	lab_down # leftovers of a half-built or half-removed lab
	# Interrupted half way (Ctrl-C, a timeout): remove what was built. The
	# caller's own traps (this file is also sourced) come back afterwards.
	local caller_traps
	caller_traps=$(trap -p INT TERM HUP)
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM HUP
	# errexit must hold inside lab_build, and bash ignores it in a subshell
	# whose status is tested; so the status is taken afterwards.
	local rc caller_errexit=$-
	set +e
	(lab_build)
	rc=$?
	[[ $caller_errexit == *e* ]] && set -e
	trap - INT TERM HUP
	eval "$caller_traps"
	if [ "$rc" != 0 ]; then
		echo "lab: building $LAB_PREFIX failed; removed what was built" >&2
		lab_down
		return 1
	fi
	echo "lab: $LAB_PREFIX is up (namespaces $(lab_namespaces | tr '\n' ' ')pin dir $LAB_PIN_DIR)"
}

lab_status() {
	if ! lab_is_up; then
		echo "lab: $LAB_PREFIX is down"
		return 1
	fi
	local node
	for node in h1 r h2; do
		echo "== $node ($(lab_ns "$node"))"
		# "@ifN" names the peer's index in another namespace: noise here.
		lab_exec "$node" ip -o link show | awk '$2 != "lo:" {
			sub(/@.*/, "", $2); line = "   " $2 " mtu " $5; if ($0 ~ / xdp/) line = line " xdp"; print line }'
		lab_exec "$node" ip -br -6 addr show scope global | awk '{
			sub(/@.*/, "", $1); printf "   %-6s", $1; for (i = 3; i <= NF; i++) printf " %s", $i; print "" }'
	done
	echo "== pin dir $LAB_PIN_DIR"
	if [ -x "$LAB_PMTUGUARD" ]; then
		lab_pmtuguard status
	fi
}

lab_main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	up) lab_up ;;
	down) lab_down && echo "lab: $LAB_PREFIX is down" ;;
	status) lab_status ;;
	exec)
		[ $# -ge 2 ] || {
			echo "usage: lab.sh exec NODE CMD..." >&2
			return 2
		}
		lab_exec "$@"
		;;
	pmtuguard) lab_pmtuguard "$@" ;;
	*)
		echo "usage: lab.sh up|down|status|exec NODE CMD...|pmtuguard ARGS..." >&2
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "lab: must run as root (it creates network namespaces)" >&2
		exit 1
	fi
	lab_main "$@"
fi
