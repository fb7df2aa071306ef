#!/bin/sh
# summary: -f on every link type of pcaps/ (issue 19 item 1): the user's BPF
# expression reads the same headers untagged, behind one 802.1Q tag and
# behind two, so a filter that names the server finds its connection on
# Ethernet, VLAN, QinQ, Linux cooked v1/v2, raw IP and BSD loopback alike,
# a filter that names nobody finds nothing, and in one capture holding
# tagged and untagged frames a filter keeps exactly the connections it
# names. NFLOG, for which libpcap compiles no filter, refuses -f.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
run() { ${SM_VALGRIND:-} "$bin" --host t --hash-seed 1 "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# The client ports of the events, sorted, space separated ("" for none);
# tagged connections carry their VLAN ids after a slash.
conns() { # PCAP FILTER
    run -r "$src/pcaps/$1" -f "$2" 2>"$tmp/err" | /usr/bin/python3 -c '
import json, sys
ports = []
for line in sys.stdin:
    e = json.loads(line)
    tags = e.get("vlan")
    ports.append(str(e["src_port"]) + ("/" + ",".join(map(str, tags)) if tags else ""))
print(" ".join(sorted(ports)))'
}
expect() { # NAME PCAP FILTER WANT
    got=$(conns "$2" "$3")
    if [ "$got" = "$4" ] && [ ! -s "$tmp/err" ]; then
        pass "$1"
    else
        fail "$1: -r $2 -f '$3' gave '$got', expected '$4'"
        cat "$tmp/err"
    fi
}

# Every link type: the server's address finds the connection, another
# address finds nothing; so do a port and a TCP-flag expression.
for f in ssh-normal-v4.pcap:56042 ssh-vlan.pcap:56042/100 ssh-qinq.pcap:56042/200,100 \
    ssh-sll.pcap:55806 ssh-any-sll2.pcap:59662 ssh-rawip.pcap:56042 ssh-null.pcap:56042; do
    pc=${f%%:*} want=${f#*:}
    expect "$pc: host of the server" "$pc" 'host 203.0.113.2' "$want"
    expect "$pc: net of the client" "$pc" 'src net 198.51.100.0/24' "$want"
    expect "$pc: port and flags" "$pc" 'tcp port 22 and tcp[tcpflags] & tcp-syn != 0' "$want"
    expect "$pc: another host" "$pc" 'host 192.0.2.99' ""
    expect "$pc: not the server" "$pc" 'not host 203.0.113.2' ""
done

# NFLOG: libpcap compiles no filter for it; -f is refused, by name.
run -r "$src/pcaps/ssh-nflog.pcap" -f 'host 203.0.113.2' >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 1 ] && grep -q 'cannot be applied on link type NFLOG' "$tmp/err" && [ ! -s "$tmp/out" ]; then
    pass "nflog: -f refused"
else
    fail "nflog: -f refused (status $st)"
    cat "$tmp/err"
fi

# One capture: untagged (56042), tagged 100 (56042), tagged 200+100
# (56042), a refused connection (43730), and IPv6 (60736).
m=ssh-mixed-tags.pcap
all="43730 56042 56042/100 56042/200,100 60736"
expect "mixed: no -f" "$m" '' "$all"
expect "mixed: every connection" "$m" 'tcp' "$all"
expect "mixed: the IPv4 server" "$m" 'host 203.0.113.2' "43730 56042 56042/100 56042/200,100"
expect "mixed: excludes the refused one" "$m" 'host 203.0.113.2 and not port 43730' \
    "56042 56042/100 56042/200,100"
expect "mixed: only the refused one" "$m" 'port 43730' "43730"
expect "mixed: IPv6 only" "$m" 'ip6' "60736"
expect "mixed: nobody" "$m" 'host 192.0.2.99' ""
# Filters that name the tags mean what they mean to tcpdump.
expect "mixed: vlan" "$m" 'vlan' "56042/100 56042/200,100"
expect "mixed: not vlan" "$m" 'not vlan' "43730 56042 60736"
expect "mixed: vlan 100" "$m" 'vlan 100' "56042/100"
expect "mixed: vlan 200 and vlan 100" "$m" 'vlan 200 and vlan 100' "56042/200,100"
expect "mixed: vlan 100 and a host" "$m" 'vlan 100 and host 203.0.113.2' "56042/100"

# Several inputs: the same -f on each.
got=$(run -r "$src/pcaps/ssh-vlan.pcap" -r "$src/pcaps/ssh-sll.pcap" -F summary \
    -f 'host 203.0.113.2' | sed -n 's/^total  *//p')
[ "$got" = 2 ] && pass "two link types, one -f" || fail "two link types, one -f ($got)"

echo "filter: $fails failed"
[ "$fails" = 0 ]
