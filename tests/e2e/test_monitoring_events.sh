#!/usr/bin/env bash
# `pmtuguard events`: the PTBs the lab provokes (sent, suppressed, observed,
# received) appear with their addresses, lengths, MTU and action; a flood is
# sampled, and every event not shown is accounted for; a reader that falls
# behind loses events, and the reader shows how many.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/monitoring.sh"

events=$E2E_TMP/events.jsonl

# Sum over the router's interfaces of some `stats -j` counters.
stats_sum() { # COUNTER...
	lab_pmtuguard -j stats | /usr/bin/python3 -c '
import json, sys
print(sum(i["counters"][c] for i in json.load(sys.stdin)["interfaces"] for c in sys.argv[1:]))' "$@"
}

# The events of one kind, one "field=value ..." line each.
events_of() { # KIND
	/usr/bin/python3 - "$events" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["kind"] == sys.argv[2]:
        print(" ".join(f"{k}={e[k]}" for k in
                       ("interface", "source", "destination", "packet_length", "mtu", "action", "reason")))
PY
}

e2e_lab_up
lab_pmtuguard attach r-h1 r-h2 || fail "attach r-h1 r-h2"
# With no reader, nothing is recorded: only counted.
sampled_out_before=$(stats_sum events_sampled_out)
lab_send_udp --size 1400 --count 2 || fail "scapy send"
expect_eq "events_sampled_out with no reader" 2 $(($(stats_sum events_sampled_out) - sampled_out_before))

worthy_before=$(stats_sum oversize_packets ptb_received)
mon_start_in_r reader "$E2E_TMP/events.err" sh -c "exec '$PMTUGUARD' --pin-dir '$LAB_PIN_DIR' -j events >'$events'"
# Nothing is recorded before a reader gives the datapath its budget.
mon_wait_log "events reader" "$E2E_TMP/events.err" '^reading events' 1 30 "$reader"

lab_send_udp --size 1400 --count 3 || fail "scapy send"
mon_send_ptb_from_h2 1000 1 || fail "scapy PTB from h2"
# One PTB a second with no burst: of the next three, the first is answered.
lab_pmtuguard limits set --source-rate 1 --source-burst 1 || fail "limits set"
lab_send_udp --size 1400 --count 3 || fail "scapy send"
mon_wait_log "events" "$events" '"kind"' 7 30 "$reader"

h1_to_h2="source=$LAB_H1_ADDR destination=$LAB_H2_ADDR packet_length=1400 mtu=1280"
expect_eq "ptb_sent events" "$(printf "interface=r-h1 $h1_to_h2 action=answered reason=ptb_sent\n%.0s" 1 2 3 4)" \
	"$(events_of ptb_sent)"
expect_eq "ptb_received events" \
	"interface=r-h2 source=$LAB_H2_ADDR destination=$LAB_H1_ADDR packet_length=1280 mtu=1000 action=seen reason=ptb_received" \
	"$(events_of ptb_received)"
expect_eq "ptb_suppressed events" \
	"$(printf "interface=r-h1 $h1_to_h2 action=dropped reason=ptb_suppressed_rate_limit\n%.0s" 1 2)" \
	"$(events_of ptb_suppressed)"

# A flood: far more than the per-CPU budget. What is not shown is counted,
# and shown + not shown is every event-worthy packet since the reader started.
lab_send_udp --size 1400 --count 3000 || fail "scapy flood"
sleep 0.5 # the last frames through the datapath; the reader drains the ring when it stops
mon_stop "$reader"
read -r shown lost sampled_out < <(/usr/bin/python3 - "$events" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
summary = [l for l in lines if l["kind"] == "not_shown"]
shown = sum(1 for l in lines if l["kind"] != "not_shown")
print(shown, summary[-1]["events_lost"], summary[-1]["events_sampled_out"])
PY
)
[ "$sampled_out" -gt 0 ] || fail "a flood of 3000 left nothing over the sampling budget (shown $shown)"
ok "flood: $shown shown, $sampled_out over the budget, $lost lost"
expect_eq "shown + not shown = oversize + PTBs received since the start" \
	$(($(stats_sum oversize_packets ptb_received) - worthy_before)) $((shown + lost + sampled_out))
expect_eq "events_sampled_out in stats -j" $((sampled_out_before + 2 + sampled_out)) "$(stats_sum events_sampled_out)"

# Observe mode, in the text output (one line per event).
lab_pmtuguard detach r-h1 || fail "detach r-h1"
lab_pmtuguard attach --observe r-h1 || fail "attach --observe r-h1"
mon_start_in_r reader "$E2E_TMP/events.txt" "$PMTUGUARD" --pin-dir "$LAB_PIN_DIR" events --count 1
mon_wait_log "events reader" "$E2E_TMP/events.txt" '^reading events' 1 30 "$reader"
lab_send_udp --size 1400 --count 1 || fail "scapy send"
wait "$reader" || fail "events --count 1 failed: $(cat "$E2E_TMP/events.txt")"
expect_contains "text event" "r-h1 oversize_observed $LAB_H1_ADDR > $LAB_H2_ADDR len 1400 mtu 1280 passed" \
	"$(cat "$E2E_TMP/events.txt")"

# A reader that falls behind: the ring fills, and what it cannot hold is
# counted as lost and shown by the reader. SIGSTOP freezes the reader (so it
# neither drains the ring nor refills the budget); a budget far beyond the
# ring's size lets every packet of the flood try to record its event.
behind=$E2E_TMP/behind.jsonl
mon_start_in_r reader "$E2E_TMP/behind.err" sh -c "exec '$PMTUGUARD' --pin-dir '$LAB_PIN_DIR' -j events >'$behind'"
mon_wait_log "events reader" "$E2E_TMP/behind.err" '^reading events' 1 30 "$reader"
kill -STOP "$reader"
lost_before=$(stats_sum events_lost)
worthy_before=$(stats_sum oversize_packets ptb_received)
# struct pg_event_budget { left = 100000; pad }, the same on every CPU.
bpftool map update pinned "$LAB_PIN_DIR/maps/pg_event_budget" key 0 0 0 0 value 0xa0 0x86 0x01 0 0 0 0 0 ||
	fail "bpftool: cannot set the event budget"
# A record takes 72 B of the 256 KiB ring, which holds about 3,600.
flood=6000
lab_send_udp --size 1400 --count "$flood" || fail "scapy flood"
kill -CONT "$reader"
sleep 1.5 # the reader drains the ring and reports what it missed
mon_stop "$reader"
lost=$(($(stats_sum events_lost) - lost_before))
worthy=$(($(stats_sum oversize_packets ptb_received) - worthy_before))
[ "$lost" -gt 0 ] || fail "a stalled reader and $flood oversize packets lost no event"
read -r shown reported_lost reported_sampled_out < <(/usr/bin/python3 - "$behind" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
summary = [l for l in lines if l["kind"] == "not_shown"]
print(sum(1 for l in lines if l["kind"] != "not_shown"), summary[-1]["events_lost"], summary[-1]["events_sampled_out"])
PY
)
ok "stalled reader: $worthy event-worthy packets, $shown shown, $lost lost"
expect_eq "events lost, as the reader reports them" "$lost" "$reported_lost"
expect_eq "shown + lost + sampled out = event-worthy packets while stalled" "$worthy" \
	$((shown + reported_lost + reported_sampled_out))
