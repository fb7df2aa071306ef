# summary: corpus scenarios for the lab: every scenario captures at three
# vantage points and writes a truth manifest (sourced by lab.sh).
#
#   tests/lab/lab.sh corpus NAME PREFIX   -> PREFIX.cli.pcap  client ns, eth0
#                                            PREFIX.srv.pcap  server ns, eth0
#                                            PREFIX.rtr.pcap  router ns, -i any
#                                                             -y LINUX_SLL2 -B 8192
#                                            PREFIX.manifest  design truth (TSV)
#
# The manifest is the scenario's DESIGN plus what the OpenSSH client printed
# and its exit status; tests/lab/truth.py turns it into truth rows by finding
# each connection's 4-tuple and first packet in the captures. Nothing here
# ever looks at what sshmortem says.
#
# Manifest lines (tab separated):
#   meta  KEY VALUE                 scenario, ports, idle_min, nat, note
#   conn  IDX VANTAGE VERDICT       VANTAGE: cli srv rtr (client-side tuple)
#                                   rtr_nat (NAT-side tuple on the router);
#                                   VERDICT "absent": never reaches that point
#   alt   IDX VANTAGE ALTS REASON   acceptable alternatives (comma list)
#   client IDX RC STDERR            what the client printed (trimmed), exit status
# Connections are numbered in the order of their first SYN in the client
# capture; scenarios start them one after the other so the order is the design.

CX_PREFIX=""
CX_FAM=4
CX_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
declare -A CX_PID=()
: "${CX_SNAPLEN:=256}"
CX_SSH_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
             -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes
             -o LogLevel=INFO -o ConnectionAttempts=1)

cx_dst() { if [ "$CX_FAM" = 6 ]; then echo "$LAB_SRV6"; else echo "$LAB_SRV4"; fi; }
cx_ipt() { if [ "$CX_FAM" = 6 ]; then lab_rtr ip6tables "$@"; else lab_rtr iptables "$@"; fi; }
cx_m() { local IFS=$'\t'; echo "$*" >>"$CX_PREFIX.manifest"; }
cx_meta() { cx_m meta "$1" "$2"; }
# cx_conn IDX CLI SRV RTR [RTR_NAT]
cx_conn() {
    cx_m conn "$1" cli "$2"; cx_m conn "$1" srv "$3"; cx_m conn "$1" rtr "$4"
    [ -z "${5:-}" ] || cx_m conn "$1" rtr_nat "$5"
}
# cx_alt IDX VANTAGES(comma|all) ALTS REASON
cx_alt() {
    local v vs=$2
    [ "$vs" = all ] && vs=cli,srv,rtr
    for v in ${vs//,/ }; do cx_m alt "$1" "$v" "$3" "$4"; done
}

# Per-namespace kernel knob for this scenario (client and server).
cx_sysctl_ends() { lab_sysctl "$LAB_CLI" "$@"; lab_sysctl "$LAB_SRV" "$@"; }

cx_cap() { # NS IFACE FILE [args]
    lab_capture_start "$@"
    LAB_CAP_PIDS+=("$LAB_CAP_PID")
    LAB_CAP_PID=""
}

cx_caps_start() {
    local snap=$LAB_SNAPLEN
    LAB_SNAPLEN=$CX_SNAPLEN
    cx_cap "$LAB_CLI" eth0 "$CX_PREFIX.cli.pcap"
    cx_cap "$LAB_SRV" eth0 "$CX_PREFIX.srv.pcap"
    cx_cap "$LAB_RTR" any "$CX_PREFIX.rtr.pcap" -y LINUX_SLL2 -B 8192
    LAB_SNAPLEN=$snap
}

cx_caps_stop() {
    local pid
    sleep "${1:-1}"
    # flush the rings (see lab_capture_stop): ICMP echo on both links
    lab_cli ping -q -c 2 -i 0.2 -W 1 "$LAB_RTR4C" >/dev/null 2>&1 || true
    lab_srv ping -q -c 2 -i 0.2 -W 1 "$LAB_RTR4S" >/dev/null 2>&1 || true
    sleep 0.3
    for pid in "${LAB_CAP_PIDS[@]}"; do lab_kill "$pid" INT; done
    LAB_CAP_PIDS=()
}

# cx_ssh_bg IDX PORT [ssh options...] -- REMOTE-CMD
# Real OpenSSH client in the client ns; stdout discarded, stderr kept,
# stdin from $CX_STDIN (default /dev/null).
cx_ssh_bg() {
    cx_jitter
    local idx=$1 port=$2; shift 2
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    # The redirections sit on the asynchronous command itself: bash gives a
    # background job without an explicit stdin redirection /dev/null.
    ip netns exec "$LAB_CLI" ssh "${CX_SSH_OPTS[@]}" "${opts[@]}" -i "$LAB_TMP/id_ed25519" \
        -p "$port" "root@$(cx_dst)" "$@" \
        <"${CX_STDIN:-/dev/null}" >"$LAB_TMP/ssh.$idx.out" 2>"$LAB_TMP/ssh.$idx.err" &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
    CX_PID[$idx]=$LAB_LAST_PID
}

# Timing variation (tests/lab/stability.sh): with LAB_JITTER_MS set, every
# client starts after a random 0..LAB_JITTER_MS ms pause.
cx_jitter() {
    [ -n "${LAB_JITTER_MS:-}" ] && [ "$LAB_JITTER_MS" -gt 0 ] || return 0
    sleep "$(printf '0.%03d' $((RANDOM % (LAB_JITTER_MS + 1) % 1000)))"
}

cx_stderr() { # IDX -> trimmed one-line stderr
    grep -v '^Warning: Permanently added' "$LAB_TMP/ssh.$1.err" 2>/dev/null |
        tr -d '\r' | sed 's/[[:space:]]*$//' | grep -v '^$' | paste -sd'|' | sed 's/|/ | /g' | cut -c1-400
}

# cx_ssh_wait IDX WANT [TIMEOUT]: wait for ssh IDX; WANT is 0, nonzero or any.
# A client outcome other than the design's is a setup flake: die, and
# make-lab.sh runs the scenario again.
cx_ssh_wait() {
    local idx=$1 want=$2 tmo=${3:-60} pid=${CX_PID[$1]} rc=0 t=0
    while kill -0 "$pid" 2>/dev/null && [ "$t" -lt $((tmo * 10)) ]; do sleep 0.1; t=$((t + 1)); done
    kill -0 "$pid" 2>/dev/null && lab_die "ssh #$idx still running after ${tmo}s (design not met)"
    wait "$pid" || rc=$?
    lab_forget "$pid"
    cx_m client "$idx" "$rc" "$(cx_stderr "$idx")"
    case $want in
        0) [ "$rc" = 0 ] || lab_die "ssh #$idx exited $rc, design wants 0: $(cx_stderr "$idx")" ;;
        nonzero) [ "$rc" != 0 ] || lab_die "ssh #$idx succeeded, design wants a failure" ;;
    esac
    return 0
}

# cx_wait_output IDX [TIMEOUT]: wait until client IDX's remote command has
# printed something (login done, session running). Scenarios that break
# the path "mid-transfer" wait for it first: on a loaded machine a fixed
# sleep after starting ssh could still be inside the key exchange, which
# is another scenario (doc/lab.md, stability).
cx_wait_output() {
    local t=0
    while [ ! -s "$LAB_TMP/ssh.$1.out" ] && [ "$t" -lt $((${2:-20} * 10)) ]; do sleep 0.1; t=$((t + 1)); done
    [ -s "$LAB_TMP/ssh.$1.out" ] || lab_die "ssh #$1 printed nothing in ${2:-20}s: session not established"
}

# cx_drop_tcp_after SECONDS: after SECONDS of ssh #1's session (which
# must still be running), the router drops all TCP: the mid-transfer
# blackhole of blackhole, loss-brief and dead-peer-fin.
cx_drop_tcp_after() {
    sleep "$1"
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended before the router's drop"
    lab_rtr iptables -I FORWARD -p tcp -j DROP
}

# cx_ssh_end IDX: the lab ends a client that the design leaves running.
cx_ssh_end() {
    local idx=$1 pid=${CX_PID[$1]} rc=0
    kill -0 "$pid" 2>/dev/null || lab_die "ssh #$idx ended before the lab stopped it: $(cx_stderr "$idx")"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" || rc=$?
    lab_forget "$pid"
    local err
    err=$(cx_stderr "$idx")
    cx_m client "$idx" "$rc" "still running when the captures stopped; then ended by the lab (SIGTERM)${2:+; $2}${err:+ | $err}"
}

cx_py_bg() { # NS MODE ADDR PORT : start listeners.py, wait for its first line
    local ns=$1 f="$LAB_TMP/py.$RANDOM"
    lab_bg "$ns" /usr/bin/python3 "$CX_HERE/listeners.py" "$2" "$3" "$4" >"$f" 2>&1
    for _ in $(seq 100); do [ -s "$f" ] && return 0; sleep 0.05; done
    lab_die "listeners.py $2 did not start: $(cat "$f")"
}

# cx_wait_dead [TIMEOUT]: after a designed death, wait until neither end
# has a socket left on port 22 but its listener (each kernel gave up on
# tcp_retries2, one RTO after its last retransmission), then one second
# more. A capture stopped at the client's exit could end inside the other
# side's retransmission schedule, which proves no death: sshmortem calls
# that unfinished (doc/verdicts.md, retransmission-death). A real sensor
# keeps running; the lab's captures end after the failure like one.
cx_wait_dead() {
    local t=0 tmo=$((${1:-40} * 10))
    while [ "$t" -lt "$tmo" ]; do
        lab_cli ss -Htn "( sport = :22 or dport = :22 )" | grep -q . ||
            lab_srv ss -Htn "( sport = :22 or dport = :22 )" | grep -q . || break
        sleep 0.1; t=$((t + 1))
    done
    [ "$t" -lt "$tmo" ] || lab_die "a socket on port 22 still open ${1:-40}s after the death (design not met)"
    sleep 1
}

cx_wait_listen() { # PORT
    for _ in $(seq 50); do lab_srv ss -Htln "sport = :$1" | grep -q . && return 0; sleep 0.1; done
    lab_die "nothing listening on $1"
}

# ------------------------------------------------------------------ scenarios

cx_normal() { # port
    local port=${1:-22}
    lab_sshd_start "$port"
    cx_caps_start
    cx_ssh_bg 1 "$port" -- 'echo hi'
    cx_ssh_wait 1 0
    cx_caps_stop
    cx_conn 1 normal-close normal-close normal-close
}
corpus_normal() { cx_normal 22; }
corpus_normal_v6() { CX_FAM=6; cx_normal 22; }
corpus_port2222() { cx_normal 2222; }

corpus_loss10() {
    # 10 % random loss in both directions; a small transfer must still end
    # in an orderly close. Which packets die differs per run (by design).
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp -m statistic --mode random --probability 0.1 -j DROP
    cx_caps_start
    cx_ssh_bg 1 22 -- 'head -c 30000 /dev/zero'
    cx_ssh_wait 1 0 40
    cx_caps_stop 3
    cx_meta note "iptables -A FORWARD -p tcp -m statistic --mode random --probability 0.1 -j DROP; ssh 'head -c 30000 /dev/zero'"
    cx_conn 1 normal-close normal-close normal-close
}

cx_refused() {
    # no sshd: the server kernel answers the SYN with RST,ACK
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_conn 1 refused refused refused
}
corpus_refused() { cx_refused; }
corpus_refused_v6() { CX_FAM=6; cx_refused; }

cx_reject_rst() {
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -j REJECT --reject-with tcp-reset
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "router REJECT --reject-with tcp-reset of SYNs: RST forged by the router"
    cx_conn 1 refused absent refused
}
corpus_reject_rst() { cx_reject_rst; }
corpus_reject_rst_v6() { CX_FAM=6; cx_reject_rst; }

cx_reject_icmp() { # reject-with
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -j REJECT --reject-with "$1"
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "router REJECT --reject-with $1 of SYNs"
    cx_conn 1 rejected-icmp absent rejected-icmp
}
corpus_reject_icmp_admin() { cx_reject_icmp icmp-admin-prohibited; }
corpus_reject_icmp_port() { cx_reject_icmp icmp-port-unreachable; }
corpus_reject_icmp6_admin() { CX_FAM=6; cx_reject_icmp icmp6-adm-prohibited; }
corpus_reject_icmp6_port() { CX_FAM=6; cx_reject_icmp icmp6-port-unreachable; }

cx_silent_drop() {
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -j DROP
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero 40
    cx_caps_stop
    cx_conn 1 silent-drop absent silent-drop
}
corpus_silent_drop() { cx_silent_drop; }
corpus_silent_drop_v6() { CX_FAM=6; cx_silent_drop; }
corpus_silent_drop_linear() {
    # the kernel's own SYN schedule: tcp_syn_linear_timeouts=4 (default),
    # tcp_syn_retries=3: SYNs 1 s apart, then doubling; tcp_syn_retries
    # is a time budget computed as if backoff were exponential (1+2+4+8 s),
    # so more SYNs than tcp_syn_retries+1 are sent
    lab_sysctl "$LAB_CLI" net.ipv4.tcp_syn_linear_timeouts=4 net.ipv4.tcp_syn_retries=3
    cx_meta note "client tcp_syn_linear_timeouts=4 tcp_syn_retries=3"
    cx_silent_drop
}

corpus_ban() {
    # fail2ban-like: the 4th SYN within 60 s from the same source is dropped
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -m recent --name smban --rcheck --seconds 60 --hitcount 3 -j DROP
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -m recent --name smban --set
    cx_caps_start
    local i
    for i in 1 2 3; do cx_ssh_bg "$i" 22 -- true; cx_ssh_wait "$i" 0; done
    cx_ssh_bg 4 22 -- true
    sleep 0.3
    cx_ssh_bg 5 22 -- true
    cx_ssh_wait 4 nonzero 40
    cx_ssh_wait 5 nonzero 40
    cx_caps_stop
    cx_meta note "iptables -m recent --rcheck --seconds 60 --hitcount 3 -j DROP, then --set: connections 1-3 pass, 4-5 banned"
    for i in 1 2 3; do cx_conn "$i" normal-close normal-close normal-close; done
    for i in 4 5; do cx_conn "$i" silent-drop absent silent-drop; done
}

corpus_maxstartups() {
    # MaxStartups 1:100:1: with one unauthenticated connection pending
    # (a silent TCP client holding it), sshd drops every new one.
    LAB_SSHD_EXTRA="MaxStartups 1:100:1" lab_sshd_start 22
    cx_caps_start
    cx_py_bg "$LAB_CLI" hold "$(cx_dst)" 22
    sleep 0.3
    cx_ssh_bg 2 22 -- true
    cx_ssh_wait 2 nonzero
    cx_caps_stop
    cx_m client 1 - "python holder (listeners.py hold): reads the server banner, stays silent and open"
    cx_conn 1 unfinished unfinished unfinished
    local err
    err=$(cx_stderr 2)
    # sshd 9.2 writes "Exceeded MaxStartups\r\n" and closes; FIN or RST
    # depends on whether the client's banner was already in its buffer.
    case $err in
        *"reset by peer"*)
            cx_conn 2 rst-before-banner rst-before-banner rst-before-banner
            cx_alt 2 all closed-before-banner "sshd wrote 'Exceeded MaxStartups' then closed; the client's banner was unread, so the close became a RST (the client printed 'reset by peer')" ;;
        *"closed by remote host"*)
            cx_conn 2 closed-before-banner closed-before-banner closed-before-banner
            cx_alt 2 all rst-before-banner "after sshd's FIN the client's banner can hit the closed socket and draw a RST: FIN and RST race" ;;
        *) lab_die "unexpected client message: $err" ;;
    esac
    cx_meta note "sshd MaxStartups 1:100:1; connection 1 held open pre-auth by a silent TCP client"
}

corpus_maxstartups_fin() {
    # The other ordering of the maxstartups race, made certain: the refused
    # client's identification line reaches sshd only after sshd wrote
    # "Exceeded MaxStartups" and closed (FIN), so the closed socket answers
    # it with a RST. The client (real ssh, through a ProxyCommand relay that
    # holds its first bytes until the server's FIN) reads the text and the
    # end of file first: "Connection closed by remote host".
    LAB_SSHD_EXTRA="MaxStartups 1:100:1" lab_sshd_start 22
    cx_caps_start
    cx_py_bg "$LAB_CLI" hold "$(cx_dst)" 22
    sleep 0.3
    cx_ssh_bg 2 22 -o "ProxyCommand=/usr/bin/python3 $CX_HERE/listeners.py proxy-late %h %p" -- true
    cx_ssh_wait 2 nonzero
    cx_caps_stop
    cx_m client 1 - "python holder (listeners.py hold): reads the server banner, stays silent and open"
    cx_conn 1 unfinished unfinished unfinished
    local err
    err=$(cx_stderr 2)
    case $err in
        *"closed by remote host"*)
            cx_conn 2 closed-before-banner closed-before-banner closed-before-banner ;;
        *) lab_die "unexpected client message: $err" ;;
    esac
    cx_meta note "sshd MaxStartups 1:100:1; connection 1 held open pre-auth by a silent TCP client; connection 2 is ssh through listeners.py proxy-late (its identification line sent after sshd's FIN)"
}

corpus_rst_before_banner() {
    cx_py_bg "$LAB_SRV" rst "$(cx_dst)" 22
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_conn 1 rst-before-banner rst-before-banner rst-before-banner
}

corpus_no_banner() {
    cx_py_bg "$LAB_SRV" silent "$(cx_dst)" 22
    cx_caps_start
    cx_ssh_bg 1 22 -o ConnectTimeout=3 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "listener accepts and never writes; ssh -o ConnectTimeout=3"
    cx_conn 1 no-banner no-banner no-banner
}

corpus_hs_ack_drop() {
    # everything from the client but its SYN is dropped at the router
    lab_sshd_start 22
    lab_rtr iptables -A FORWARD -p tcp -s "$LAB_CLI4" --dport 22 ! --syn -j DROP
    # ssh exits on ConnectTimeout while its socket still retransmits the
    # banner: that orphan gives up after 2 retries instead of 8 (~100 s),
    # and the captures stop after it did (cx_wait_dead)
    lab_sysctl "$LAB_CLI" net.ipv4.tcp_orphan_retries=2
    cx_caps_start
    cx_ssh_bg 1 22 -o ConnectTimeout=5 -- true
    cx_ssh_wait 1 nonzero
    cx_wait_dead
    cx_caps_stop 0
    cx_meta note "router drops every non-SYN client packet; server tcp_synack_retries=2; ssh ConnectTimeout=5; client tcp_orphan_retries=2; captures stop 1 s after both ends dropped the socket"
    cx_conn 1 handshake-incomplete handshake-incomplete handshake-incomplete
    cx_alt 1 cli,rtr no-banner,retransmission-death "before the router the client's ACK and banner are on the wire: the client thinks it is connected, retransmits its banner and gives up waiting for the server's; only the SYN-ACK retransmissions say the ACK was lost"
}

cx_kex() {
    LAB_SSHD_EXTRA="KexAlgorithms curve25519-sha256" lab_sshd_start 22
    cx_caps_start
    cx_ssh_bg 1 22 -o KexAlgorithms=diffie-hellman-group14-sha256 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "sshd KexAlgorithms curve25519-sha256; ssh -o KexAlgorithms=diffie-hellman-group14-sha256"
    cx_conn 1 kex-failed kex-failed kex-failed
}
corpus_kex_mismatch() { cx_kex; }
corpus_kex_mismatch_v6() { CX_FAM=6; cx_kex; }

cx_not_ssh() { # mode
    cx_py_bg "$LAB_SRV" "$1" "$(cx_dst)" 22
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "tests/lab/listeners.py $1 on port 22"
    cx_conn 1 not-ssh not-ssh not-ssh
}
corpus_not_ssh_smtp() { cx_not_ssh smtp; }
corpus_not_ssh_http() { cx_not_ssh http; }

# cx_say IDX TEXT: a python client (listeners.py say) sends TEXT to sshd and
# reads its answer until sshd closes; the manifest keeps what came back.
cx_say() {
    local f="$LAB_TMP/say.$1"
    lab_cli /usr/bin/python3 "$CX_HERE/listeners.py" say "$(cx_dst)" 22 "$2" >"$f" 2>&1 ||
        lab_die "listeners.py say failed: $(cat "$f")"
    cx_m client "$1" - "python client (listeners.py say '$2'): $(tr -d '\n' <"$f" | cut -c1-200)"
}

# Other services on the SSH port, met by the real ssh client: each is
# not-ssh, whether the service then closes (FIN), resets or stays open.
corpus_not_ssh_webserver() {
    # Python's http.server reads ssh's identification line as an HTTP/0.9
    # request and answers with a bare HTML error page (no status line).
    lab_bg "$LAB_SRV" /usr/bin/python3 -m http.server --bind "$(cx_dst)" 22
    cx_wait_listen 22
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "python3 -m http.server on port 22 (an HTML page, then FIN)"
    cx_conn 1 not-ssh not-ssh not-ssh
}

corpus_not_ssh_tls() {
    # A TLS server (openssl s_server, OpenSSL 3) reads ssh's identification
    # line as a TLS record ("wrong version number") and closes without a
    # byte: nothing on the wire names TLS (the same for ssh -p 443 to an
    # OpenSSL-based HTTPS server).
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=lab.example -keyout "$LAB_TMP/tls.key" -out "$LAB_TMP/tls.crt" 2>/dev/null ||
        lab_die "openssl req failed"
    lab_bg "$LAB_SRV" openssl s_server -quiet -accept 22 -cert "$LAB_TMP/tls.crt" \
        -key "$LAB_TMP/tls.key"
    cx_wait_listen 22
    cx_caps_start
    cx_ssh_bg 1 22 -o ConnectTimeout=3 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "openssl s_server on port 22 (closes without sending a byte); ssh ConnectTimeout=3"
    cx_conn 1 closed-before-banner closed-before-banner closed-before-banner
}

corpus_not_ssh_pop3() {
    # A POP3 greeting, then the server stays open and silent: ssh skips the
    # line as pre-banner text and gives up after ConnectTimeout.
    cx_py_bg "$LAB_SRV" pop3 "$(cx_dst)" 22
    cx_caps_start
    cx_ssh_bg 1 22 -o ConnectTimeout=3 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "tests/lab/listeners.py pop3 on port 22 (greeting, then open and silent); ssh ConnectTimeout=3"
    cx_conn 1 not-ssh not-ssh not-ssh
}

corpus_not_ssh_mysql() {
    # A MySQL greeting, an error for ssh's line, then a RST.
    cx_py_bg "$LAB_SRV" mysql "$(cx_dst)" 22
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_caps_stop
    cx_meta note "tests/lab/listeners.py mysql on port 22 (MySQL 8.0 greeting, error 1156, RST)"
    cx_conn 1 not-ssh not-ssh not-ssh
}

corpus_tls_client() {
    # A TLS client (openssl s_client) to sshd: a ClientHello where the
    # identification line belongs.
    lab_sshd_start 22
    cx_caps_start
    local f="$LAB_TMP/s_client.out"
    lab_cli timeout 10 openssl s_client -connect "$(cx_dst):22" -servername lab.example \
        </dev/null >"$f" 2>&1 || true
    cx_m client 1 - "openssl s_client: $(grep -a -m1 -i 'error\|errno' "$f" | cut -c1-200)"
    cx_caps_stop
    cx_meta note "real sshd on port 22; openssl s_client -connect (a TLS ClientHello)"
    cx_conn 1 not-ssh not-ssh not-ssh
}

corpus_protocol_mismatch() {
    # A client whose first line is not an SSH identification string: sshd
    # sends its own identification line, answers with an error text and
    # closes. A protocol failure of the client, never an orderly close.
    lab_sshd_start 22
    cx_caps_start
    cx_say 1 'hello\r\n'
    sleep 0.3
    cx_say 2 'GET / HTTP/1.0\r\n\r\n'
    cx_caps_stop
    cx_meta note "real sshd on port 22; python clients send 'hello' and an HTTP request instead of an SSH identification line"
    cx_conn 1 not-ssh not-ssh not-ssh
    cx_conn 2 not-ssh not-ssh not-ssh
}

# NAT with a 5 s established timeout; INVALID dropped in FORWARD and INPUT
# (the NAT address is the router's own, so late replies go to INPUT).
cx_nat_setup() { # loose
    lab_sshd_start 22
    lab_rtr iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE
    lab_rtr iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
    lab_rtr iptables -A INPUT -m conntrack --ctstate INVALID -j DROP
    lab_sysctl "$LAB_RTR" net.netfilter.nf_conntrack_tcp_timeout_established=5 \
        net.netfilter.nf_conntrack_tcp_loose="$1"
    cx_sysctl_ends net.ipv4.tcp_retries2=4
    cx_meta nat "$LAB_RTR4S"
    cx_meta idle_min 4
}

corpus_nat_expiry_server() {
    cx_nat_setup 0
    cx_caps_start
    cx_ssh_bg 1 22 -- 'sleep 9; echo x'
    sleep 19
    cx_caps_stop 0
    cx_ssh_end 1 "it never heard of the server again"
    cx_meta note "MASQUERADE, conntrack established timeout 5 s, nf_conntrack_tcp_loose=0, INVALID dropped; ssh 'sleep 9; echo x': the server's late output is dropped, the server retransmits to death (tcp_retries2=4)"
    cx_conn 1 unfinished state-table-timeout unfinished state-table-timeout
}

corpus_nat_expiry_client() {
    cx_nat_setup 0
    mkfifo "$LAB_TMP/stdin"
    exec 7<>"$LAB_TMP/stdin"
    CX_STDIN="$LAB_TMP/stdin"
    cx_caps_start
    cx_ssh_bg 1 22 -- 'read l; echo got $l'
    CX_STDIN=""
    sleep 9
    echo late >&7
    cx_ssh_wait 1 nonzero 30
    cx_caps_stop 2
    exec 7>&-
    cx_meta note "MASQUERADE, conntrack established timeout 5 s, nf_conntrack_tcp_loose=0, INVALID dropped; ssh 'read l' with stdin written after 9 s idle: the client's late packet is dropped, the client retransmits to death (tcp_retries2=4)"
    cx_conn 1 state-table-timeout unfinished state-table-timeout unfinished
}

corpus_nat_expiry_short() {
    # A state-table timeout shorter than --idle-min (issue 22 item 4): the
    # NAT forgets an idle session after 35 s, the client speaks after 40 s
    # of silence and retransmits to death. Scored with the default
    # --idle-min (240 s): the silence still counts, at lower confidence,
    # because it was far longer than the session's earlier pauses.
    cx_nat_setup 0
    lab_sysctl "$LAB_RTR" net.netfilter.nf_conntrack_tcp_timeout_established=35
    cx_meta idle_min 240
    mkfifo "$LAB_TMP/stdin"
    exec 7<>"$LAB_TMP/stdin"
    CX_STDIN="$LAB_TMP/stdin"
    cx_caps_start
    cx_ssh_bg 1 22 -- 'read l; echo got $l'
    CX_STDIN=""
    sleep 40
    echo late >&7
    cx_ssh_wait 1 nonzero 40
    cx_caps_stop 2
    exec 7>&-
    cx_meta note "MASQUERADE, conntrack established timeout 35 s, nf_conntrack_tcp_loose=0, INVALID dropped; ssh 'read l' with stdin written after 40 s idle: the client's late packet is dropped, the client retransmits to death (tcp_retries2=4); scored with --idle-min 240"
    cx_conn 1 state-table-timeout unfinished state-table-timeout unfinished
}

corpus_idle_timeout() {
    # The path's idle timeout learned across connections (issue 22 item 4):
    # four sessions through one NAT whose conntrack forgets idle TCP after
    # 20 s. Each waits on its stdin, written after its own silence: 12 s
    # and 17 s survive (normal close), 33 s and 37 s die (the client's late
    # packet is INVALID and dropped; it retransmits to death). sshmortem
    # should infer the timeout as an interval (longest survived silence,
    # shortest fatal one) in an ssh_pattern event. Scored with the default
    # --idle-min 240: the fatal silences count by the session's rhythm.
    cx_nat_setup 0
    lab_sysctl "$LAB_RTR" net.netfilter.nf_conntrack_tcp_timeout_established=20
    cx_meta idle_min 240
    local i wait=(0 12 33 17 37)
    for i in 1 2 3 4; do
        mkfifo "$LAB_TMP/stdin.$i"
    done
    exec 5<>"$LAB_TMP/stdin.1" 6<>"$LAB_TMP/stdin.2" 7<>"$LAB_TMP/stdin.3" 8<>"$LAB_TMP/stdin.4"
    cx_caps_start
    local t0=$SECONDS
    for i in 1 2 3 4; do
        CX_STDIN="$LAB_TMP/stdin.$i"
        cx_ssh_bg "$i" 22 -- 'read l; echo got $l'
        sleep 0.3
    done
    CX_STDIN=""
    # Write each session's stdin at its own time (from the start of its ssh).
    local order=(1 3 2 4) fd
    for i in "${order[@]}"; do
        local at=$(( wait[i] ))
        while [ $((SECONDS - t0)) -lt "$at" ]; do sleep 0.2; done
        fd=$((i + 4))
        echo late >&"$fd"
    done
    cx_ssh_wait 1 0 10
    cx_ssh_wait 3 0 10
    cx_ssh_wait 2 nonzero 40
    cx_ssh_wait 4 nonzero 40
    cx_caps_stop 2
    exec 5>&- 6>&- 7>&- 8>&-
    cx_meta note "MASQUERADE, conntrack established timeout 20 s, nf_conntrack_tcp_loose=0, INVALID dropped; four ssh 'read l' sessions with stdin written after 12, 33, 17 and 37 s of silence: 12 s and 17 s survive (normal close), 33 s and 37 s die (the client's late packet is dropped, it retransmits to death, tcp_retries2=4); scored with --idle-min 240"
    cx_conn 1 normal-close normal-close normal-close normal-close
    cx_conn 2 state-table-timeout unfinished state-table-timeout unfinished
    cx_conn 3 normal-close normal-close normal-close normal-close
    cx_conn 4 state-table-timeout unfinished state-table-timeout unfinished
}

corpus_nat_expiry_loose() {
    cx_nat_setup 1
    cx_caps_start
    cx_ssh_bg 1 22 -- 'sleep 9; echo x'
    sleep 12
    cx_caps_stop 0
    cx_ssh_end 1 "it never heard of the server again"
    cx_meta note "as nat-expiry-server but nf_conntrack_tcp_loose=1 (default): the late server packet is picked up as NEW, addressed to the router itself, and the router's TCP answers RST (TTL 64, not the client's 63)"
    cx_conn 1 unfinished state-table-timeout unfinished state-table-timeout
    cx_alt 1 srv,rtr_nat reset "the server is reset by a middlebox; only the 9 s idle before it says it was the state table"
}

corpus_nat_rebind() {
    # A NAT that lost its mapping and made a new one (issue 22 item 12):
    # MASQUERADE --random-fully, so a new mapping gets another source port;
    # nf_conntrack_tcp_loose=1 (the default), so the client's next packet
    # after the loss is picked up as a new mapping mid-stream. The
    # session's conntrack entry is deleted (conntrack -D) while it is idle;
    # then the client sends: the server sees that packet on a new 4-tuple
    # with the connection's next sequence numbers and answers with a RST,
    # which the NAT translates back to the client. One death, seen at the
    # server (and on the NAT's outside) as a silent connection plus a
    # mid-stream fragment: sshmortem must join them into one event.
    lab_sshd_start 22
    lab_rtr iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE --random-fully
    lab_sysctl "$LAB_RTR" net.netfilter.nf_conntrack_tcp_loose=1
    cx_meta nat "$LAB_RTR4S"
    cx_meta idle_min 4
    mkfifo "$LAB_TMP/stdin"
    exec 7<>"$LAB_TMP/stdin"
    CX_STDIN="$LAB_TMP/stdin"
    cx_caps_start
    cx_ssh_bg 1 22 -- 'read l; echo got $l'
    CX_STDIN=""
    sleep 4
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended before the idle period"
    lab_rtr conntrack -D -p tcp --dport 22 >/dev/null 2>&1 ||
        lab_die "conntrack -D found no entry for the session"
    sleep 4
    echo late >&7
    cx_ssh_wait 1 nonzero 20
    cx_caps_stop 1
    exec 7>&-
    # The design needs the server to have seen the late packet on a new
    # port: a second server-side tuple from the NAT address without SYN.
    [ "$(/usr/bin/python3 "$CX_HERE/truth.py" conns "$CX_PREFIX.srv.pcap" | grep -c "$LAB_RTR4S")" -ge 2 ] ||
        lab_die "the late packet did not reach the server on a new mapping"
    cx_meta note "MASQUERADE --random-fully, nf_conntrack_tcp_loose=1; ssh 'read l' idle 4 s, conntrack -D of the session, 4 s later stdin written: the late packet gets a new NAT mapping (another source port), the server answers it with a RST, which reaches the client"
    cx_conn 1 state-table-timeout state-table-timeout state-table-timeout state-table-timeout
}

# The blackhole: the server (started by START...) streams to ssh, then the
# router drops all TCP. WHO names the server in the note.
cx_blackhole() { # WHO START...
    local who=$1
    shift
    "$@"
    # tcp_orphan_retries: ssh exits on its keepalive timeout while its
    # socket still retransmits; that orphan gives up like the others
    # (default 8: ~100 s), before cx_wait_dead lets the captures stop
    cx_sysctl_ends net.ipv4.tcp_retries2=4 net.ipv4.tcp_orphan_retries=4
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=1 -o ServerAliveCountMax=3 -- \
        'for i in $(seq 200); do head -c 1000 /dev/zero; sleep 0.05; done'
    cx_wait_output 1
    cx_drop_tcp_after 1.5
    cx_ssh_wait 1 nonzero 30
    cx_wait_dead
    cx_caps_stop 0
    cx_meta note "$who streams 1000 B every 50 ms; after 1.5 s router iptables -I FORWARD -p tcp -j DROP; tcp_retries2=4 tcp_orphan_retries=4; ssh ServerAliveInterval=1 ServerAliveCountMax=3; captures stop 1 s after both ends dropped the socket"
    cx_conn 1 retransmission-death retransmission-death retransmission-death
}

corpus_blackhole() {
    cx_blackhole server lab_sshd_start 22
}

corpus_upload_cut() {
    # A transfer cut mid-stream is not idleness (issue 22 item 5): the
    # client uploads 1000 B every 50 ms while the server prints a line
    # every 0.5 s; after 2 s the router drops all TCP. Both sides
    # retransmit with backoff (tcp_retries2=6: the last gaps are 6.4 s,
    # longer than the lab's --idle-min 4) until they give up. Data was in
    # flight when the silence began: retransmission-death at every
    # vantage point, never state-table-timeout.
    lab_sshd_start 22
    cx_sysctl_ends net.ipv4.tcp_retries2=6 net.ipv4.tcp_orphan_retries=6
    mkfifo "$LAB_TMP/upload"
    /bin/sh -c 'while :; do head -c 1000 /dev/zero || exit 0; sleep 0.05; done' \
        >"$LAB_TMP/upload" 2>/dev/null &
    LAB_PIDS+=("$!")
    local writer=$!
    cx_caps_start
    CX_STDIN="$LAB_TMP/upload"
    cx_ssh_bg 1 22 -- 'while :; do echo tick; sleep 0.5; done & cat >/dev/null'
    CX_STDIN=""
    sleep 2
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended before the cut"
    lab_rtr iptables -I FORWARD -p tcp -j DROP
    cx_ssh_wait 1 nonzero 45
    lab_kill "$writer"
    lab_forget "$writer"
    cx_wait_dead 60
    cx_caps_stop 0
    cx_meta note "client uploads 1000 B every 50 ms (stdin), server prints a line every 0.5 s; after 2 s router iptables -I FORWARD -p tcp -j DROP; tcp_retries2=6 (backoff gaps up to 6.4 s > --idle-min 4): data in flight when the silence began; captures stop 1 s after both ends dropped the socket"
    cx_conn 1 retransmission-death retransmission-death retransmission-death
}

corpus_loss50() {
    lab_sshd_start 22
    cx_sysctl_ends net.ipv4.tcp_retries2=3 net.ipv4.tcp_orphan_retries=3
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=1 -o ServerAliveCountMax=4 -- \
        'while head -c 500 /dev/zero; do sleep 0.1; done'
    cx_wait_output 1
    sleep 1
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended before the loss"
    lab_rtr iptables -I FORWARD -p tcp -m statistic --mode random --probability 0.5 -j DROP
    cx_ssh_wait 1 nonzero 45
    cx_wait_dead
    cx_caps_stop 0
    cx_meta note "server streams 500 B every 100 ms; after 1 s 50 % random loss both ways (statistic) until the session dies; tcp_retries2=3 tcp_orphan_retries=3; ssh ServerAliveInterval=1 ServerAliveCountMax=4; captures stop 1 s after both ends dropped the socket"
    cx_conn 1 retransmission-death retransmission-death retransmission-death
}

corpus_dead_peer_fin() {
    # The order loss50 sometimes produces (issue 22; doc/verdicts.md,
    # retransmission-death, "When events race"), made deterministic: the
    # server's socket dies first (tcp_retries2), then ssh's keepalive
    # timeout closes the client, and its FIN reaches a server kernel with no
    # socket left, which answers with a RST. The server streams; the router
    # drops all TCP (the client's keepalive is retransmitted unanswered,
    # the server's data too); after 10 s only the server's data segments
    # stay dropped (its bare ACKs pass, as some do under random loss): the
    # client's keepalive is acknowledged but never answered, the server
    # (tcp_retries2=5: last retransmission ~6.7 s, death ~13.5 s after the
    # drop) gives up, and ssh (ServerAliveInterval=8, ServerAliveCountMax=1:
    # keepalive at 8 s, retransmitted until 11 s, timeout at 16 s) closes.
    # (With the drop simply removed, Linux never sends the FIN before the
    # retransmitted keepalive is acknowledged: the RST answers that
    # keepalive, not a FIN, already retransmission-death.)
    lab_sshd_start 22
    lab_sysctl "$LAB_SRV" net.ipv4.tcp_retries2=5
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=8 -o ServerAliveCountMax=1 -- \
        'while head -c 500 /dev/zero; do sleep 0.1; done'
    cx_wait_output 1
    cx_drop_tcp_after 1
    sleep 10
    # IPv4 20 + TCP 32 (timestamps) = 52 bytes: longer carries payload
    lab_rtr iptables -I FORWARD -p tcp --sport 22 -m length --length 53:65535 -j DROP
    lab_rtr iptables -D FORWARD -p tcp -j DROP
    cx_ssh_wait 1 nonzero 40
    # Both sockets gone (the server's by tcp_retries2 before the FIN came;
    # the order check below proves it), then 1 s more.
    cx_wait_dead 10
    cx_caps_stop 0
    # The design's order, from the client's capture: its FIN is the first
    # FIN or RST, and the server's RST follows it (no RST to a keepalive).
    local ends
    ends=$(tcpdump -nn -r "$CX_PREFIX.cli.pcap" 'tcp port 22 and tcp[tcpflags] & (tcp-fin|tcp-rst) != 0' 2>/dev/null |
        sed -n 's/.* \([0-9.]*\)\.[0-9]* > .*Flags \[\([^]]*\)\].*/\1 \2/p' | head -2 | paste -sd' ')
    [[ $ends =~ ^$LAB_CLI4\ F[^\ ]*\ $LAB_SRV4\ R ]] ||
        lab_die "design not met: first FIN/RST at the client are '$ends', want the client's FIN then the server's RST"
    cx_meta note "server streams 500 B every 100 ms; after 1 s router iptables -I FORWARD -p tcp -j DROP; 10 s later only the server's data segments are dropped (-m length 53:65535, its bare ACKs pass); server tcp_retries2=5 (its socket dies, ss checked); ssh ServerAliveInterval=8 ServerAliveCountMax=1 times out and closes: its FIN reaches the server kernel, which answers with a RST (order checked in the client capture)"
    cx_conn 1 retransmission-death retransmission-death retransmission-death
}

cx_mtu() { # bulk|kex
    local kex=()
    # bulk: curve25519 keeps every KEX packet small, so the session is
    # established and the bulk transfer hits the hole. kex: the default
    # sntrup761x25519 KEX reply (~1.5 KB) itself is black-holed: the
    # classic "hangs at expecting SSH2_MSG_KEX_ECDH_REPLY".
    [ "$1" = bulk ] && kex=(-o KexAlgorithms=curve25519-sha256)
    lab_sshd_start 22
    # The client link is 1280 bytes on both ends (a veth drops received
    # frames above its own MTU), but the client advertises MSS 1460 (route
    # advmss), as a host behind an unclamped tunnel would: the server's
    # full-size segments cannot cross the router's c0, and the router's
    # ICMP fragmentation-needed / packet-too-big is dropped.
    lab_rtr ip link set c0 mtu 1280
    lab_cli ip link set eth0 mtu 1280
    if [ "$CX_FAM" = 6 ]; then
        lab_cli ip -6 route change default via "$LAB_RTR6C" dev eth0 advmss 1440
    else
        lab_cli ip route change default via "$LAB_RTR4C" dev eth0 advmss 1460
    fi
    if [ "$CX_FAM" = 6 ]; then
        lab_rtr ip6tables -A OUTPUT -p icmpv6 --icmpv6-type packet-too-big -j DROP
    else
        lab_rtr iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
    fi
    cx_sysctl_ends net.ipv4.tcp_retries2=4 net.ipv4.tcp_mtu_probing=0
    cx_caps_start
    cx_ssh_bg 1 22 "${kex[@]}" -o ServerAliveInterval=1 -o ServerAliveCountMax=3 -- 'head -c 200000 /dev/zero'
    cx_ssh_wait 1 nonzero 30
    sleep 7
    cx_caps_stop 0
    cx_meta note "client link MTU 1280 (router c0 and client eth0) but client route advmss 1460 (1440 v6), ICMP frag-needed / packet-too-big from the router dropped (OUTPUT), tcp_mtu_probing=0, tcp_retries2=4; ssh ServerAliveInterval=1 ServerAliveCountMax=3 ${kex[*]} 'head -c 200000 /dev/zero'"
    cx_conn 1 mtu-blackhole mtu-blackhole mtu-blackhole
    if [ "$1" = kex ]; then
        cx_alt 1 cli retransmission-death,kex-failed "the client never sees the oversized KEX reply nor its retransmissions: only a sequence gap (the reply's small tail arrives), its own small packets acknowledged, and the key exchange never finishing"
    else
        cx_alt 1 cli retransmission-death "the client never sees the oversized segments nor their retransmissions: only a sequence gap and its own small packets acknowledged"
    fi
}
corpus_mtu() { cx_mtu bulk; }
corpus_mtu_kex() { cx_mtu kex; }
corpus_mtu_v6() { CX_FAM=6; cx_mtu bulk; }

# cx_reset_session CMD... : the session the reset scenarios cut: the server
# prints every 0.3 s, and 2 s after the session is up CMD installs the
# rules that reset it; then the client must fail.
cx_reset_session() {
    lab_sshd_start 22
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=1 -- 'while sleep 0.3; do echo x; done'
    cx_wait_output 1
    sleep 2
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended early"
    "$@"
    cx_ssh_wait 1 nonzero 20
}

# cx_forge_rst NS-FN : that router (lab_rtr, lab_far) forges a RST (REJECT
# --reject-with tcp-reset) for every further packet, both directions: each
# side's next packet draws a RST from the router, which its peer never sees.
cx_forge_rst() {
    "$1" iptables -I FORWARD -p tcp --dport 22 -j REJECT --reject-with tcp-reset
    "$1" iptables -I FORWARD -p tcp --sport 22 -j REJECT --reject-with tcp-reset
}

corpus_router_reset() {
    cx_reset_session cx_forge_rst lab_rtr
    cx_caps_stop
    cx_meta note "server prints every 0.3 s; after 2 s router REJECT --reject-with tcp-reset both directions: each side's next packet draws a RST forged by the router"
    cx_conn 1 reset reset reset
}

# The same reset from other hop distances (issue 22, lab variation): on a
# path of two routers (lab_far_router), forged by the router next to the
# server (router-reset-far: 1 router between it and the client, none
# between it and the server) or by the router next to the client
# (router-reset-near: the reverse). The lab's rtr vantage is the client's
# router in both.
corpus_router_reset_far() {
    lab_far_router
    cx_reset_session cx_forge_rst lab_far
    cx_wait_dead
    cx_caps_stop
    cx_meta note "two routers on the path; after 2 s the far router (next to the server) forges RSTs both directions (REJECT --reject-with tcp-reset): the client's RST arrives 1 hop away, the server's own packets 2; at the server it arrives from 0 hops, the client's packets from 2"
    cx_conn 1 reset reset reset
}

corpus_router_reset_near() {
    lab_far_router
    cx_reset_session cx_forge_rst lab_rtr
    cx_wait_dead
    cx_caps_stop
    cx_meta note "two routers on the path; after 2 s the near router (next to the client) forges RSTs both directions (REJECT --reject-with tcp-reset): at the client it arrives from 0 hops, the server's packets from 2; at the server from 1 hop, the client's packets from 2"
    cx_conn 1 reset reset reset
}

# A reset made by the server host's own firewall, 0 hops from the server
# (fail2ban banning an address with an established session, when its
# action rejects with tcp-reset): netfilter on the server answers the
# client's next packet with a RST carrying the server's address and TTL,
# while sshd's socket lives on and keeps sending (the server prints), each
# segment answered by the client's closed socket with a RST that the same
# rule drops, until the server's tcp_retries2 runs out.
corpus_host_reset() {
    cx_reset_session lab_srv iptables -I INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset
    cx_wait_dead
    cx_caps_stop
    cx_meta note "server prints every 0.3 s; after 2 s the server host's own INPUT rule REJECT --reject-with tcp-reset for the client's packets (fail2ban style): its RST has the server's TTL, and sshd's socket keeps sending until tcp_retries2"
    cx_conn 1 reset reset reset
}

corpus_rst_survived() {
    # A RST the connection survived (issue 22 item 10): the router answers
    # one client packet with a forged RST (REJECT --reject-with tcp-reset,
    # limited to one packet), but the client host drops RSTs from port 22
    # (INPUT, after the capture point), so its socket lives on; the
    # rejected packet is retransmitted and gets through, and the session
    # ends normally. The RST is evidence (rst_survived), not the end.
    lab_sshd_start 22
    lab_cli iptables -A INPUT -p tcp --sport 22 --tcp-flags RST RST -j DROP
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=1 -- 'sleep 5; echo done'
    sleep 2
    kill -0 "${CX_PID[1]}" 2>/dev/null || lab_die "ssh ended early"
    cx_ipt -I FORWARD -p tcp --dport 22 -m limit --limit 1/hour --limit-burst 1 \
        -j REJECT --reject-with tcp-reset
    sleep 1.5
    cx_ipt -D FORWARD -p tcp --dport 22 -m limit --limit 1/hour --limit-burst 1 \
        -j REJECT --reject-with tcp-reset
    cx_ssh_wait 1 0 20
    cx_caps_stop
    cx_meta note "ssh ServerAliveInterval=1 'sleep 5; echo done'; after 2 s the router rejects one client packet with a forged RST (REJECT --reject-with tcp-reset, -m limit --limit-burst 1); the client drops RSTs from port 22 in INPUT, so the session survives and closes normally"
    cx_conn 1 normal-close normal-close normal-close
}

corpus_unfinished() {
    lab_sshd_start 22
    cx_caps_start
    cx_ssh_bg 1 22 -- 'sleep 30'
    sleep 3
    cx_caps_stop 0
    cx_ssh_end 1
    cx_conn 1 unfinished unfinished unfinished
}

# ------------------------------------------------------------------- driver

corpus_scenarios() { declare -F | awk '{print $3}' | sed -n 's/^corpus_//p' | grep -v '^main$\|^scenarios$' | tr _ -; }

corpus_main() {
    [ $# -eq 2 ] || { echo "usage: lab.sh corpus SCENARIO PREFIX" >&2; return 2; }
    local name=$1 fn="corpus_${1//-/_}"
    declare -F "$fn" >/dev/null || lab_die "unknown corpus scenario '$1' (try: lab.sh corpus-list)"
    CX_PREFIX="$(realpath -m -- "$2")"
    mkdir -p "$(dirname "$CX_PREFIX")"
    rm -f -- "$CX_PREFIX".{cli,srv,rtr}.pcap "$CX_PREFIX.manifest"
    lab_setup
    cx_meta scenario "$name"
    cx_meta ports 22,2222
    cx_meta versions "$(ssh -V 2>&1); kernel $(uname -r)"
    "$fn"
    lab_log "corpus $name: $(ls "$CX_PREFIX".*.pcap | wc -l) captures, $(grep -c '^conn' "$CX_PREFIX.manifest") truth entries"
}
