#!/usr/bin/env bash
# A flood of oversize packets from 100,000 spoofed sources (one /64 each)
# through r, with a small global PTB cap (1000/s, burst 100):
#   - r's PTBs stay within the cap (counted at h1 and by `pmtuguard stats`);
#   - the rate-limit state stays bounded: pg_source_buckets is a
#     preallocated LRU, its memlock the same before and after, its entries
#     at most max_entries;
#   - h1's own address, sending oversize pings during the flood, gets its
#     PTB within one second each time (new source prefixes may only take half
#     of the cap, bpf/ratelimit.h).
# The sender is tests/support/flood.py (raw AF_PACKET, about 100k frames/s
# here); it stops after FLOOD_SECONDS.
# About 15 s on an idle machine; bounded well under two minutes, cleanup included.
E2E_TIMEOUT=${E2E_TIMEOUT:-90}
source "$(dirname "$0")/../support/e2e.sh"

FLOOD_SECONDS=4
SOURCES=100000
CAP_RATE=1000
CAP_BURST=100
LEGIT_ATTEMPTS=3
# The rate-limit state's memory as include/pmtuguard/abi.h documents it
# (5.5 MiB), with some room for other kernels' per-entry overhead.
BUCKETS_MAX_BYTES=$((6 * 1024 * 1024))

e2e_lab_up
lab_pmtuguard attach r-h1 r-h2 || fail "attach r-h1 r-h2"
lab_pmtuguard limits set --global-rate "$CAP_RATE" --global-burst "$CAP_BURST" || fail "limits set"

buckets_map=$LAB_PIN_DIR/maps/pg_source_buckets
map_field() { # FIELD: of `bpftool map show` for our pg_source_buckets
	bpftool -j map show pinned "$buckets_map" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
memlock_before=$(map_field bytes_memlock)
max_entries=$(map_field max_entries)
sent_before=$(pg_counter r-h1 ptb_sent)
capped_before=$(pg_counter r-h1 ptb_suppressed_global_limit)

e2e_capture_start h1 h1 h1-r "$E2E_PTB_FILTER"
flood_start=$(date +%s.%N)
lab_exec h1 /usr/bin/python3 "$E2E_SOURCE_DIR/tests/support/flood.py" --iface h1-r \
	--dst-mac "$(lab_mac r r-h1)" --dst "$LAB_H2_ADDR" --sources "$SOURCES" --duration "$FLOOD_SECONDS" \
	>"$E2E_TMP/flood.out" 2>&1 &
flood_pid=$!
sleep 1 # the flood is on and has churned through the LRU

# h1 forgets the path MTU before each attempt, so its first oversize ping
# goes out again; -D stamps the line that reports the PTB.
for attempt in $(seq "$LEGIT_ATTEMPTS"); do
	h1_forget_pmtu
	t0=$(date +%s.%N)
	out=$(lab_exec h1 ping -6 -n -D -M do -s $((1400 - 48)) -i 0.1 -c 12 -W 1 "$LAB_H2_ADDR" 2>&1 || true)
	ptb_at=$(awk '/Packet too big/ { gsub(/[][]/, "", $1); print $1; exit }' <<<"$out")
	[ -n "$ptb_at" ] || fail "attempt $attempt: h1 got no PTB during the flood: $out"
	delay=$(awk -v a="$t0" -v b="$ptb_at" 'BEGIN { printf "%.3f", b - a }')
	awk -v d="$delay" 'BEGIN { exit !(d <= 1.0) }' || fail "attempt $attempt: h1's PTB came after $delay s"
	ok "attempt $attempt: h1 got its PTB $delay s after its first oversize ping, during the flood"
	sleep 0.3
done

wait "$flood_pid" || fail "flood.py failed: $(cat "$E2E_TMP/flood.out")"
flood_end=$(date +%s.%N)
cat "$E2E_TMP/flood.out"
sent_frames=$(awk '/^sent/ { print $2 }' "$E2E_TMP/flood.out")
e2e_capture_stop h1

elapsed=$(awk -v a="$flood_start" -v b="$flood_end" 'BEGIN { printf "%.2f", b - a }')
allowed=$(awk -v e="$elapsed" -v r="$CAP_RATE" -v b="$CAP_BURST" 'BEGIN { printf "%d", b + r * e }')
ptbs_at_h1=$(count_ptbs h1 1)
ptb_sent=$(($(pg_counter r-h1 ptb_sent) - sent_before))
capped=$(($(pg_counter r-h1 ptb_suppressed_global_limit) - capped_before))
echo "flood: $sent_frames frames in ${elapsed}s; PTBs: $ptb_sent sent (h1 saw $ptbs_at_h1), $capped withheld by the cap; allowed $allowed"

[ "$sent_frames" -ge "$SOURCES" ] || fail "the flood sent only $sent_frames frames: not every source was used"
[ "$ptb_sent" -le "$allowed" ] || fail "ptb_sent $ptb_sent exceeds the cap ($allowed in ${elapsed}s)"
ok "ptb_sent $ptb_sent <= $CAP_BURST + $CAP_RATE/s x ${elapsed}s = $allowed"
[ "$ptbs_at_h1" -le "$allowed" ] || fail "h1 saw $ptbs_at_h1 PTBs, more than the cap allows ($allowed)"
ok "PTBs seen at h1 $ptbs_at_h1 <= $allowed"
expect_eq "PTBs seen at h1 = ptb_sent" "$ptb_sent" "$ptbs_at_h1"
[ "$capped" -ge $((sent_frames / 2)) ] || fail "only $capped packets were capped: the flood did not reach the cap"
ok "the cap withheld $capped PTBs"

memlock_after=$(map_field bytes_memlock)
entries=$(bpftool -j map dump pinned "$buckets_map" | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
expect_eq "pg_source_buckets memlock after the flood (bytes)" "$memlock_before" "$memlock_after"
[ "$memlock_after" -le "$BUCKETS_MAX_BYTES" ] ||
	fail "pg_source_buckets takes $memlock_after bytes, more than the $BUCKETS_MAX_BYTES documented"
[ "$entries" -le "$max_entries" ] || fail "pg_source_buckets holds $entries entries, max_entries $max_entries"
ok "pg_source_buckets holds $entries of $max_entries entries after $SOURCES sources"
