#!/usr/bin/env bash
# `attach --clamp-mss` makes TCP work through a 1280 bottleneck on a path
# that drops ICMPv6: a 4 MB transfer h1 -> h2 and h2 -> h1 stalls without it
# and completes with it, with pmtuguard in XDP and in tc mode.
#
# The bottleneck is r's end of the r—h2 link only (h2's end says 1500), so
# neither host can know of it: h2 advertises an MSS of 1440, and only a clamp
# on r that also looks at the way back to the SYN-ACK's sender fixes it. Each
# host drops every Packet Too Big it gets (ip6tables), as a filtering path
# would; the kernel of r also has no say in XDP mode, whose PTBs bypass
# netfilter.
source "$(dirname "$0")/../support/e2e.sh"

bytes=$((4 * 1024 * 1024))
e2e_lab_up
lab_exec h2 ip link set h2-r mtu "$LAB_LINK_MTU"
for host in h1 h2; do
	lab_exec "$host" ip6tables -A INPUT -p ipv6-icmp --icmpv6-type packet-too-big -j DROP ||
		fail "ip6tables on $host"
done

# Prints the bytes RECEIVER got from SENDER (at most $bytes).
transfer() { # SENDER RECEIVER RECEIVER_ADDRESS PORT
	e2e_tcp_transfer "$1" "$2" "$3" "$4" "$bytes" 12
}

clamped_total() {
	echo $(($(pg_counter r-h1 mss_clamped) + $(pg_counter r-h2 mss_clamped)))
}

port_base=6000
for mode in native tc; do
	lab_pmtuguard attach --mode "$mode" r-h1 r-h2 || fail "attach --mode $mode"
	# Every segment is full-sized, so none gets through (as with the plain kernel).
	expect_eq "$mode, no clamp: bytes h1 -> h2 delivered" 0 "$(transfer h1 h2 "$LAB_H2_ADDR" $((port_base + 1)))"
	expect_eq "$mode, no clamp: bytes h2 -> h1 delivered" 0 "$(transfer h2 h1 "$LAB_H1_ADDR" $((port_base + 2)))"
	expect_eq "$mode: mss_clamped without --clamp-mss" 0 "$(clamped_total)"
	lab_pmtuguard detach r-h1 r-h2 || fail "detach"

	lab_pmtuguard attach --mode "$mode" --clamp-mss r-h1 r-h2 || fail "attach --mode $mode --clamp-mss"
	before=$(clamped_total)
	expect_eq "$mode, --clamp-mss: bytes h2 received from h1" "$bytes" "$(transfer h1 h2 "$LAB_H2_ADDR" $((port_base + 3)))"
	# The SYN toward the bottleneck and the SYN-ACK whose sender sits behind it.
	expect_eq "$mode: MSS options clamped for h1 -> h2" 2 "$(($(clamped_total) - before))"
	before=$(clamped_total)
	expect_eq "$mode, --clamp-mss: bytes h1 received from h2" "$bytes" "$(transfer h2 h1 "$LAB_H1_ADDR" $((port_base + 4)))"
	expect_eq "$mode: MSS options clamped for h2 -> h1" 2 "$(($(clamped_total) - before))"
	lab_pmtuguard detach r-h1 r-h2 || fail "detach"
	port_base=$((port_base + 10))
done
