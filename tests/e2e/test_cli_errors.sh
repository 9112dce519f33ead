#!/usr/bin/env bash
# Bad input to the pmtuguard CLI on r: each attempt fails with one line on
# stderr naming the problem and a non-zero exit, and changes nothing (no XDP
# on an interface, same status, same pins, same MTU policy). Then
# `detach --all` leaves no trace.
source "$(dirname "$0")/../support/e2e.sh"

# Everything an attempt could change, in one comparable text.
state() {
	lab_exec r ip -o link show | awk '{ sub(/@.*/, "", $2); print $2, ($0 ~ / xdp/ ? "xdp" : "no-xdp") }'
	lab_pmtuguard -j status
	lab_pmtuguard -j mtu list 2>&1 || true
	find "$LAB_PIN_DIR" | sort
}

as_nobody() { # pmtuguard ARGS... as an unprivileged user
	lab_exec r setpriv --reuid=65534 --regid=65534 --clear-groups "$LAB_PMTUGUARD" --pin-dir "$LAB_PIN_DIR" "$@"
}

expect_refused() { # WHAT PHRASE COMMAND... : COMMAND fails cleanly, naming PHRASE
	local what=$1 phrase=$2 before after rc=0
	shift 2
	before=$(state)
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
	after=$(state)
	[ "$rc" != 0 ] || fail "$what: exit status 0"
	[ ! -s "$E2E_TMP/out" ] || fail "$what: printed on stdout: $(cat "$E2E_TMP/out")"
	[ "$(wc -l <"$E2E_TMP/err")" = 1 ] || fail "$what: stderr is not one line: $(cat "$E2E_TMP/err")"
	grep -q "^pmtuguard: error: .*$phrase" "$E2E_TMP/err" || fail "$what: error does not name '$phrase': $(cat "$E2E_TMP/err")"
	[ "$before" = "$after" ] || fail "$what: changed the state: $(diff <(echo "$before") <(echo "$after"))"
	ok "$what: exit $rc, '$(cat "$E2E_TMP/err")', nothing changed"
}

attached_interfaces() {
	lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({a["interface"] for a in json.load(sys.stdin)["attachments"]})))'
}

e2e_lab_up

# Nothing attached yet: a failed first attach must not leave maps behind either.
expect_refused "attach of an unknown interface" "nosuch0" lab_pmtuguard attach nosuch0
expect_refused "attach r-h2 and an unknown one" "bogus0" lab_pmtuguard attach r-h2 bogus0
expect_refused "attach r-h2 and lo (no native XDP), first attach" "lo" lab_pmtuguard attach r-h2 lo
expect_refused "detach of what is not attached" "not attached" lab_pmtuguard detach r-h1
expect_refused "detach --all with nothing attached" "nothing is attached" lab_pmtuguard detach --all
expect_refused "attach as nobody" "root" as_nobody attach r-h1
mkdir "$E2E_TMP/not-bpffs"
expect_refused "attach with a pin dir that is no bpffs (inside ip netns exec)" "no bpffs at $E2E_TMP/not-bpffs" \
	lab_exec r "$LAB_PMTUGUARD" --pin-dir "$E2E_TMP/not-bpffs" attach r-h1
expect_refused "stats with a pin dir nothing was attached with" "pmtuguard is not attached: no maps under" \
	lab_exec r "$LAB_PMTUGUARD" --pin-dir "$E2E_TMP/not-bpffs" stats
expect_refused "serve on a bad listen address" "invalid listen address 'nonsense'" lab_pmtuguard serve --listen nonsense
expect_refused "run with a missing config" "cannot read config $E2E_TMP/nosuch.toml" \
	lab_pmtuguard run --config "$E2E_TMP/nosuch.toml"

lab_pmtuguard attach r-h1 || fail "attach r-h1"
lab_pmtuguard mtu add 2001:db8:2::/64 1400 || fail "mtu add 2001:db8:2::/64 1400"
expect_eq "attached" "r-h1" "$(attached_interfaces)"

expect_refused "attaching r-h1 twice" "already attached" lab_pmtuguard attach r-h1
expect_refused "attach r-h2 and an unknown one" "bogus0" lab_pmtuguard attach r-h2 bogus0
# lo exists but takes no native XDP: r-h2 is attached first, then undone.
expect_refused "attach r-h2 and lo (no native XDP), maps reused" "lo" lab_pmtuguard attach r-h2 lo
expect_eq "attached after the failed attach of r-h2 and lo" "r-h1" "$(attached_interfaces)"
expect_refused "attach with a bad mode" "mode" lab_pmtuguard attach --mode warp r-h2
expect_refused "an unknown option" "not expected: --bogus" lab_pmtuguard --bogus status
expect_refused "a negative rate" "--source-rate = -1" lab_pmtuguard limits set --source-rate -1
expect_refused "attach without an interface" "required" lab_pmtuguard attach
expect_refused "detach of what is not attached" "not attached" lab_pmtuguard detach r-h2
expect_refused "mtu add, prefix with host bits" "2001:db8::1/48" lab_pmtuguard mtu add 2001:db8::1/48 1400
expect_refused "mtu add, not a prefix" "nonsense" lab_pmtuguard mtu add nonsense 1400
expect_refused "mtu add, MTU 1279" "1279" lab_pmtuguard mtu add 2001:db8:77::/48 1279
expect_refused "mtu add, MTU 65536" "65536" lab_pmtuguard mtu add 2001:db8:77::/48 65536
expect_refused "attach as nobody" "root" as_nobody attach r-h2
expect_refused "detach --all as nobody" "root" as_nobody detach --all

# A second attachment, in the other XDP mode, for detach --all to remove too.
lab_pmtuguard attach --mode generic r-h2 || fail "attach --mode generic r-h2"
expect_eq "mode of r-h2 (status -j)" "generic" "$(lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({a["mode"] for a in json.load(sys.stdin)["attachments"] if a["interface"] == "r-h2"})))')"
expect_eq "XDP mode on r-h2 (ip link)" "xdpgeneric" "$(lab_exec r ip link show dev r-h2 | grep -o 'xdp[a-z]*' | head -n 1)"

# What detach --all must free: the programs and the maps, found by id.
prog_ids=$(lab_pmtuguard -j status | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({str(a["prog_id"]) for a in json.load(sys.stdin)["attachments"]})))')
map_ids=$(for pin in "$LAB_PIN_DIR"/maps/*; do bpftool -j map show pinned "$pin"; echo; done |
	/usr/bin/python3 -c 'import json, sys; print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin if l.strip()))')
[ -n "$prog_ids" ] && [ -n "$map_ids" ] || fail "no program or map ids before detach --all"

lab_pmtuguard detach --all || fail "detach --all"
# A bpffs holds the kernel's maps.debug and progs.debug from its mount on.
if [ -e "$LAB_PIN_DIR" ] && [ -n "$(ls -A "$LAB_PIN_DIR" | grep -v '\.debug$')" ]; then
	fail "detach --all left $(find "$LAB_PIN_DIR" | xargs)"
fi
ok "detach --all: pin dir gone or empty"
expect_eq "interfaces of r with XDP after detach --all" "" \
	"$(lab_exec r ip -o link show | awk '/ xdp/ { sub(/@.*/, "", $2); print $2 }' | xargs)"
expect_eq "status after detach --all" "" "$(attached_interfaces)"
# The kernel frees them once the last reference goes, after an RCU grace period.
for _ in $(seq 50); do
	left=""
	for id in $prog_ids; do bpftool prog show id "$id" >/dev/null 2>&1 && left+=" prog $id"; done
	for id in $map_ids; do bpftool map show id "$id" >/dev/null 2>&1 && left+=" map $id"; done
	[ -z "$left" ] && break
	sleep 0.1
done
expect_eq "programs and maps still loaded after detach --all" "" "$left"
