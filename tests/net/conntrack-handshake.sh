#!/bin/bash
# summary: the conntrack witness names where a handshake died (issue 18).
# The router forwards; two real OpenSSH connections never complete: to
# port 2200 the server's own firewall drops the SYNs (the router's
# conntrack entry stays SYN_SENT: the SYNs passed this host), to port 22
# the client's firewall drops the SYN-ACKs (the entry stays SYN_RECV: the
# server's SYN-ACK passed this host toward the client); to port 2201 the
# router's own FORWARD rule drops the SYNs (no entry is ever confirmed, so
# conntrack says nothing: no evidence, no side named). The router's
# syn_sent/syn_recv timeouts are 3 s, and a conntrack -L after the clients
# gave up reaps the expired entries, so their destroys come while the
# sensors run (--handshake-timeout 12). Two sensors on the router with --conntrack, one as
# root and one with -Z nobody (the subscription is made before the
# privileges are dropped): both must report silent-drop and
# handshake-incomplete with evidence.netfilter.conntrack.passed_this_host
# syn / syn-ack and the reasons saying the loss was beyond this host.
# Needs root, namespaces, iptables and conntrack events; skips loudly
# (exit 77) without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: conntrack-handshake test: $*" >&2; echo "SKIP: conntrack-handshake test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"
command -v iptables >/dev/null || skip "no iptables"
id nobody >/dev/null 2>&1 || skip "no user nobody for -Z"

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
LAB_SYNACK_RETRIES=1 # the server gives up on the SYN-ACKs the client drops
lab_setup
out="$LAB_TMP/cths"
mkdir -p "$out"
LAB_SSHD_EXTRA="Port 2200"
lab_sshd_start 22
# Any conntrack match makes the router's namespace track connections.
lab_rtr iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP || skip "no conntrack match"
lab_rtr sysctl -q -w net.netfilter.nf_conntrack_events=1 || skip "no nf_conntrack_events"
lab_rtr sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_syn_sent=3 \
    net.netfilter.nf_conntrack_tcp_timeout_syn_recv=3 || skip "cannot set conntrack timeouts"
lab_srv iptables -A INPUT -p tcp --dport 2200 --syn -j DROP
lab_cli iptables -A INPUT -p tcp --sport 22 --tcp-flags SYN,ACK SYN,ACK -j DROP
lab_rtr iptables -A FORWARD -p tcp --dport 2201 --syn -j DROP

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

sensor() { # NAME ARGS...
    local name=$1
    shift
    lab_bg "$LAB_RTR" "$bin" -i c0 --host ct --stats-interval 1 --conntrack \
        --handshake-timeout 12 -p 22,2200,2201 "$@" -o "$out/$name.ndjson" 2>"$out/$name.err"
    eval "pid_$name=$LAB_LAST_PID"
}
sensor root
sensor dropped -Z nobody
for n in root dropped; do
    for _ in $(seq 60); do
        grep -q '"final":false' "$out/$n.ndjson" 2>/dev/null && break
        sleep 0.1
    done
done
grep -q 'cannot subscribe' "$out/root.err" && skip "no conntrack events: $(cat "$out/root.err")"
grep -q '"conntrack":{"on":true' "$out/root.ndjson" || skip "the witness is off: $(cat "$out/root.err")"

lab_ssh_bg "$LAB_SRV4" 2200 true
a=$LAB_LAST_PID
lab_ssh_bg "$LAB_SRV4" 22 true
b=$LAB_LAST_PID
lab_ssh_bg "$LAB_SRV4" 2201 true
c=$LAB_LAST_PID
wait "$a" "$b" "$c" 2>/dev/null # the clients give up after their SYN retries (~7 s)
lab_forget "$a"
lab_forget "$b"
lab_forget "$c"
# The kernel reaps expired entries lazily (its garbage collector may take a
# minute); a dump reaps them at once, and each makes its DESTROY event.
if command -v conntrack >/dev/null; then
    for _ in $(seq 50); do
        lab_rtr conntrack -L -p tcp 2>/dev/null | grep -q 'dport=22\(00\)\? ' || break
        sleep 0.2
    done
    destroy=destroyed
else
    echo "NOTE: no conntrack tool: the destroys are not forced, not checked"
    destroy=any
fi
# Both connections end 12 s after their last packet, while the sensors run.
for _ in $(seq 250); do
    [ "$(grep -c '"event_type":"ssh_teardown"' "$out/dropped.ndjson")" -ge 3 ] &&
        [ "$(grep -c '"event_type":"ssh_teardown"' "$out/root.ndjson")" -ge 3 ] && break
    sleep 0.1
done
for n in root dropped; do
    eval "lab_kill \$pid_$n INT"
done

check() { # NAME
    local name=$1 drop hs here
    drop=$(grep '"event_type":"ssh_teardown"' "$out/$name.ndjson" | grep '"dest_port":2200,')
    here=$(grep '"event_type":"ssh_teardown"' "$out/$name.ndjson" | grep '"dest_port":2201,')
    case $here in
    *'"verdict":"silent-drop"'*'"netfilter"'*) fail "$name: 2201: netfilter evidence for SYNs dropped here" ;;
    *'"verdict":"silent-drop"'*) pass "$name: 2201: silent-drop, no conntrack event for SYNs the router dropped" ;;
    *) fail "$name: no silent-drop on 2201" ;;
    esac
    hs=$(grep '"event_type":"ssh_teardown"' "$out/$name.ndjson" | grep '"dest_port":22,')
    case $drop in
    *'"verdict":"silent-drop"'*) pass "$name: silent-drop on 2200" ;;
    *) fail "$name: no silent-drop on 2200" ;;
    esac
    case $drop in
    *'"conntrack":{'*'"state":"SYN_SENT","destroyed":true,'*'"passed_this_host":"syn"}'*)
        pass "$name: 2200: the entry stayed SYN_SENT and was destroyed, passed_this_host syn" ;;
    *'"conntrack":{'*'"state":"SYN_SENT","destroyed":false,'*'"passed_this_host":"syn"}'*)
        [ "$destroy" = any ] && pass "$name: 2200: the entry stayed SYN_SENT, passed_this_host syn" ||
            fail "$name: 2200: the destroy of the SYN_SENT entry was not seen" ;;
    *) fail "$name: 2200: evidence.netfilter.conntrack missing or wrong" ;;
    esac
    case $drop in
    *"this host's conntrack entry stayed SYN_SENT"*": the SYNs passed this host's firewall and were lost beyond it."*)
        pass "$name: 2200: the reason says the SYNs were lost beyond this host" ;;
    *) fail "$name: 2200: reason" ;;
    esac
    case $hs in
    *'"verdict":"handshake-incomplete"'*) pass "$name: handshake-incomplete on 22" ;;
    *) fail "$name: no handshake-incomplete on 22" ;;
    esac
    case $hs in
    *'"conntrack":{'*'"state":"SYN_RECV","destroyed":true,'*'"passed_this_host":"syn-ack"}'*)
        pass "$name: 22: the entry stayed SYN_RECV and was destroyed, passed_this_host syn-ack" ;;
    *'"conntrack":{'*'"state":"SYN_RECV","destroyed":false,'*'"passed_this_host":"syn-ack"}'*)
        [ "$destroy" = any ] && pass "$name: 22: the entry stayed SYN_RECV, passed_this_host syn-ack" ||
            fail "$name: 22: the destroy of the SYN_RECV entry was not seen" ;;
    *) fail "$name: 22: evidence.netfilter.conntrack missing or wrong" ;;
    esac
    case $hs in
    *"stayed SYN_RECV"*": the server's SYN-ACK passed this host and the client's ACK never came back through it."*)
        pass "$name: 22: the reason names the client's side" ;;
    *) fail "$name: 22: reason" ;;
    esac
    tail -n 1 "$out/$name.ndjson" | grep -q '"conntrack":{"on":true,"events":[1-9][0-9]*,"matched":[1-9][0-9]*,"overruns":0,"malformed":0' &&
        pass "$name: capture_stats.conntrack on, events matched" || fail "$name: capture_stats.conntrack"
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" \
        "$out/$name.ndjson" || fail "$name: schema"
}
check root
check dropped
# -Z: the events keep coming (a subscription only receives), but the
# statistics are a request, which the kernel answers only to a process
# with CAP_NET_ADMIN: as nobody they are not read (absent), as root they are.
tail -n 1 "$out/root.ndjson" | grep -q '"insert_failed":0,"drop":0}' &&
    pass "root: the table statistics are read" || fail "root: the table statistics are not read"
tail -n 1 "$out/dropped.ndjson" | grep -q '"insert_failed"' &&
    fail "-Z nobody: table statistics read without CAP_NET_ADMIN?" ||
    pass "-Z nobody: the table statistics are not read (documented)"
[ "$(grep -c 'cannot read the conntrack statistics after -Z' "$out/dropped.err")" = 1 ] &&
    pass "-Z nobody: said once on stderr" || fail "-Z nobody: stderr: $(cat "$out/dropped.err")"
grep -q 'cannot read' "$out/root.err" && fail "root: stderr: $(cat "$out/root.err")"
if [ "$fails" != 0 ]; then
    for n in root dropped; do
        echo "== $n"; grep -v capture_stats "$out/$n.ndjson" | cut -c1-3000; tail -n1 "$out/$n.ndjson"
        cat "$out/$n.err"
    done
fi
echo "conntrack-handshake: $fails failed"
[ "$fails" = 0 ]
