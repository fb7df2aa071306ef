#!/bin/bash
# summary: the NFLOG prefix names the dropping rule (issue 18). On the
# router, SYNs to port 22 are logged to NFLOG group 5 with the prefix
# "ssh-ban" and then dropped (a ban as fail2ban makes one); every other SSH
# packet is logged to the same group without a prefix. sshmortem live with
# "-i nflog:5", and on a file tcpdump -i nflog:5 wrote, must report the
# real OpenSSH client's connection as silent-drop naming the rule
# (evidence.netfilter.rule_prefix, the reason), and a login on port 2200
# that the ban does not cover must carry no netfilter evidence. Then both
# at once, "-i c0 -i nflog:5" (the router's client-side interface and the
# group, one timeline): the same verdicts, written while it runs (not only
# at the stop), with the NFLOG copies only naming the rule: no connection
# comes from the group and none of its copies counts as a packet (no
# duplicates). Needs root,
# network namespaces and iptables' NFLOG target; skips loudly (exit 77)
# without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: nflog-prefix test: $*" >&2; echo "SKIP: nflog-prefix test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"
command -v iptables >/dev/null || skip "no iptables"
command -v tcpdump >/dev/null || skip "no tcpdump"

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_setup
out="$LAB_TMP/nflog"
mkdir -p "$out"
LAB_SSHD_EXTRA="Port 2200" # one sshd on both ports
lab_sshd_start 22
lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j NFLOG --nflog-group 5 \
    --nflog-prefix ssh-ban || skip "no NFLOG target"
lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j DROP
for p in 22 2200; do
    lab_rtr iptables -A FORWARD -p tcp --dport "$p" -j NFLOG --nflog-group 5
    lab_rtr iptables -A FORWARD -p tcp --sport "$p" -j NFLOG --nflog-group 5
done

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

traffic() {
    lab_ssh "$LAB_SRV4" 22 true 2>/dev/null && fail "$1: port 22 unexpectedly open"
    lab_ssh "$LAB_SRV4" 2200 true || fail "$1: ssh login on port 2200 failed"
}

check() { # NAME EVENTS
    local name=$1 ev=$2 drop login
    drop=$(grep '"dest_port":22,' "$ev")
    login=$(grep '"dest_port":2200,' "$ev")
    case $drop in
    *'"verdict":"silent-drop"'*) pass "$name: silent-drop" ;;
    *) fail "$name: no silent-drop on port 22" ;;
    esac
    case $drop in
    *"dropped by the firewall rule logged as 'ssh-ban'"*) pass "$name: the reason names the rule" ;;
    *) fail "$name: the reason does not name the rule" ;;
    esac
    case $drop in
    *'"netfilter":{"rule_prefix":"ssh-ban","dropped_by_rule":true,'*'"last_logged_from":"client"'*'"hook":"forward"'*)
        pass "$name: evidence.netfilter" ;;
    *) fail "$name: evidence.netfilter missing or wrong" ;;
    esac
    case $login in
    *'"verdict":"normal-close"'*) pass "$name: the login is normal-close" ;;
    *) fail "$name: no normal-close for the login" ;;
    esac
    case $login in
    *'"netfilter"'*) fail "$name: the unprefixed login has netfilter evidence" ;;
    *) pass "$name: the login names no rule" ;;
    esac
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$ev" ||
        fail "$name: schema"
    [ "$fails" = 0 ] || { cat "$ev"; cat "$out/$name.err" 2>/dev/null; }
}

# Live: sshmortem reads the NFLOG group itself.
lab_bg "$LAB_RTR" "$bin" -i nflog:5 -p 22,2200 --host nflog --stats-interval 1 \
    -o "$out/live.ndjson" 2>"$out/live.err"
pid=$LAB_LAST_PID
for _ in $(seq 60); do
    grep -q '"final":false' "$out/live.ndjson" 2>/dev/null && break
    sleep 0.1
done
traffic live
sleep 1
lab_kill "$pid" INT
check live "$out/live.ndjson"

# Both at once: the interface the client's packets arrive on (captured
# before netfilter, so it sees the SYNs the rule drops) and the group as a
# witness. --handshake-timeout 3: the dropped connection ends while the
# capture runs.
lab_bg "$LAB_RTR" "$bin" -i c0 -i nflog:5 -p 22,2200 --host nflog --stats-interval 1 \
    --handshake-timeout 3 -o "$out/both.ndjson" 2>"$out/both.err"
pid=$LAB_LAST_PID
for _ in $(seq 60); do
    grep -q '"final":false' "$out/both.ndjson" 2>/dev/null && break
    sleep 0.1
done
traffic both
running=no
for _ in $(seq 300); do
    if grep -q '"dest_port":22,.*"verdict":"silent-drop"' "$out/both.ndjson" &&
        grep -q '"dest_port":2200,.*"verdict":"normal-close"' "$out/both.ndjson"; then
        running=yes
        break
    fi
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null || running="no (it exited)"
[ "$running" = yes ] && pass "both: the events are written while it runs" ||
    fail "both: the events are not written while it runs: $running"
lab_kill "$pid" INT
check both "$out/both.ndjson"
final=$(grep '"final":true' "$out/both.ndjson")
case $final in
*'"source":"c0 nflog:5"'*) pass "both: capture_stats names both sources" ;;
*) fail "both: capture_stats source: $final" ;;
esac
case $final in
*'"nflog_witness":{"packets":'[1-9]*'"matched":'[1-9]*) pass "both: the NFLOG copies were matched" ;;
*) fail "both: no NFLOG copy matched: $final" ;;
esac
case $final in
*'"duplicates":0,'*) pass "both: no NFLOG copy counted as a packet" ;;
*) fail "both: NFLOG copies counted as duplicates: $final" ;;
esac
n=$(grep -c '"event_type":"ssh_teardown"' "$out/both.ndjson")
[ "$n" = 2 ] && [ "$(grep -c '"capture":{"source":"c0"}' "$out/both.ndjson")" = 2 ] &&
    pass "both: the 2 connections come from c0" ||
    fail "both: $n connections, not 2 from c0 (one from the NFLOG group?)"

# From a file: what tcpdump -i nflog:5 -w saved.
lab_capture_start "$LAB_RTR" nflog:5 "$out/nflog.pcap"
traffic file
lab_capture_stop 1
"$bin" -r "$out/nflog.pcap" -p 22,2200 --host nflog >"$out/file.ndjson" 2>"$out/file.err" ||
    fail "file: exit status"
check file "$out/file.ndjson"

echo "nflog-prefix: $fails failed"
[ "$fails" = 0 ]
