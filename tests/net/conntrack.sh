#!/bin/bash
# summary: the conntrack witness (--conntrack, issue 18). A router namespace
# masquerades the client (SNAT) with a short conntrack established timeout
# (5 s), loose pickup off, INVALID dropped, conntrack events and timestamps
# on. A real OpenSSH session goes idle 9 s, then both ends speak: the entry
# is gone, their packets are INVALID and dropped, both ends retransmit to
# death. Three sensors on the router watch the one session: --conntrack on
# the inside interface (the original tuple matches), --conntrack on the
# outside one (the reply tuple matches, through NAT), and the inside
# without --conntrack (what packets alone show). The witnesses must report
# state-table-timeout confirmed by the entry's ESTABLISHED destroy with
# the 5 s timeout; capture_stats must say the witness was on and lost
# nothing, with the kernel's table-full counters (0: a namespace cannot
# fill its table without changing the host's nf_conntrack_max). Needs root, namespaces, iptables and conntrack events; skips
# loudly (exit 77) without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: conntrack test: $*" >&2; echo "SKIP: conntrack test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"
command -v iptables >/dev/null || skip "no iptables"

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
LAB_RETRIES2=4
lab_setup
out="$LAB_TMP/ct"
mkdir -p "$out"
lab_sshd_start 22
lab_rtr iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE || skip "no MASQUERADE"
lab_rtr iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP || skip "no conntrack match"
lab_rtr iptables -A INPUT -m conntrack --ctstate INVALID -j DROP
lab_rtr sysctl -q -w net.netfilter.nf_conntrack_events=1 || skip "no nf_conntrack_events"
lab_rtr sysctl -q -w net.netfilter.nf_conntrack_timestamp=1 || true
lab_rtr sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_established=5 \
    net.netfilter.nf_conntrack_tcp_loose=0 || skip "cannot set conntrack timeouts"

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

sensor() { # NAME IFACE ARGS...
    local name=$1 ifc=$2
    shift 2
    lab_bg "$LAB_RTR" "$bin" -i "$ifc" --host ct --stats-interval 1 "$@" \
        -o "$out/$name.ndjson" 2>"$out/$name.err"
    eval "pid_$name=$LAB_LAST_PID"
}
sensor inside c0 --conntrack
sensor outside s0 --conntrack
sensor packets c0
for n in inside outside packets; do
    for _ in $(seq 60); do
        grep -q '"final":false' "$out/$n.ndjson" 2>/dev/null && break
        sleep 0.1
    done
done
grep -q 'cannot subscribe' "$out/inside.err" && skip "no conntrack events: $(cat "$out/inside.err")"
grep -q '"conntrack":{"on":true' "$out/inside.ndjson" || skip "the witness is off: $(cat "$out/inside.err")"

# The session: after 9 s of silence the server speaks, and the client too
# (its stdin: the redirection sits on the background command itself, or
# bash gives it /dev/null). Both ends' packets are INVALID at the router.
mkfifo "$LAB_TMP/stdin"
exec 7<>"$LAB_TMP/stdin"
ip netns exec "$LAB_CLI" ssh "${LAB_SSH_OPTS[@]}" -i "$LAB_TMP/id_ed25519" -p 22 \
    "root@$LAB_SRV4" 'sleep 9; echo x; read l; echo got $l' <"$LAB_TMP/stdin" \
    >"$out/ssh.out" 2>"$out/ssh.err" &
ssh_pid=$!
LAB_PIDS+=("$ssh_pid")
sleep 9
echo late >&7
sleep 14
lab_kill "$ssh_pid" TERM
for n in inside outside packets; do
    eval "lab_kill \$pid_$n INT"
done
exec 7>&-

check() { # NAME TUPLE: a witness's report
    local name=$1 tuple=$2 ev
    ev=$(grep '"event_type":"ssh_teardown"' "$out/$name.ndjson" | grep '"dest_port":22,')
    case $ev in
    *'"verdict":"state-table-timeout"'*) pass "$name: state-table-timeout" ;;
    *) fail "$name: not state-table-timeout" ;;
    esac
    case $ev in
    *'"conntrack":{'*'"state":"ESTABLISHED","destroyed":true,"destroy_time":'*'"timeout_s":5,"matched_tuple":"'"$tuple"'","confirms_state_table_timeout":true}'*)
        pass "$name: evidence.netfilter.conntrack (destroyed ESTABLISHED, 5 s, $tuple tuple)" ;;
    *) fail "$name: evidence.netfilter.conntrack missing or wrong" ;;
    esac
    case $ev in
    *"Conntrack on this host destroyed the connection's ESTABLISHED entry"*) pass "$name: reason" ;;
    *) fail "$name: reason" ;;
    esac
    case $ev in
    *nf_conntrack_tcp_timeout_established*) pass "$name: the hint names the sysctl" ;;
    *) fail "$name: the hint does not name the sysctl" ;;
    esac
    tail -n 1 "$out/$name.ndjson" | grep -q '"conntrack":{"on":true,"events":[1-9][0-9]*,"matched":[1-9][0-9]*,"overruns":0,"malformed":0,"tcp_timeout_established_s":5,"insert_failed":0,"drop":0}' &&
        pass "$name: capture_stats.conntrack" || fail "$name: capture_stats.conntrack"
}
check inside original
check outside reply

# Without the witness: packets alone, no conntrack evidence.
ev=$(grep '"event_type":"ssh_teardown"' "$out/packets.ndjson" | grep '"dest_port":22,')
case $ev in
*'"conntrack"'*) fail "packets: conntrack evidence without --conntrack" ;;
*'"verdict":"'*) pass "packets: $(echo "$ev" | grep -o '"verdict":"[a-z-]*"') from packets alone" ;;
*) fail "packets: no event" ;;
esac
grep -q '"conntrack"' "$out/packets.ndjson" && fail "packets: capture_stats.conntrack without --conntrack"
for n in inside outside packets; do
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" \
        "$out/$n.ndjson" || fail "$n: schema"
done
if [ "$fails" != 0 ]; then
    for n in inside outside packets; do
        echo "== $n"; grep -v capture_stats "$out/$n.ndjson" | cut -c1-3000; tail -n1 "$out/$n.ndjson"
        cat "$out/$n.err"
    done
fi
echo "conntrack: $fails failed"
[ "$fails" = 0 ]
