#!/usr/bin/env bash
# `attach TUNNEL --mode tc --egress` on a real tunnel device (tun, link/none:
# frames are bare IPv6, as on WireGuard), with an MTU policy below the
# tunnel's own MTU, so the kernel lets oversize packets through and only
# pmtuguard's tc egress can stop them:
#   - a packet r forwards from h1 is dropped and h1 gets the PTB, routed back;
#   - r's own UDP socket learns the path MTU from the PTB injected into r's
#     stack, and its next oversize send fails with EMSGSIZE;
#   - r's own TCP transfer (GSO skbs of many segments) completes: before the
#     policy no GSO skb is judged by its length, after it the socket learns
#     1280 from pmtuguard alone.
source "$(dirname "$0")/../support/e2e.sh"

tunnel=pgtun
r_tunnel_addr=2001:db8:5::1
h2_tunnel_addr=2001:db8:5::2
policy_mtu=1280
tunnel_mtu=1420 # WireGuard's default

e2e_lab_up
relay_out=$E2E_TMP/relay.out
/usr/bin/python3 "$E2E_SOURCE_DIR/tests/support/tun_relay.py" "$(lab_ns r)" "$tunnel" "$(lab_ns h2)" "$tunnel" \
	>"$relay_out" 2>&1 &
E2E_HELPERS+=($!)
for _ in $(seq 50); do
	grep -q ready "$relay_out" && break
	sleep 0.1
done
grep -q ready "$relay_out" || fail "the tun relay did not start: $(cat "$relay_out")"
for node in r h2; do
	addr=$r_tunnel_addr
	[ "$node" = h2 ] && addr=$h2_tunnel_addr
	lab_exec "$node" ip link set "$tunnel" mtu "$tunnel_mtu" up
	lab_exec "$node" ip -6 addr add "$addr/64" dev "$tunnel" nodad
done
expect_contains "the tunnel's link type" "link/none" "$(lab_exec r ip link show "$tunnel")"
lab_exec h2 ping -6 -n -c 1 -W 2 "$r_tunnel_addr" >/dev/null || fail "the tunnel does not carry traffic"

# XDP cannot parse a frame without an Ethernet header: refused, named.
if out=$(lab_pmtuguard attach "$tunnel" 2>&1); then
	fail "attach $tunnel in XDP mode succeeded"
fi
expect_contains "attach $tunnel in XDP mode" "carries no Ethernet header" "$out"
lab_pmtuguard attach --mode tc --egress "$tunnel" || fail "attach --mode tc --egress $tunnel"

# GSO: r's own TCP through the tunnel, no policy yet. Its skbs are many
# segments long; judged by skb length they would all be oversize.
bytes=$((2 * 1024 * 1024))
transfer_from_r() { # PORT -> bytes h2 received
	e2e_tcp_transfer r h2 "$h2_tunnel_addr" "$1" "$bytes" 20
}
expect_contains "GSO on the tunnel" "generic-segmentation-offload: on" "$(lab_exec r ethtool -k "$tunnel")"
expect_eq "bytes h2 received from r, no policy" "$bytes" "$(transfer_from_r 7001)"
expect_eq "oversize_packets on $tunnel after a TCP transfer that fits" 0 "$(pg_counter "$tunnel" oversize_packets)"

lab_pmtuguard mtu add 2001:db8:5::/64 "$policy_mtu" || fail "mtu add"

# 1. Forwarded: h1 -> r -> tunnel. r's kernel sees a 1420 MTU and forwards.
kernel_ptbs_before=$(kernel_counter r Icmp6OutPktTooBigs)
sent_before=$(pg_counter "$tunnel" ptb_sent)
e2e_capture_start h1 h1 h1-r "$E2E_PTB_FILTER"
h1_forget_pmtu
ping_out=$(lab_exec h1 ping -6 -n -M do -s 1300 -c 2 -i 0.3 -W 1 "$h2_tunnel_addr" 2>&1 || true)
e2e_capture_stop h1
echo "$ping_out"
expect_contains "ping -M do -s 1300 from h1 across the tunnel" "Packet too big: mtu=$policy_mtu" "$ping_out"
# The first answer teaches h1 the MTU; its ping sends no more that big.
e2e_ptbs h1
expect_eq "PTBs h1 received, good checksum, from r's tunnel address, MTU $policy_mtu" 1 \
	"$(count_ptbs h1 "\$6 == \"good\" && \$1 == \"$r_tunnel_addr\" && \$2 == \"$LAB_H1_ADDR\" && \$5 == $policy_mtu")"
expect_eq "ptb_sent on $tunnel for h1" 1 "$(($(pg_counter "$tunnel" ptb_sent) - sent_before))"
expect_eq "r's kernel Icmp6OutPktTooBigs rise" 0 "$(($(kernel_counter r Icmp6OutPktTooBigs) - kernel_ptbs_before))"
lab_exec h1 ping -6 -n -M do -s 1200 -c 1 -W 2 "$h2_tunnel_addr" >/dev/null || fail "a 1248-byte ping from h1 did not cross"
ok "a 1248-byte ping from h1 crosses the tunnel"

# 2. Generated on r: the PTB goes into r's own stack.
udp_out=$(lab_exec r /usr/bin/python3 - "$h2_tunnel_addr" <<'EOF'
import errno, socket, sys, time
IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, IPV6_MTU = 23, 2, 24
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
s.connect((sys.argv[1], 9))
print("first send:", s.send(b"x" * 1300))
time.sleep(0.5)
try:
    print("second send:", s.send(b"x" * 1300))
except OSError as e:
    print("second send:", errno.errorcode[e.errno])
print("socket path MTU:", s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU))
EOF
)
echo "$udp_out"
expect_contains "r's first 1348-byte UDP packet (the kernel knows 1420)" "first send: 1300" "$udp_out"
expect_contains "r's second 1348-byte UDP packet" "second send: EMSGSIZE" "$udp_out"
expect_contains "r's socket learnt the path MTU" "socket path MTU: $policy_mtu" "$udp_out"
expect_contains "r's route cache" "mtu $policy_mtu" "$(lab_exec r ip -6 route get "$h2_tunnel_addr")"

# 3. r's TCP learns 1280 from pmtuguard alone and completes.
sent_before=$(pg_counter "$tunnel" ptb_sent)
lab_exec r ip -6 route flush cache
expect_eq "bytes h2 received from r under the $policy_mtu policy" "$bytes" "$(transfer_from_r 7002)"
sent=$(($(pg_counter "$tunnel" ptb_sent) - sent_before))
[ "$sent" -ge 1 ] || fail "no PTB was sent to r's own TCP"
ok "PTBs sent to r's own TCP: $sent"

# 4. The same on an Ethernet interface: the PTB keeps the frame's link
# header (addresses swapped), so the stack takes it as received.
lab_pmtuguard attach --mode tc --egress r-h2b || fail "attach --mode tc --egress r-h2b"
lab_pmtuguard mtu add 2001:db8:3::/64 "$policy_mtu" || fail "mtu add"
h1_forget_pmtu
ping_out=$(lab_exec h1 ping -6 -n -M do -s 1300 -c 2 -i 0.3 -W 1 "$LAB_H2B_ADDR" 2>&1 || true)
echo "$ping_out"
expect_contains "ping -M do -s 1300 from h1 to h2's second uplink" "From $LAB_R_H2B_ADDR icmp_seq=1 Packet too big: mtu=$policy_mtu" "$ping_out"
expect_eq "ptb_sent on r-h2b" 1 "$(pg_counter r-h2b ptb_sent)"
