#!/usr/bin/env bash
# summary: network-namespace lab that produces real SSH teardown captures.
#
# Usage (as root):
#   tests/lab/lab.sh SCENARIO OUTFILE     write one pcap for SCENARIO
#   tests/lab/lab.sh list                 list scenarios
#   tests/lab/lab.sh corpus SCENARIO PREFIX
#                                         corpus scenario (scenarios.sh): writes
#                                         PREFIX.{cli,srv,rtr}.pcap + PREFIX.manifest
#   tests/lab/lab.sh corpus-list          list corpus scenarios
#   . tests/lab/lab.sh                    source the lab_* functions only
#
# Topology (documentation addresses only, RFC 5737 / RFC 3849):
#
#   client ns                router ns                      server ns
#   eth0 198.51.100.2/24 --- c0 198.51.100.1  s0 203.0.113.1 --- eth0 203.0.113.2/24
#        2001:db8:1::2/64       2001:db8:1::1  2001:db8:2::1      2001:db8:2::2/64
#
# lab_far_router inserts a second router before the server (see there).
#
# Everything the lab starts (namespaces, sshd, tcpdump, ssh, helper
# listeners, temp dir) is removed by lab_teardown, which lab_setup installs
# as an EXIT/INT/TERM trap. Only PIDs the lab started are ever killed.


LAB_CLI="sm-cli-$$"
LAB_RTR="sm-rtr-$$"
LAB_SRV="sm-srv-$$"
LAB_CLI4=198.51.100.2
LAB_RTR4C=198.51.100.1
LAB_SRV4=203.0.113.2
LAB_RTR4S=203.0.113.1
LAB_CLI6=2001:db8:1::2
LAB_RTR6C=2001:db8:1::1
LAB_SRV6=2001:db8:2::2
LAB_RTR6S=2001:db8:2::1

# Kernel timers, shrunk so failure scenarios end in seconds.
: "${LAB_SYN_RETRIES:=2}"        # client SYNs: 0,1,3 s, gives up at ~7 s
: "${LAB_SYNACK_RETRIES:=2}"     # server SYN-ACKs: 0,1,3 s, gives up at ~7 s
: "${LAB_RETRIES2:=5}"
: "${LAB_SYN_LINEAR:=0}"         # tcp_syn_linear_timeouts (kernel default 4); 0 = classic exponential backoff
: "${LAB_SNAPLEN:=0}"            # 0 = tcpdump default (262144)

LAB_TMP=""
LAB_PIDS=()          # every background PID we started
LAB_CAP_PID=""
LAB_CAP_PIDS=()      # several simultaneous captures (corpus scenarios)
LAB_SSHD_PID=""
: "${LAB_SSHD_EXTRA:=}"  # extra sshd_config lines (newline separated)
LAB_NETNS_MADE=()

lab_log() { echo "lab: $*" >&2; }
lab_die() { lab_log "error: $*"; exit 1; }

lab_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
lab_cli() { lab_in "$LAB_CLI" "$@"; }
lab_rtr() { lab_in "$LAB_RTR" "$@"; }
lab_srv() { lab_in "$LAB_SRV" "$@"; }

# lab_bg NS CMD... : start CMD in NS in the background, record its PID in
# LAB_LAST_PID and LAB_PIDS. `ip netns exec` execs CMD, so the PID is CMD's.
lab_bg() {
    local ns=$1; shift
    ip netns exec "$ns" "$@" &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_forget PID : drop an already reaped PID from LAB_PIDS (no PID reuse risk).
lab_forget() {
    local p keep=()
    for p in "${LAB_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    LAB_PIDS=("${keep[@]}")
}

# lab_kill PID [SIG] : signal one PID we started and reap it.
lab_kill() {
    local pid=$1 sig=${2:-TERM}
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -s "$sig" "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    lab_forget "$pid"
    return 0
}


lab_teardown() {
    local rc=$? pid ns
    trap - EXIT INT TERM
    # tcpdump first, cleanly, so a partial capture is still a valid file.
    [ -n "$LAB_CAP_PID" ] && lab_kill "$LAB_CAP_PID" INT
    for pid in "${LAB_CAP_PIDS[@]}"; do lab_kill "$pid" INT; done
    LAB_CAP_PIDS=()
    # sshd's per-connection children and their shells outlive the listener
    # and the namespace's name, some adopted by init once their connection
    # died: end every process in a namespace the lab made (all are the
    # lab's), then the ones it started by PID.
    for ns in "${LAB_NETNS_MADE[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
    done
    for pid in "${LAB_PIDS[@]}"; do lab_kill "$pid" TERM; done
    LAB_PIDS=()
    for ns in "${LAB_NETNS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null; done
    LAB_NETNS_MADE=()
    [ -n "$LAB_TMP" ] && [ -d "$LAB_TMP" ] && rm -rf -- "$LAB_TMP"
    LAB_TMP=""
    return "$rc"
}

lab_nooffload() { # NS DEV
    lab_in "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
        lab_log "warning: ethtool -K $2 in $1 failed"
}

lab_sysctl() { # NS key=value...
    local ns=$1; shift
    lab_in "$ns" sysctl -q -w "$@" >/dev/null
}

lab_netns_add() { # NS : a namespace lab_teardown removes
    ip netns add "$1" || lab_die "ip netns add $1"
    LAB_NETNS_MADE+=("$1")
    lab_in "$1" ip link set lo up
    lab_sysctl "$1" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.default.router_solicitations=0
}

# lab_if NS DEV ADDR4 ADDR6 : a lab link's end: /24 and /64, no offloads, up.
lab_if() {
    lab_in "$1" ip addr add "$3/24" dev "$2"
    lab_in "$1" ip -6 addr add "$4/64" dev "$2" nodad
    lab_nooffload "$1" "$2"
    lab_in "$1" ip link set "$2" up
}

lab_default_route() { # NS GW4 GW6
    lab_in "$1" ip route add default via "$2"
    lab_in "$1" ip -6 route add default via "$3"
}

lab_setup() {
    [ "$(id -u)" -eq 0 ] || lab_die "must run as root"
    trap lab_teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    LAB_TMP="$(mktemp -d /tmp/sm-lab.XXXXXX)"
    chmod 755 "$LAB_TMP"
    local ns
    for ns in "$LAB_CLI" "$LAB_RTR" "$LAB_SRV"; do lab_netns_add "$ns"; done
    # veth pairs created directly inside the namespaces: no names in the root ns.
    ip link add eth0 netns "$LAB_CLI" type veth peer name c0 netns "$LAB_RTR" || lab_die "veth cli"
    ip link add eth0 netns "$LAB_SRV" type veth peer name s0 netns "$LAB_RTR" || lab_die "veth srv"

    lab_if "$LAB_CLI" eth0 "$LAB_CLI4" "$LAB_CLI6"
    lab_if "$LAB_SRV" eth0 "$LAB_SRV4" "$LAB_SRV6"
    lab_if "$LAB_RTR" c0 "$LAB_RTR4C" "$LAB_RTR6C"
    lab_if "$LAB_RTR" s0 "$LAB_RTR4S" "$LAB_RTR6S"

    lab_default_route "$LAB_CLI" "$LAB_RTR4C" "$LAB_RTR6C"
    lab_default_route "$LAB_SRV" "$LAB_RTR4S" "$LAB_RTR6S"
    lab_sysctl "$LAB_RTR" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

    for ns in "$LAB_CLI" "$LAB_SRV"; do
        lab_sysctl "$ns" net.ipv4.tcp_syn_retries="$LAB_SYN_RETRIES" \
            net.ipv4.tcp_synack_retries="$LAB_SYNACK_RETRIES" \
            net.ipv4.tcp_retries2="$LAB_RETRIES2"
        lab_in "$ns" sysctl -q -w net.ipv4.tcp_syn_linear_timeouts="$LAB_SYN_LINEAR" >/dev/null 2>&1 || true
    done

    # client key
    ssh-keygen -q -t ed25519 -N '' -C sm-lab -f "$LAB_TMP/id_ed25519" || lab_die "ssh-keygen"
    cp "$LAB_TMP/id_ed25519.pub" "$LAB_TMP/authorized_keys"
    chmod 600 "$LAB_TMP/authorized_keys"
    # let link-local addresses and MLD settle so captures start quiet
    sleep 1
}

# lab_far_router : a second router between the router and the server, for
# scenarios that need another hop distance (issue 22: a middlebox reset
# from other distances). The router's s0 link is replaced by a transit
# link 192.0.2.0/24 (2001:db8:3::/64) to the far router, which keeps the
# server's gateway addresses; the server keeps its address and route:
#
#   client --- router c0 | s0 192.0.2.1 --- r0 192.0.2.2 far s0 203.0.113.1 --- server
#
# From the client the server is then 2 routers away (TTL 62), the far
# router 1; from the server the far router is directly attached and the
# client 2 routers away. The lab's router vantage (rtr, -i any) is still
# the client's router. Call it right after lab_setup, before any capture.
LAB_FAR="sm-far-$$"
LAB_RTR4T=192.0.2.1
LAB_FAR4T=192.0.2.2
LAB_RTR6T=2001:db8:3::1
LAB_FAR6T=2001:db8:3::2
lab_far() { lab_in "$LAB_FAR" "$@"; }
lab_far_router() {
    lab_netns_add "$LAB_FAR"
    # deleting the router's end deletes the server's eth0 with it
    lab_rtr ip link del s0 || lab_die "ip link del s0"
    ip link add s0 netns "$LAB_RTR" type veth peer name r0 netns "$LAB_FAR" || lab_die "veth transit"
    ip link add eth0 netns "$LAB_SRV" type veth peer name s0 netns "$LAB_FAR" || lab_die "veth far srv"
    lab_if "$LAB_RTR" s0 "$LAB_RTR4T" "$LAB_RTR6T"
    lab_if "$LAB_FAR" r0 "$LAB_FAR4T" "$LAB_FAR6T"
    lab_if "$LAB_FAR" s0 "$LAB_RTR4S" "$LAB_RTR6S"
    lab_if "$LAB_SRV" eth0 "$LAB_SRV4" "$LAB_SRV6"
    lab_rtr ip route add 203.0.113.0/24 via "$LAB_FAR4T"
    lab_rtr ip -6 route add 2001:db8:2::/64 via "$LAB_FAR6T"
    lab_default_route "$LAB_FAR" "$LAB_RTR4T" "$LAB_RTR6T"
    lab_default_route "$LAB_SRV" "$LAB_RTR4S" "$LAB_RTR6S"
    lab_sysctl "$LAB_FAR" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    sleep 1 # link-local addresses and MLD settle, as in lab_setup
    lab_cli ping -q -c 1 -W 2 "$LAB_SRV4" >/dev/null || lab_die "no route to the server through the far router"
}

# lab_sshd_start [PORT] : own sshd in the server namespace.
lab_sshd_start() {
    local port=${1:-22} d="$LAB_TMP/sshd"
    install -d -m755 /run/sshd
    install -d -m700 "$d"
    [ -f "$d/ssh_host_ed25519_key" ] || {
        ssh-keygen -q -t ed25519 -N '' -f "$d/ssh_host_ed25519_key"
        ssh-keygen -q -t ecdsa -N '' -f "$d/ssh_host_ecdsa_key"
    }
    cat >"$d/sshd_config" <<EOF
Port $port
ListenAddress $LAB_SRV4
ListenAddress $LAB_SRV6
HostKey $d/ssh_host_ed25519_key
HostKey $d/ssh_host_ecdsa_key
PidFile $d/sshd.pid
AuthorizedKeysFile $LAB_TMP/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel ERROR
$LAB_SSHD_EXTRA
EOF
    lab_bg "$LAB_SRV" /usr/sbin/sshd -D -e -f "$d/sshd_config"
    LAB_SSHD_PID=$LAB_LAST_PID
    for _ in $(seq 50); do
        lab_srv ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
        kill -0 "$LAB_SSHD_PID" 2>/dev/null || lab_die "sshd exited"
        sleep 0.1
    done
    lab_die "sshd not listening on $port"
}

lab_sshd_stop() { lab_kill "$LAB_SSHD_PID" TERM; LAB_SSHD_PID=""; }

# lab_capture_start NS IFACE FILE [tcpdump args...]
lab_capture_start() {
    local ns=$1 ifc=$2 file=$3; shift 3
    local err="$LAB_TMP/tcpdump.$RANDOM.err"
    rm -f -- "$file"
    lab_bg "$ns" tcpdump -Z root -U --immediate-mode -n -s "$LAB_SNAPLEN" -i "$ifc" -w "$file" "$@" 2>"$err"
    LAB_CAP_PID=$LAB_LAST_PID
    for _ in $(seq 100); do
        grep -q "listening on" "$err" 2>/dev/null && { sleep 0.2; return 0; }
        kill -0 "$LAB_CAP_PID" 2>/dev/null || { cat "$err" >&2; lab_die "tcpdump exited"; }
        sleep 0.1
    done
    cat "$err" >&2
    lab_die "tcpdump not listening"
}

lab_capture_stop() {
    sleep "${1:-1}"   # let the last ACKs land
    # A packet ring (notably "-i any") may hold the last packets in an
    # unretired block that SIGINT discards; a little unrelated traffic
    # pushes them out. The pings are ICMP echo: sshmortem ignores them.
    lab_cli ping -q -c 2 -i 0.2 -W 1 "$LAB_RTR4C" >/dev/null 2>&1 || true
    sleep 0.3
    lab_kill "$LAB_CAP_PID" INT
    LAB_CAP_PID=""
}

LAB_SSH_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
              -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes
              -o LogLevel=ERROR -o ConnectionAttempts=1)

# lab_ssh HOST PORT CMD... : run the real OpenSSH client in the client ns
# and return its exit status. It runs as a background job we wait for, so a
# TERM/INT to the harness tears down at once instead of after ssh exits.
lab_ssh() {
    lab_ssh_bg "$@" </dev/null
    local pid=$LAB_LAST_PID rc=0
    wait "$pid" || rc=$?
    lab_forget "$pid"
    return "$rc"
}

# lab_ssh_bg HOST PORT CMD... : same, in the background (PID in LAB_LAST_PID).
lab_ssh_bg() {
    local host=$1 port=$2; shift 2
    lab_bg "$LAB_CLI" ssh "${LAB_SSH_OPTS[@]}" -i "$LAB_TMP/id_ed25519" -p "$port" "root@$host" "$@"
}

# ---------------------------------------------------------------- scenarios
# Each scenario_NAME OUT runs after lab_setup and writes OUT.

scenario_normal_v4() {
    lab_sshd_start 22
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 22 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

scenario_normal_v6() {
    lab_sshd_start 22
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV6" 22 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

scenario_port2222() {
    lab_sshd_start 2222
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 2222 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

# Reverse SSH on a port nobody lists: the server namespace opens the TCP
# connection (to the client's port 4444) and runs the real sshd in inetd
# mode (-i) on it; the real ssh client takes the accepted socket from a
# ProxyCommand listener (ProxyUseFdpass: no relay, the kernel's own
# socket). The TCP initiator is the SSH server (ssh.reversed) and neither
# port is 22: only -p auto finds it by content.
scenario_reverse_port4444() {
    lab_sshd_start 4445 # host keys and sshd_config for sshd -i; the daemon idles
    cat >"$LAB_TMP/rev-listen.py" <<EOF
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("$LAB_CLI4", 4444))
s.listen(1)
c, _ = s.accept()
socket.send_fds(socket.socket(fileno=1), [b"x"], [c.fileno()])
EOF
    cat >"$LAB_TMP/rev-connect.py" <<EOF
import os, socket
s = socket.create_connection(("$LAB_CLI4", 4444))
os.dup2(s.fileno(), 0)
os.dup2(s.fileno(), 1)
os.execv("/usr/sbin/sshd", ["sshd", "-i", "-e", "-f", "$LAB_TMP/sshd/sshd_config"])
EOF
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_bg "$LAB_CLI" ssh "${LAB_SSH_OPTS[@]}" -i "$LAB_TMP/id_ed25519" \
        -o ProxyUseFdpass=yes -o "ProxyCommand=/usr/bin/python3 $LAB_TMP/rev-listen.py" \
        root@reverse-peer 'echo hi' </dev/null >"$LAB_TMP/rev.out"
    local cli=$LAB_LAST_PID rc=0 srv
    for _ in $(seq 50); do
        lab_cli ss -Htln "sport = :4444" 2>/dev/null | grep -q . && break
        sleep 0.1
    done
    lab_bg "$LAB_SRV" /usr/bin/python3 "$LAB_TMP/rev-connect.py" 2>"$LAB_TMP/rev-sshd.err"
    srv=$LAB_LAST_PID
    wait "$cli" || rc=$?
    lab_forget "$cli"
    if [ "$rc" != 0 ] || ! grep -qx hi "$LAB_TMP/rev.out"; then
        cat "$LAB_TMP/rev-sshd.err" >&2
        lab_die "reverse ssh failed ($rc)"
    fi
    lab_kill "$srv" TERM
    lab_capture_stop
}

scenario_refused() {
    # no sshd at all: the server kernel answers the SYN with RST
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 22 true && lab_die "ssh unexpectedly succeeded"
    lab_capture_stop
}

scenario_any_sll2() {
    lab_sshd_start 22
    lab_capture_start "$LAB_RTR" any "$1" -y LINUX_SLL2 -B 8192
    lab_ssh "$LAB_SRV4" 22 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

scenario_sll() {
    lab_sshd_start 22
    lab_capture_start "$LAB_CLI" any "$1" -y LINUX_SLL
    lab_ssh "$LAB_SRV4" 22 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

scenario_silent_drop() {
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j DROP
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 22 true && lab_die "ssh unexpectedly succeeded"
    lab_capture_stop 1
}

scenario_rejected_icmp() {
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j REJECT --reject-with icmp-port-unreachable
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 22 true && lab_die "ssh unexpectedly succeeded"
    lab_capture_stop
}

scenario_rejected_icmp6() {
    lab_sshd_start 22
    lab_rtr ip6tables -A FORWARD -p tcp --dport 22 --syn -j REJECT --reject-with icmp6-adm-prohibited
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV6" 22 true && lab_die "ssh unexpectedly succeeded"
    lab_capture_stop
}

scenario_handshake_incomplete() {
    # The client's SYN gets through; everything else it sends (the ACK of the
    # handshake, its banner, retransmissions) is dropped at the router. The
    # server side sees SYN, SYN-ACK retransmitted, never an ACK.
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp -s "$LAB_CLI4" --dport 22 ! --syn -j DROP
    lab_capture_start "$LAB_SRV" eth0 "$1"
    lab_ssh_bg "$LAB_SRV4" 22 true
    local ssh_pid=$LAB_LAST_PID
    # synack_retries=2: SYN-ACK at 0,1,3 s, request dropped at ~7 s
    sleep $(( (1 << (LAB_SYNACK_RETRIES + 1)) ))
    lab_capture_stop 0
    lab_kill "$ssh_pid" TERM
}

scenario_nflog() {
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp --dport 22 -j NFLOG --nflog-group 5
    lab_rtr iptables -A FORWARD -p tcp --sport 22 -j NFLOG --nflog-group 5
    lab_capture_start "$LAB_RTR" nflog:5 "$1"
    lab_ssh "$LAB_SRV4" 22 'echo hi' || lab_die "ssh failed"
    lab_capture_stop
}

scenario_nflog_drop() {
    # A ban as fail2ban's nftables/iptables actions make it, logged first:
    # the SYNs are logged to NFLOG group 5 with the prefix "ssh-ban", then
    # dropped. The capture is the NFLOG group itself (DLT_NFLOG), so each
    # packet carries the rule's prefix.
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j NFLOG --nflog-group 5 \
        --nflog-prefix ssh-ban
    lab_rtr iptables -A FORWARD -p tcp --dport 22 --syn -j DROP
    # The group sees only what is logged: the closing pings to the router
    # are logged too (prefix "ping"), or the file would end at the last SYN
    # and could not show that the capture outlived the connect() schedule
    # (doc/verdicts.md, retransmission-death: item 9).
    lab_rtr iptables -A INPUT -p icmp --icmp-type echo-request -j NFLOG --nflog-group 5 \
        --nflog-prefix ping
    lab_capture_start "$LAB_RTR" nflog:5 "$1"
    lab_ssh "$LAB_SRV4" 22 true && lab_die "ssh unexpectedly succeeded"
    # NFLOG flushes its batch after 1 s: ping 1 s after connect() failed,
    # and give the batch 1.5 s before lab_capture_stop pings again.
    sleep 1
    lab_cli ping -q -c 2 -i 0.2 -W 1 "$LAB_RTR4C" >/dev/null 2>&1 || true
    lab_capture_stop 1.5
}

scenario_rst_before_banner() {
    # A plain TCP listener on port 22 that accepts and closes with
    # SO_LINGER {1,0}: the kernel sends RST, no SSH identification line.
    lab_bg "$LAB_SRV" /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 22)); s.listen(8)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
' "$LAB_SRV4"
    for _ in $(seq 50); do
        lab_srv ss -Htln "sport = :22" | grep -q . && break
        sleep 0.1
    done
    lab_capture_start "$LAB_CLI" eth0 "$1"
    lab_ssh "$LAB_SRV4" 22 true && lab_die "ssh unexpectedly succeeded"
    lab_capture_stop
}

# Corpus scenarios (several vantage points + truth manifest): scenarios.sh.
# shellcheck source=scenarios.sh
. "$(dirname "${BASH_SOURCE[0]}")/scenarios.sh"
# SSH dissector variants and authentication truth: ssh-scenarios.sh.
# shellcheck source=ssh-scenarios.sh
. "$(dirname "${BASH_SOURCE[0]}")/ssh-scenarios.sh"
# Other implementations, sshd settings, nftables, accept-queue overflow:
# var-scenarios.sh (uses scenarios.sh's cx_* helpers).
# shellcheck source=var-scenarios.sh
. "$(dirname "${BASH_SOURCE[0]}")/var-scenarios.sh"

lab_scenarios() { declare -F | awk '{print $3}' | sed -n 's/^scenario_//p' | tr _ -; }

lab_main() {
    [ $# -ge 1 ] || { echo "usage: $0 SCENARIO OUTFILE | list" >&2; return 2; }
    if [ "$1" = list ]; then lab_scenarios; return 0; fi
    if [ "$1" = corpus-list ]; then corpus_scenarios; return 0; fi
    if [ "$1" = corpus ]; then shift; corpus_main "$@"; return; fi
    [ $# -eq 2 ] || { echo "usage: $0 SCENARIO OUTFILE | list" >&2; return 2; }
    local fn="scenario_${1//-/_}" out
    declare -F "$fn" >/dev/null || lab_die "unknown scenario '$1' (try: $0 list)"
    out="$(realpath -m -- "$2")"
    mkdir -p "$(dirname "$out")"
    lab_setup
    "$fn" "$out"
    lab_log "wrote $out ($(stat -c %s "$out") bytes)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    lab_main "$@"
fi
