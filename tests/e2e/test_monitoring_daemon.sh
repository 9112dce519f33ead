#!/usr/bin/env bash
# `pmtuguard run`: the daemon attaches what its config names, reloads on
# SIGHUP under traffic without losing packets or resetting counters, refuses
# each kind of bad config with file:line and leaves the running state alone,
# follows address changes, and hands the datapath over across a restart.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/monitoring.sh"

cfg=$E2E_TMP/pmtuguard.toml
good_config() { # OBSERVE_R_H2 SOURCE_RATE
	cat >"$cfg" <<EOF
listen = "[::1]:$MON_METRICS_PORT"
[limits]
source_rate = $2
[[interface]]
name = "r-h1"
[[interface]]
name = "r-h2"
observe = $1
[[mtu]]
prefix = "2001:db8:77::/48"
mtu = 1400
EOF
}

# What a reload must never disturb: the attachments (their link and program
# ids), the MTU policy and the limits.
running_state() {
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
for a in sorted(json.load(sys.stdin)["attachments"], key=lambda a: (a["interface"], a["hook"])):
    print(a["interface"], a["hook"], a["mode"], a["observe"], a["prog_id"], a["link_id"], a["ptb_source"])'
	lab_pmtuguard -j mtu list
	lab_pmtuguard -j limits
}

# The attachments alone: a detach and re-attach would change their ids.
links() {
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
for a in sorted(json.load(sys.stdin)["attachments"], key=lambda a: (a["interface"], a["hook"])):
    print(a["interface"], a["hook"], a["prog_id"], a["link_id"])'
}

observe_of() { # IFACE
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(next(a["observe"] for a in json.load(sys.stdin)["attachments"] if a["interface"] == sys.argv[1]))' "$1"
}

attached_interfaces() {
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({a["interface"] for a in json.load(sys.stdin)["attachments"]})))'
}

ptb_source() { # IFACE
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(next(a["ptb_source"] for a in json.load(sys.stdin)["attachments"] if a["interface"] == sys.argv[1]))' "$1"
}

e2e_lab_up

# A bad config at start: refused with file:line, nothing attached.
printf '[[interface]]\nname = "r-h1"\n[[mtu]]\nprefix = "2001:db8::/32"\nmtu = 99999\n' >"$cfg"
out=$(lab_exec r "$PMTUGUARD" --pin-dir "$LAB_PIN_DIR" run --config "$cfg" 2>&1) && fail "started with a bad config"
expect_contains "start with a bad MTU" "$cfg:5: invalid MTU 99999: expected 1280..65535" "$out"
expect_eq "attached after a refused start" "" "$(attached_interfaces)"

good_config false 100
mon_daemon_start daemon "$cfg"
expect_eq "attached by the daemon" "r-h1 r-h2" "$(attached_interfaces)"
expect_contains "MTU policy" '"2001:db8:77::/48"' "$(lab_pmtuguard -j mtu list)"

# --- SIGHUP under traffic: no packet lost, no counter reset, nothing detached.
links_before=$(links)
fwd_before=$(pg_counter r-h1 ipv6_packets)
pings=400
lab_exec h1 ping -6 -q -i 0.01 -c "$pings" -w 60 -s 1000 "$LAB_H2_ADDR" >"$E2E_TMP/ping.txt" 2>&1 &
ping_pid=$!
last=$fwd_before
reloads=0
for observe in false true false true; do
	sleep 0.5
	good_config "$observe" $((101 + reloads))
	kill -HUP "$daemon"
	reloads=$((reloads + 1))
	mon_wait_log "reload $reloads" "$MON_DAEMON_LOG" 'reloaded: ' "$reloads" 30 "$daemon"
	now=$(pg_counter r-h1 ipv6_packets)
	[ "$now" -ge "$last" ] || fail "ipv6_packets on r-h1 went from $last down to $now across a reload"
	last=$now
done
wait "$ping_pid" || fail "ping lost packets across reloads: $(cat "$E2E_TMP/ping.txt")"
expect_contains "ping across $reloads reloads" "$pings packets transmitted, $pings received" "$(cat "$E2E_TMP/ping.txt")"
ok "ipv6_packets on r-h1 never went down across $reloads reloads"
[ "$(pg_counter r-h1 ipv6_packets)" -ge $((fwd_before + pings)) ] || fail "ipv6_packets on r-h1 did not count the $pings pings"
expect_eq "attachments (link and program ids) after the reloads" "$links_before" "$(links)"
expect_eq "observe on r-h2 after the last reload" True "$(observe_of r-h2)"
expect_contains "the last reload set the source rate" '"source_rate":104' "$(lab_pmtuguard -j limits)"

# --- Each kind of bad config: refused with its message, the state untouched.
state_before=$(running_state)
rejected=0
bad_config() { # WHAT EXPECTED_MESSAGE (the config on stdin)
	cat >"$cfg"
	kill -HUP "$daemon"
	rejected=$((rejected + 1))
	mon_wait_log "$1" "$MON_DAEMON_LOG" 'reload rejected' "$rejected" 30 "$daemon"
	expect_contains "$1 refused" "reload rejected, nothing changed: $2" "$(grep 'reload rejected' "$MON_DAEMON_LOG" | tail -n 1)"
	expect_eq "running state after $1" "$state_before" "$(running_state)"
}
bad_config "bad syntax" "$cfg:3: " <<'EOF'
[[interface]]
name = "r-h1"
mode = 
EOF
bad_config "unknown key" "$cfg:4: unknown key 'observ' in [[interface]]" <<'EOF'
listen = "[::1]:9469"
[[interface]]
name = "r-h1"
observ = true
EOF
bad_config "bad prefix" "$cfg:6: invalid IPv6 prefix '2001:db8:77::1/48': host bits set past /48" <<'EOF'
[[interface]]
name = "r-h1"
[[interface]]
name = "r-h2"
[[mtu]]
prefix = "2001:db8:77::1/48"
mtu = 1400
EOF
bad_config "bad MTU" "$cfg:5: invalid MTU 1000: expected 1280..65535" <<'EOF'
[[interface]]
name = "r-h1"
[[mtu]]
prefix = "2001:db8:77::/48"
mtu = 1000
EOF
bad_config "unknown interface" "$cfg:4: unknown interface 'pgnosuch0'" <<'EOF'
[[interface]]
name = "r-h1"
[[interface]]
name = "pgnosuch0"
EOF
bad_config "mode change" "$cfg:2: interface 'r-h1' runs in native mode; changing it to generic" <<'EOF'
[[interface]]
name = "r-h1"
mode = "generic"
EOF

# --- Address changes reach the PTB source over netlink.
expect_eq "PTB source of r-h1" "$LAB_R_H1_ADDR" "$(ptb_source r-h1)"
wait_ptb_source() { # IFACE ADDRESS
	local i
	for i in $(seq 100); do
		[ "$(ptb_source "$1")" = "$2" ] && {
			ok "PTB source of $1 follows to $2"
			return 0
		}
		sleep 0.1
	done
	fail "PTB source of $1 is $(ptb_source "$1"), not $2, 10 s after the change"
}
lab_exec r ip -6 addr add 2001:db8:1::77/64 dev r-h1 nodad
wait_ptb_source r-h1 2001:db8:1::77
lab_exec r ip -6 addr del 2001:db8:1::77/64 dev r-h1
wait_ptb_source r-h1 "$LAB_R_H1_ADDR"

# --- Restart: the datapath stays, a new daemon continues the counters.
good_config false 100
kill -HUP "$daemon"
mon_wait_log "reload to the good config" "$MON_DAEMON_LOG" 'reloaded: ' $((reloads + 1)) 30 "$daemon"
links_before=$(links)
mon_stop "$daemon"
expect_contains "daemon log on SIGTERM" "the datapath stays attached" "$(cat "$MON_DAEMON_LOG")"
expect_eq "attachments with no daemon" "$links_before" "$(links)"
sent_before=$(pg_counter r-h1 ptb_sent)
lab_send_udp --size 1400 --count 3 || fail "scapy send"
expect_eq "PTBs sent with no daemon running" $((sent_before + 3)) "$(pg_counter r-h1 ptb_sent)"
mon_daemon_start daemon "$cfg"
expect_eq "attachments after the restart (nothing re-attached)" "$links_before" "$(links)"
expect_eq "ptb_sent after the restart" $((sent_before + 3)) "$(pg_counter r-h1 ptb_sent)"
lab_send_udp --size 1400 --count 2 || fail "scapy send"
expect_eq "ptb_sent continues after the restart" $((sent_before + 5)) "$(pg_counter r-h1 ptb_sent)"
expect_eq "ptb_sent on /metrics" $((sent_before + 5)) \
	"$(mon_scrape | mon_sample 'pmtuguard_ptb_sent_total{interface="r-h1"}')"

# --- --detach-on-exit takes the configured interfaces off.
mon_stop "$daemon"
mon_daemon_start daemon "$cfg" --detach-on-exit
mon_stop "$daemon"
expect_eq "attached after --detach-on-exit" "" "$(attached_interfaces)"
