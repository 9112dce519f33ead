#!/usr/bin/env bash
# A client whose source is the subnet-router anycast address (…:0) of a /112
# on r's h1 link: the plain kernel sends it no Packet Too Big at all, so it
# never learns the tunnel's MTU; pmtuguard answers it, on purpose.
source "$(dirname "$0")/../support/e2e.sh"

anycast_sent=3

send_and_capture() { # CAPTURE_NAME: the anycast client's oversize packets, and one from h1's own address
	e2e_capture_start "$1" h1 h1-r "$E2E_PTB_FILTER"
	lab_send_udp --src "$LAB_ANYCAST_ADDR" --size 1400 --count "$anycast_sent" || fail "scapy send from $LAB_ANYCAST_ADDR"
	lab_send_udp --size 1400 --count 1 || fail "scapy send from $LAB_H1_ADDR"
	e2e_capture_stop "$1"
	echo "PTBs h1 received ($1):"
	e2e_ptbs "$1"
}

e2e_lab_up

# The plain kernel first. The PTB to h1's own address shows the capture
# worked, so that no PTB to the anycast client means none was sent.
kernel_ptbs_before=$(kernel_counter r Icmp6OutPktTooBigs)
send_and_capture kernel
expect_eq "kernel: PTBs to the anycast client $LAB_ANYCAST_ADDR" 0 "$(count_ptbs kernel "\$2 == \"$LAB_ANYCAST_ADDR\"")"
expect_eq "kernel: PTBs to $LAB_H1_ADDR" 1 "$(count_ptbs kernel "\$2 == \"$LAB_H1_ADDR\"")"
expect_eq "kernel: r's Icmp6OutPktTooBigs rise" 1 "$(($(kernel_counter r Icmp6OutPktTooBigs) - kernel_ptbs_before))"

lab_pmtuguard attach r-h1 r-h2 || fail "attach r-h1 r-h2"
kernel_ptbs_before=$(kernel_counter r Icmp6OutPktTooBigs)
sent_before=$(pg_counter r-h1 ptb_sent)
send_and_capture pmtuguard
expect_eq "pmtuguard: PTBs to the anycast client $LAB_ANYCAST_ADDR" "$anycast_sent" \
	"$(count_ptbs pmtuguard "\$2 == \"$LAB_ANYCAST_ADDR\" && \$5 == 1280 && \$6 == \"good\" && \$7 == \"$LAB_ANYCAST_ADDR\"")"
expect_eq "pmtuguard: PTBs to $LAB_H1_ADDR" 1 "$(count_ptbs pmtuguard "\$2 == \"$LAB_H1_ADDR\"")"
expect_eq "pmtuguard: ptb_sent on r-h1 (stats -j)" "$((anycast_sent + 1))" "$(($(pg_counter r-h1 ptb_sent) - sent_before))"
expect_eq "pmtuguard: r's Icmp6OutPktTooBigs rise" 0 "$(($(kernel_counter r Icmp6OutPktTooBigs) - kernel_ptbs_before))"
