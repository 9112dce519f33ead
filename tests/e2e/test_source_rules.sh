#!/usr/bin/env bash
# Source rules in the fast path: r (tools/lab/lab.sh) has two uplinks to h2,
# r-h2b (MTU 1500) and the r-h2 "tunnel" (1280), and no `ip -6 rule` of its
# own. pmtuguard routes h1's source A in table 100 (uplink 1) and source B
# in table 200 (the tunnel); the main table has no route to their
# destination D, so a packet that fell back to the kernel's rules would be
# lost. Then `rule import` copies the same rules from the kernel.
source "$(dirname "$0")/../support/e2e.sh"

A=2001:db8:1::a1 # in 2001:db8:1::/64 -> table 100
B=2001:db8:1::b1 # /128 scoped to r-h1 -> table 200 (the longer prefix wins)
C=2001:db8:5::c  # no rule: the kernel's rules (main table)
D=2001:db8:d::1  # on h2, in tables 100 and 200 only
E=2001:db8:e::1  # on h2, in the main table only
UPLINK_TABLE=100
TUNNEL_TABLE=200
port=5600

e2e_lab_up
lab_exec h1 ip -6 addr add "$A/64" dev h1-r nodad
lab_exec h1 ip -6 addr add "$B/64" dev h1-r nodad
lab_exec h2 ip -6 addr add "$D/128" dev lo
lab_exec h2 ip -6 addr add "$E/128" dev lo
# h2 answers by the wide uplink, so that replies never meet the tunnel's MTU.
lab_exec h2 ip -6 route add 2001:db8:1::/64 via "$LAB_R_H2B_ADDR" dev h2-rb
lab_exec r ip -6 route add "$D/128" via "$LAB_H2B_ADDR" dev r-h2b table "$UPLINK_TABLE"
lab_exec r ip -6 route add "$D/128" via "$LAB_H2_ADDR" dev r-h2 table "$TUNNEL_TABLE"
lab_exec r ip -6 route add "$E/128" via "$LAB_H2B_ADDR" dev r-h2b
lab_exec r ip -6 route add 2001:db8:5::/64 via "$LAB_H2B_ADDR" dev r-h2b # only so the kernel does not drop C as a martian
expect_eq "r's ip -6 rules (only the built-in local and main)" \
	"0: from all lookup local|32766: from all lookup main" \
	"$(lab_exec r ip -6 rule show | sed 's/[[:space:]]\+/ /g; s/ $//' | paste -sd'|')"

lab_pmtuguard attach r-h1 r-h2 r-h2b || fail "attach r-h1 r-h2 r-h2b"

table_counter() { # TABLE NAME (0 while the table has no counters)
	lab_pmtuguard -j stats | /usr/bin/python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["tables"] if t["table"] == int(sys.argv[1])]
print(t[0]["counters"][sys.argv[2]] if t else 0)' "$1" "$2"
}

rule_list() { # "FROM,IIF,TABLE ..." sorted; a failure shows in the comparison
	lab_pmtuguard -j rule list | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s,%s,%s" % (r["from"], r["iif"] or "any", r["table"]) for r in json.load(sys.stdin))))' ||
		echo "(rule list failed)"
}

expect_error() { # WHAT NEEDLE ARGS...: the CLI must fail with a message containing NEEDLE
	local what=$1 needle=$2 out
	shift 2
	if out=$(lab_pmtuguard "$@" 2>&1); then
		fail "$what: succeeded, expected an error ($out)"
	fi
	expect_contains "$what" "$needle" "$out"
}

# Captures on both of h2's links; counts afterwards with tshark.
h2_captures_start() { # FILTER
	e2e_capture_start wide h2 h2-rb "$1"
	e2e_capture_start tunnel h2 h2-r "$1"
}
h2_captures_stop() {
	e2e_capture_stop wide
	e2e_capture_stop tunnel
}
count_from() { # CAPTURE SOURCE [IPv6 length]
	tshark -r "$(e2e_pcap "$1")" -Y "ipv6.src == $2${3:+ && ipv6.plen == $(($3 - 40))}" 2>/dev/null | wc -l
}

echo "== the operator's mistakes get one clear line and change nothing"
expect_error "table 0" "invalid routing table id '0': expected 1..4294967295" \
	rule add from 2001:db8:1::/64 table 0
expect_error "table 2^32" "invalid routing table id '4294967296'" rule add from 2001:db8:1::/64 table 4294967296
expect_error "a table the kernel does not have" "routing table 4242 has no IPv6 route" \
	rule add from 2001:db8:1::/64 table 4242
expect_error "host bits set" "host bits set past /64" rule add from 2001:db8:1::1/64 table "$UPLINK_TABLE"
expect_error "unknown iif" "unknown interface 'nosuchdev'" \
	rule add from 2001:db8:1::/64 iif nosuchdev table "$UPLINK_TABLE"
expect_error "rule add without a table" "missing 'table ID'" rule add from 2001:db8:1::/64
expect_eq "rules after the refused adds" "" "$(rule_list)"
expect_eq "tables counted after the refused adds" "[]" "$(lab_pmtuguard -j stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"])')"

lab_pmtuguard rule add from 2001:db8:1::/64 table "$UPLINK_TABLE" || fail "rule add A's /64"
lab_pmtuguard rule add from "$B/128" iif r-h1 table "$TUNNEL_TABLE" || fail "rule add B's /128"
expect_error "the same rule again" "already exists" rule add from 2001:db8:1::/64 table "$TUNNEL_TABLE"
expect_error "del of a missing rule" "no source rule from 2001:db8:1::/48" rule del from 2001:db8:1::/48
expect_error "del naming another table" "is not in table 300" rule del from 2001:db8:1::/64 table 300
expect_eq "rule list" "2001:db8:1::/64,any,$UPLINK_TABLE $B/128,r-h1,$TUNNEL_TABLE" "$(rule_list)"

echo "== the very first packet, before any neighbour is resolved, is routed in its table"
lab_exec r ip -6 neigh flush dev r-h2b
lab_exec r ip -6 neigh flush dev r-h2
no_neigh_before=$(pg_counter r-h1 passed_no_neighbour)
h2_captures_start "icmp6 and ip6[40] == 128"
lab_exec h1 ping -6 -n -c 1 -W 3 -I "$A" "$D" >/dev/null || fail "A's first ping to D got no answer"
lab_exec h1 ping -6 -n -c 1 -W 3 -I "$B" "$D" >/dev/null || fail "B's first ping to D got no answer"
h2_captures_stop
expect_eq "A's first echo request on uplink 1" 1 "$(count_from wide "$A")"
expect_eq "A's first echo request on the tunnel" 0 "$(count_from tunnel "$A")"
expect_eq "B's first echo request on the tunnel" 1 "$(count_from tunnel "$B")"
expect_eq "B's first echo request on uplink 1" 0 "$(count_from wide "$B")"
expect_eq "handed from XDP to tc (passed_no_neighbour on r-h1)" 2 \
	"$(($(pg_counter r-h1 passed_no_neighbour) - no_neigh_before))"
expect_eq "table $UPLINK_TABLE forwarded" 1 "$(table_counter $UPLINK_TABLE forwarded)"
expect_eq "table $TUNNEL_TABLE forwarded" 1 "$(table_counter $TUNNEL_TABLE forwarded)"

echo "== with the neighbours known, XDP forwards in the table itself"
forwarded_before=$(pg_counter r-h1 forwarded_packets)
lab_exec h1 ping -6 -n -c 3 -i 0.2 -W 2 -I "$A" "$D" >/dev/null || fail "A's pings to D"
expect_eq "forwarded_packets on r-h1" 3 "$(($(pg_counter r-h1 forwarded_packets) - forwarded_before))"
expect_eq "table $UPLINK_TABLE forwarded" 4 "$(table_counter $UPLINK_TABLE forwarded)"

echo "== each table's own uplink MTU: A's 1400 B pass, B's get a PTB with MTU 1280"
h1_forget_pmtu
ping_a=$(lab_exec h1 ping -6 -n -M do -s 1352 -c 3 -i 0.2 -W 2 -I "$A" "$D" 2>&1 || true)
expect_contains "A's 1400-byte pings" "3 packets transmitted, 3 received" "$ping_a"
ping_b=$(lab_exec h1 ping -6 -n -M do -s 1352 -c 1 -W 2 -I "$B" "$D" 2>&1 || true)
expect_contains "B's 1400-byte ping" "Packet too big: mtu=1280" "$ping_b"
h1_forget_pmtu

oversize_before=$(table_counter $TUNNEL_TABLE oversize)
e2e_capture_start ptb h1 h1-r "$E2E_PTB_FILTER"
h2_captures_start "udp dst port $port"
lab_send_udp --src "$A" --dst "$D" --size 1400 --count 3 --dport "$port" || fail "scapy A"
lab_send_udp --src "$B" --dst "$D" --size 1400 --count 3 --dport "$port" || fail "scapy B"
lab_send_udp --src "$B" --dst "$D" --size 1280 --count 2 --dport "$port" || fail "scapy B small"
h2_captures_stop
e2e_capture_stop ptb
expect_eq "A's 1400-byte packets on uplink 1" 3 "$(count_from wide "$A" 1400)"
expect_eq "B's 1280-byte packets on the tunnel" 2 "$(count_from tunnel "$B" 1280)"
expect_eq "B's packets anywhere else" 0 "$(($(count_from wide "$B") + $(count_from tunnel "$B" 1400)))"
expect_eq "PTBs to B, MTU 1280, from r's h1-link address, good checksum" 3 \
	"$(count_ptbs ptb "\$1 == \"$LAB_R_H1_ADDR\" && \$2 == \"$B\" && \$5 == 1280 && \$6 == \"good\"")"
expect_eq "PTBs to A" 0 "$(count_ptbs ptb "\$2 == \"$A\"")"
expect_eq "table $TUNNEL_TABLE oversize" 3 "$(($(table_counter $TUNNEL_TABLE oversize) - oversize_before))"

echo "== a table without a route drops; it never falls back to the main table"
dropped_before=$(pg_counter r-h1 dropped_no_table_route)
h2_captures_start "udp dst port $port"
lab_send_udp --src "$A" --dst "$E" --size 200 --count 4 --dport "$port" || fail "scapy A to E"
lab_send_udp --src "$C" --dst "$E" --size 200 --count 2 --dport "$port" || fail "scapy C to E"
h2_captures_stop
expect_eq "A's packets to E at h2 (table $UPLINK_TABLE has no route to E)" 0 \
	"$(($(count_from wide "$A") + $(count_from tunnel "$A")))"
expect_eq "C's packets to E at h2 (no rule: the main table routes them)" 2 "$(count_from wide "$C")"
expect_eq "dropped_no_table_route on r-h1" 4 "$(($(pg_counter r-h1 dropped_no_table_route) - dropped_before))"
expect_eq "table $UPLINK_TABLE no_route" 4 "$(table_counter $UPLINK_TABLE no_route)"

echo "== traffic for the router itself is delivered, whatever the source's table"
lab_exec h1 ping -6 -n -c 1 -W 2 -I "$A" "$LAB_R_H1_ADDR" >/dev/null || fail "A's ping to r's h1-link address"
lab_exec h1 ping -6 -n -c 1 -W 2 -I "$B" "$LAB_R_H2B_ADDR" >/dev/null || fail "B's ping to r's uplink-1 address"
ok "A and B reach r's own addresses"

echo "== rule del, and the last rule of a table takes its counters along"
lab_pmtuguard rule del from "$B/128" iif r-h1 table "$TUNNEL_TABLE" || fail "rule del B"
expect_eq "tables counted" "[$UPLINK_TABLE]" \
	"$(lab_pmtuguard -j stats | /usr/bin/python3 -c 'import json,sys; print([t["table"] for t in json.load(sys.stdin)["tables"]])')"

echo "== rule import reproduces the kernel's rules"
expect_eq "rule flush" "removed 1 rules" "$(lab_pmtuguard rule flush)"
lab_exec r ip -6 rule add from "$B/128" iif r-h1 table "$TUNNEL_TABLE" pref 100
lab_exec r ip -6 rule add from 2001:db8:1::/64 table "$UPLINK_TABLE" pref 200
lab_exec r ip -6 rule add fwmark 7 table "$TUNNEL_TABLE" pref 300
lab_exec r ip -6 rule add from 2001:db8:1::/64 table "$TUNNEL_TABLE" pref 40000
import=$(lab_pmtuguard -j rule import) || fail "rule import"
echo "$import"
expect_eq "rules imported / already present / skipped" "2 0 2" "$(/usr/bin/python3 -c '
import json, sys
j = json.loads(sys.argv[1]); print(len(j["added"]), j["already_present"], len(j["skipped"]))' "$import")"
expect_contains "the fwmark rule is skipped" "fwmark selector" "$import"
expect_contains "the rule after main is skipped" "after the main table's rule" "$import"
expect_eq "rule list after import" "2001:db8:1::/64,any,$UPLINK_TABLE $B/128,r-h1,$TUNNEL_TABLE" "$(rule_list)"
expect_eq "import again: all present" "imported 0 rules (2 already present, 2 skipped)" \
	"$(lab_pmtuguard rule import | tail -1)"
lab_exec r ip -6 rule add from 2001:db8:1::/48 table "$TUNNEL_TABLE" pref 50
expect_error "import where the kernel's order is not the longest prefix" \
	"the kernel consults 'pref 50 from 2001:db8:1::/48 lookup $TUNNEL_TABLE' before 'pref 200 from 2001:db8:1::/64 lookup $UPLINK_TABLE'" \
	rule import
expect_eq "rule list after the refused import" "2001:db8:1::/64,any,$UPLINK_TABLE $B/128,r-h1,$TUNNEL_TABLE" "$(rule_list)"

echo "== in --mode tc, the tc ingress program chooses the table and sends with bpf_redirect_neigh"
for pref in 50 100 200 300 40000; do lab_exec r ip -6 rule del pref "$pref"; done
expect_eq "r's ip -6 rules again" "0: from all lookup local|32766: from all lookup main" \
	"$(lab_exec r ip -6 rule show | sed 's/[[:space:]]\+/ /g; s/ $//' | paste -sd'|')"
lab_pmtuguard detach r-h1 r-h2 r-h2b || fail "detach"
lab_pmtuguard attach --mode tc r-h1 r-h2 r-h2b || fail "attach --mode tc"
expect_eq "rules kept in the pinned maps" "2001:db8:1::/64,any,$UPLINK_TABLE $B/128,r-h1,$TUNNEL_TABLE" "$(rule_list)"
lab_exec r ip -6 neigh flush dev r-h2b
lab_exec r ip -6 neigh flush dev r-h2
up_before=$(table_counter $UPLINK_TABLE forwarded)
tunnel_before=$(table_counter $TUNNEL_TABLE forwarded)
h2_captures_start "icmp6 and ip6[40] == 128"
lab_exec h1 ping -6 -n -c 2 -i 0.3 -W 3 -I "$A" "$D" >/dev/null || fail "A's pings to D in tc mode"
lab_exec h1 ping -6 -n -c 2 -i 0.3 -W 3 -I "$B" "$D" >/dev/null || fail "B's pings to D in tc mode"
h2_captures_stop
expect_eq "A's echo requests on uplink 1 / the tunnel" "2/0" "$(count_from wide "$A")/$(count_from tunnel "$A")"
expect_eq "B's echo requests on the tunnel / uplink 1" "2/0" "$(count_from tunnel "$B")/$(count_from wide "$B")"
expect_eq "table $UPLINK_TABLE forwarded in tc" 2 "$(($(table_counter $UPLINK_TABLE forwarded) - up_before))"
expect_eq "table $TUNNEL_TABLE forwarded in tc" 2 "$(($(table_counter $TUNNEL_TABLE forwarded) - tunnel_before))"
