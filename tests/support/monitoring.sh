# Sourced by tests/e2e/test_monitoring_*.sh after e2e.sh: long-running
# processes of the test (the daemon, serve, events, Prometheus) started in the
# lab's router namespace, each stopped by its pid before the lab goes away.

MON_PIDS=()
MON_METRICS_PORT=9469

mon_cleanup() {
	local rc=$? pid i
	set +e # clean up everything, whatever fails
	for pid in "${MON_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${MON_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	(exit "$rc")
	e2e_cleanup
}
trap mon_cleanup EXIT

# Runs CMD... in the router's namespace in the background, output to LOG;
# the pid (of the command itself: `ip netns exec` execs it) goes into VAR.
mon_start_in_r() { # VAR LOG CMD...
	local var=$1 log=$2
	shift 2
	ip netns exec "$(lab_ns r)" "$@" >"$log" 2>&1 &
	MON_PIDS+=("$!")
	printf -v "$var" %s "$!"
}

# Waits until LOG has at least N lines matching PATTERN (grep -E); fails
# naming WHAT, with the log, after SECONDS or when PID has died.
mon_wait_log() { # WHAT LOG PATTERN N SECONDS [PID]
	local what=$1 log=$2 pattern=$3 n=$4 secs=$5 pid=${6:-} i count
	for i in $(seq $((secs * 10))); do
		count=$(grep -cE -- "$pattern" "$log" 2>/dev/null) || true
		[ "${count:-0}" -ge "$n" ] && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			fail "$what: the process ended; its log: $(cat "$log")"
		fi
		sleep 0.1
	done
	fail "$what: no '$pattern' (x$n) within ${secs}s; log: $(cat "$log")"
}

# Starts `pmtuguard run` on the router; returns once it serves metrics.
mon_daemon_start() { # VAR CONFIG [ARGS...]
	local var=$1 config=$2 log
	shift 2
	log="$E2E_TMP/daemon.$(date +%s%N).log"
	mon_start_in_r "$var" "$log" "$PMTUGUARD" --pin-dir "$LAB_PIN_DIR" run --config "$config" "$@"
	MON_DAEMON_LOG=$log
	mon_wait_log "daemon start" "$log" '\] running:' 1 60 "${!var}"
}

# Sends SIGTERM and waits for the process to end; fails on a non-zero exit.
mon_stop() { # PID
	kill -TERM "$1"
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "pid $1 exited with $rc after SIGTERM"
}

# The exposition, from inside the router's namespace.
mon_scrape() {
	lab_exec r curl -sf --max-time 10 "http://[::1]:$MON_METRICS_PORT/metrics"
}

# One sample's value from an exposition on stdin, e.g.
#   mon_scrape | mon_sample 'pmtuguard_ptb_sent_total{interface="r-h1"}'
mon_sample() { # NAME{LABELS}
	awk -v name="$1" '$1 == name { print $2; found = 1 } END { if (!found) print "missing" }'
}

# Packet Too Big messages from h2 to h1 (quoting a packet h1 sent), sent onto
# r's link r-h2: r sees them arrive there, on their way to h1.
mon_send_ptb_from_h2() { # MTU COUNT
	lab_exec h2 /usr/bin/python3 - "$(lab_mac r r-h2)" "$LAB_H2_ADDR" "$LAB_H1_ADDR" "$1" "$2" <<'PY'
import sys
from scapy.all import Ether, IPv6, ICMPv6PacketTooBig, UDP, Raw, sendp
r_mac, h2, h1, mtu, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
quote = IPv6(src=h1, dst=h2) / UDP(sport=40000, dport=9) / Raw(b"\xa5" * 1352)
frame = Ether(dst=r_mac) / IPv6(src=h2, dst=h1) / ICMPv6PacketTooBig(mtu=mtu) / Raw(bytes(quote)[:1232])
sendp(frame, iface="h2-r", count=count, verbose=False)
PY
}
