#!/usr/bin/env bash
# `attach --observe`: pmtuguard counts the oversize packets, emits nothing and
# hands them to the kernel, which sends the Packet Too Big itself.
source "$(dirname "$0")/../support/e2e.sh"

oversize_sent=5

e2e_lab_up
lab_pmtuguard attach --observe r-h1 r-h2 || fail "attach --observe r-h1 r-h2"
observe=$(lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(sorted({a["interface"] for a in json.load(sys.stdin)["attachments"] if a["observe"]}))')
expect_eq "interfaces in observe mode (status -j)" "['r-h1', 'r-h2']" "$observe"

kernel_ptbs_before=$(kernel_counter r Icmp6OutPktTooBigs)
oversize_before=$(pg_counter r-h1 oversize_packets)
observed_before=$(pg_counter r-h1 ptb_suppressed_observe)
sent_before=$(pg_counter r-h1 ptb_sent)

e2e_capture_start h1 h1 h1-r "$E2E_PTB_FILTER"
lab_send_udp --size 1400 --count "$oversize_sent" || fail "scapy send"
e2e_capture_stop h1

expect_eq "oversize_packets on r-h1 (stats -j)" "$oversize_sent" "$(($(pg_counter r-h1 oversize_packets) - oversize_before))"
expect_eq "ptb_suppressed_observe on r-h1 (stats -j)" "$oversize_sent" \
	"$(($(pg_counter r-h1 ptb_suppressed_observe) - observed_before))"
expect_eq "ptb_sent on r-h1 (stats -j)" 0 "$(($(pg_counter r-h1 ptb_sent) - sent_before))"
expect_eq "r's kernel Icmp6OutPktTooBigs rise" "$oversize_sent" "$(($(kernel_counter r Icmp6OutPktTooBigs) - kernel_ptbs_before))"
# The kernel's PTBs, told apart from pmtuguard's by their hop limit (64, not 255).
expect_eq "PTBs h1 received from the kernel (hop limit 64, MTU 1280, good checksum)" "$oversize_sent" \
	"$(count_ptbs h1 '$3 == 64 && $5 == 1280 && $6 == "good"')"
