#!/usr/bin/env bash
# The Prometheus exporter: `pmtuguard serve` on the router, checked by
# promtool, compared with `stats -j`, and scraped by a real Prometheus server
# (run here on the router's loopback, with its own config and data dir).
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/monitoring.sh"

for tool in prometheus promtool curl; do
	command -v "$tool" >/dev/null || fail "$tool missing (bash tools/setup.sh)"
done
e2e_lab_up
lab_pmtuguard attach r-h1 r-h2 || fail "attach r-h1 r-h2"
# A source rule for sources the lab never uses, so that the per-table family
# is served too.
lab_exec r ip -6 route add 2001:db8:2::/64 dev r-h2 table 100
lab_pmtuguard rule add from 2001:db8:99::/64 table 100 || fail "rule add"
mon_start_in_r serve_pid "$E2E_TMP/serve.log" "$PMTUGUARD" --pin-dir "$LAB_PIN_DIR" serve \
	--listen "[::1]:$MON_METRICS_PORT"
mon_wait_log "serve" "$E2E_TMP/serve.log" 'serving http' 1 30 "$serve_pid"

# Some traffic of every kind first, so the comparisons below compare numbers
# that are not all zero.
lab_send_udp --size 1400 --count 3 || fail "scapy send"
mon_send_ptb_from_h2 1000 2 || fail "scapy PTB from h2"

mon_scrape >"$E2E_TMP/metrics.txt" || fail "GET /metrics"
out=$(promtool check metrics <"$E2E_TMP/metrics.txt" 2>&1) || fail "promtool check metrics: $out"
ok "promtool check metrics passes"
# The families issue 5 names, with their type and (at least) their labels.
/usr/bin/python3 - "$E2E_TMP/metrics.txt" >"$E2E_TMP/families.err" 2>&1 <<'PY' || fail "$(cat "$E2E_TMP/families.err")"
import re, sys
required = {
    "pmtuguard_ipv6_packets_total": ("counter", {"interface"}),
    "pmtuguard_forwarded_packets_total": ("counter", {"interface"}),
    "pmtuguard_passed_packets_total": ("counter", {"interface", "reason"}),
    "pmtuguard_oversize_packets_total": ("counter", {"interface"}),
    "pmtuguard_ptb_sent_total": ("counter", {"interface"}),
    "pmtuguard_ptb_suppressed_total": ("counter", {"interface", "reason"}),
    "pmtuguard_rule_packets_total": ("counter", {"table", "result"}),
    "pmtuguard_attached_info": ("gauge", {"interface", "mode", "prog_id"}),
    "pmtuguard_build_info": ("gauge", {"version"}),
    "pmtuguard_ptb_received_total": ("counter", {"interface"}),
    "pmtuguard_ptb_received_mtu_bytes": ("histogram", {"interface"}),
    "pmtuguard_ptb_received_below_minimum_total": ("counter", {"interface"}),
    "pmtuguard_events_lost_total": ("counter", {"interface"}),
}
types, labels = {}, {}
for line in open(sys.argv[1]):
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        types[name] = kind
    elif line.strip() and not line.startswith("#"):
        m = re.match(r"^(\w+?)(_bucket|_sum|_count)?(?:\{(.*)\})? ", line)
        name, series = m.group(1), m.group(1) + (m.group(2) or "")
        if types.get(name) != "histogram":
            name = series  # a _count or _sum of its own, not a histogram's
        labels.setdefault(name, []).append(set(re.findall(r'(\w+)="', m.group(3) or "")) - {"le"})
for name, (kind, names) in required.items():
    if types.get(name) != kind:
        sys.exit(f"{name}: type {types.get(name)}, expected {kind}")
    if not labels.get(name):
        sys.exit(f"{name}: no sample")
    for got in labels[name]:
        if not names <= got:
            sys.exit(f"{name}: a sample has labels {sorted(got)}, expected {sorted(names)}")
PY
ok "the required families are there"

# The same numbers as `stats -j`: read the two until the counters stand still
# around the scrape (the kernel's own ND and MLD traffic may move them).
compare_with_stats() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, re, sys
stats = json.load(open(sys.argv[1]))
samples = {}
for line in open(sys.argv[2]):
    m = re.match(r'^(\w+)(?:\{(.*)\})? (\d+)$', line.strip())
    if m:
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
        samples[(m.group(1), labels)] = int(m.group(3))
groups = {"passed_": "passed_packets", "dropped_": "dropped_packets", "ptb_suppressed_": "ptb_suppressed"}
checked = 0
for iface in stats["interfaces"]:
    name = iface["name"]
    for counter, value in iface["counters"].items():
        if counter in groups.values():  # a total: the sum of its family
            got = sum(v for (f, l), v in samples.items()
                      if f == f"pmtuguard_{counter}_total" and ("interface", name) in l)
        elif counter == "ptb_received_mtu_sum":
            got = samples.get(("pmtuguard_ptb_received_mtu_bytes_sum", (("interface", name),)))
        elif counter.startswith("ptb_received_mtu_"):
            continue  # buckets: cumulative, checked by the unit tests
        else:
            prefix = next((p for p in groups if counter.startswith(p)), None)
            if prefix:
                key = (f"pmtuguard_{groups[prefix]}_total",
                       tuple(sorted([("interface", name), ("reason", counter[len(prefix):])])))
            else:
                key = (f"pmtuguard_{counter}_total", (("interface", name),))
            got = samples.get(key)
        if got != value:
            sys.exit(f"{name} {counter}: stats -j {value}, /metrics {got}")
        checked += 1
print(checked)
PY
}
for attempt in 1 2 3 4 5; do
	lab_pmtuguard -j stats >"$E2E_TMP/stats1.json"
	mon_scrape >"$E2E_TMP/metrics.txt"
	lab_pmtuguard -j stats >"$E2E_TMP/stats2.json"
	cmp -s "$E2E_TMP/stats1.json" "$E2E_TMP/stats2.json" && break
	[ "$attempt" = 5 ] && fail "the counters never stood still around a scrape"
done
checked=$(compare_with_stats "$E2E_TMP/stats1.json" "$E2E_TMP/metrics.txt") || fail "/metrics differs from stats -j: $checked"
ok "/metrics shows the numbers of stats -j ($checked counters compared)"

# A PTB advertising less than 1280 is flagged and lands in the le=1279 bucket.
sample() { mon_scrape | mon_sample "$1"; }
below=$(sample 'pmtuguard_ptb_received_below_minimum_total{interface="r-h2"}')
bucket=$(sample 'pmtuguard_ptb_received_mtu_bytes_bucket{interface="r-h2",le="1279"}')
sum=$(sample 'pmtuguard_ptb_received_mtu_bytes_sum{interface="r-h2"}')
mon_send_ptb_from_h2 1000 2 || fail "scapy PTB from h2"
expect_eq "below-minimum PTBs on r-h2" 2 "$(($(sample 'pmtuguard_ptb_received_below_minimum_total{interface="r-h2"}') - below))"
expect_eq "le=1279 bucket on r-h2" 2 "$(($(sample 'pmtuguard_ptb_received_mtu_bytes_bucket{interface="r-h2",le="1279"}') - bucket))"
expect_eq "histogram sum on r-h2" 2000 "$(($(sample 'pmtuguard_ptb_received_mtu_bytes_sum{interface="r-h2"}') - sum))"

# A real Prometheus server scrapes it.
cat >"$E2E_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pmtuguard
    static_configs:
      - targets: ['[::1]:$MON_METRICS_PORT']
EOF
mon_start_in_r prometheus_pid "$E2E_TMP/prometheus.log" timeout 200 prometheus \
	--config.file="$E2E_TMP/prometheus.yml" --storage.tsdb.path="$E2E_TMP/tsdb" \
	--web.listen-address=127.0.0.1:9090 --log.level=warn

# The value of a PromQL expression, or "none" while it has none.
promql() {
	# Not up yet is an answer too: "none".
	{ lab_exec r curl -s --max-time 5 -G --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query || true; } |
		/usr/bin/python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "none")
except Exception:
    print("none")'
}

# Waits until EXPR evaluates to EXPECTED.
wait_promql() { # WHAT EXPR EXPECTED SECONDS
	local i value
	for i in $(seq "$4"); do
		value=$(promql "$2")
		[ "$value" = "$3" ] && {
			ok "$1: $2 = $3"
			return 0
		}
		kill -0 "$prometheus_pid" 2>/dev/null || fail "prometheus ended: $(cat "$E2E_TMP/prometheus.log")"
		sleep 1
	done
	fail "$1: $2 is $value, not $3, after $4 s"
}

wait_promql "Prometheus scrapes pmtuguard" 'up{job="pmtuguard"}' 1 90
sent_query='pmtuguard_ptb_sent_total{interface="r-h1"}'
for i in $(seq 30); do
	before=$(promql "$sent_query")
	[ "$before" != none ] && break
	sleep 1
done
[ "$before" != none ] || fail "Prometheus has no $sent_query"
lab_send_udp --size 1400 --count 5 || fail "scapy send"
wait_promql "ptb_sent rises by the 5 PTBs of the lab" "$sent_query" "$((before + 5))" 30

# The Grafana dashboard: every query is valid PromQL for this Prometheus, and
# every pmtuguard metric it uses is one the exporter serves.
dashboard=$E2E_SOURCE_DIR/docs/grafana-dashboard.json
mon_scrape >"$E2E_TMP/metrics.txt" || fail "GET /metrics"
/usr/bin/python3 - "$dashboard" "$E2E_TMP/metrics.txt" >"$E2E_TMP/queries.txt" 2>"$E2E_TMP/queries.err" <<'PY' || fail "dashboard: $(cat "$E2E_TMP/queries.err")"
import json, re, sys
dash = json.load(open(sys.argv[1]))
served = {l.split()[0].split("{")[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
for panel in dash["panels"]:
    for t in panel["targets"]:
        for name in re.findall(r"pmtuguard_\w+", t["expr"]):
            if name not in served:
                sys.exit(f"panel '{panel['title']}' uses {name}, which /metrics does not serve")
        print(t["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*").replace("$interface", ".*"))
PY
while read -r expr; do
	status=$(lab_exec r curl -s --max-time 5 -G --data-urlencode "query=$expr" http://127.0.0.1:9090/api/v1/query |
		/usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["status"], r.get("error", ""))')
	[ "$status" = "success " ] || fail "dashboard query '$expr': $status"
done <"$E2E_TMP/queries.txt"
ok "the dashboard's $(wc -l <"$E2E_TMP/queries.txt") queries are valid and use served metrics"
