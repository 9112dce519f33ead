#!/usr/bin/env bash
# pmtuguard on r (both of its links in use) answers every packet too big for
# the 1280 tunnel with a correct Packet Too Big, forwards what fits, and the
# kernel of r never has to: h1 — r — h2 from tools/lab/lab.sh. In XDP
# (native) mode, or in the mode PG_E2E_MODE names (test_core_ptb_tc.sh).
source "$(dirname "${BASH_SOURCE[0]}")/../support/e2e.sh"
mode=${PG_E2E_MODE:-native}

e2e_lab_up
lab_pmtuguard attach --mode "$mode" r-h1 r-h2 || fail "attach --mode $mode r-h1 r-h2"
ptb_source=$(lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(next(a["ptb_source"] for a in json.load(sys.stdin)["attachments"] if a["interface"] == "r-h1"))')
expect_eq "PTB source pmtuguard chose on r-h1" "$LAB_R_H1_ADDR" "$ptb_source"

kernel_ptbs_before=$(kernel_counter r Icmp6OutPktTooBigs)
oversize_before=$(pg_counter r-h1 oversize_packets)
sent_before=$(pg_counter r-h1 ptb_sent)
forwarded_before=$(pg_counter r-h1 forwarded_packets)

# Sizes are whole IPv6 packets; the tunnel carries up to 1280.
fits=4
declare -A oversize_count=([1281]=3 [1400]=3 [1500]=2)
oversize_total=8
port=5555

e2e_capture_start h1 h1 h1-r "$E2E_PTB_FILTER"
e2e_capture_start h2 h2 h2-r "udp dst port $port"
lab_send_udp --size 1280 --count "$fits" --dport "$port" || fail "scapy send of 1280"
for size in "${!oversize_count[@]}"; do
	lab_send_udp --size "$size" --count "${oversize_count[$size]}" --dport "$port" || fail "scapy send of $size"
done
e2e_capture_stop h1
e2e_capture_stop h2

echo "PTBs h1 received (src dst hlim plen mtu checksum quoted-src quoted-dst quoted-plen):"
e2e_ptbs h1 | sort | uniq -c
expect_eq "PTBs h1 received" "$oversize_total" "$(count_ptbs h1 1)"
expect_eq "PTBs with a good ICMPv6 checksum (tshark)" "$oversize_total" "$(count_ptbs h1 '$6 == "good"')"
expect_eq "PTBs advertising MTU 1280" "$oversize_total" "$(count_ptbs h1 '$5 == 1280')"
# 1240 bytes of ICMPv6: the 8-byte header and a 1232-byte quote.
expect_eq "PTBs quoting 1232 bytes (payload 1240)" "$oversize_total" "$(count_ptbs h1 '$4 - 8 == 1232')"
expect_eq "PTBs from r's h1-link address to h1" "$oversize_total" \
	"$(count_ptbs h1 "\$1 == \"$LAB_R_H1_ADDR\" && \$2 == \"$LAB_H1_ADDR\"")"
# The kernel would say 64: 255 shows the PTB is pmtuguard's own.
expect_eq "PTBs with hop limit 255" "$oversize_total" "$(count_ptbs h1 '$3 == 255')"
for size in "${!oversize_count[@]}"; do
	expect_eq "PTBs quoting h1's $size-byte packet to h2" "${oversize_count[$size]}" \
		"$(count_ptbs h1 "\$7 == \"$LAB_H1_ADDR\" && \$8 == \"$LAB_H2_ADDR\" && \$9 == $size - 40")"
done

h2_sizes=$(tshark -r "$(e2e_pcap h2)" -T fields -e ipv6.plen 2>/dev/null | sort | uniq -c | awk '{ print $2 + 40 "x" $1 }' | xargs)
expect_eq "packets h2 received (size x count)" "1280x$fits" "$h2_sizes"

expect_eq "oversize_packets on r-h1 (stats -j)" "$oversize_total" "$(($(pg_counter r-h1 oversize_packets) - oversize_before))"
expect_eq "ptb_sent on r-h1 (stats -j)" "$oversize_total" "$(($(pg_counter r-h1 ptb_sent) - sent_before))"
expect_eq "forwarded_packets on r-h1 (stats -j)" "$fits" "$(($(pg_counter r-h1 forwarded_packets) - forwarded_before))"

h1_forget_pmtu
ping_out=$(lab_exec h1 ping -6 -n -M do -s 1300 -c 3 -i 0.2 -W 1 "$LAB_H2_ADDR" 2>&1 || true)
echo "$ping_out"
expect_contains "ping -M do -s 1300 from h1" "Packet too big: mtu=1280" "$ping_out"

h1_forget_pmtu
tracepath_out=$(lab_exec h1 tracepath -6 -n -m 5 "$LAB_H2_ADDR" 2>&1 || true)
echo "$tracepath_out"
expect_contains "tracepath -6 -n from h1" "pmtu 1280" "$tracepath_out"

expect_eq "r's kernel Icmp6OutPktTooBigs rise (pmtuguard answered instead)" 0 \
	"$(($(kernel_counter r Icmp6OutPktTooBigs) - kernel_ptbs_before))"
