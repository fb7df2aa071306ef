# summary: corpus scenarios that vary what the world varies (issue 22, "a
# lab that varies what the world varies"), sourced by lab.sh after
# scenarios.sh, whose cx_* helpers they use: other real implementations
# (Dropbear server and client, PuTTY's plink, paramiko), sshd configuration
# (MaxStartups random early drop, LoginGraceTime), nftables instead of
# iptables, accept-queue overflow, and state-table timeouts of other lengths.
# Truth is the design plus what the client printed, as in scenarios.sh.

# ------------------------------------------------------ other implementations

# Client keys in the other tools' formats, from the lab's OpenSSH key.
cx_other_keys() {
    [ -f "$LAB_TMP/id_dropbear" ] ||
        dropbearconvert openssh dropbear "$LAB_TMP/id_ed25519" "$LAB_TMP/id_dropbear" >/dev/null 2>&1 ||
        lab_die "dropbearconvert failed"
    [ -f "$LAB_TMP/id.ppk" ] ||
        puttygen "$LAB_TMP/id_ed25519" -O private -o "$LAB_TMP/id.ppk" >/dev/null 2>&1 ||
        lab_die "puttygen failed"
}

# The SHA256 fingerprints of every host key the lab's servers use, as
# plink -hostkey arguments (plink in -batch mode refuses unknown keys).
cx_plink_hostkeys() {
    local f
    for f in "$LAB_TMP"/sshd/ssh_host_*_key.pub "$LAB_TMP"/dropbear/host_*.pub; do
        [ -f "$f" ] || continue
        printf -- '-hostkey\n%s\n' "$(ssh-keygen -l -E sha256 -f "$f" | awk '{print $2}')"
    done
}

# cx_dropbear_start PORT [dropbear options...]: Dropbear in the server ns.
# Dropbear reads root's ~/.ssh/authorized_keys and has no option to look
# elsewhere, so it runs in a private mount namespace where a lab directory
# is bind-mounted over /root: the host's /root is never touched.
cx_dropbear_start() {
    local port=$1 d="$LAB_TMP/dropbear"; shift
    install -d -m755 "$d" "$d/root"
    install -d -m700 "$d/root/.ssh"
    install -m600 "$LAB_TMP/authorized_keys" "$d/root/.ssh/authorized_keys"
    [ -f "$d/host_ed25519" ] || {
        dropbearkey -t ed25519 -f "$d/host_ed25519" >/dev/null 2>&1 || lab_die "dropbearkey failed"
        dropbearkey -y -f "$d/host_ed25519" | grep '^ssh-' >"$d/host_ed25519.pub"
    }
    lab_bg "$LAB_SRV" unshare -m --propagation private /bin/sh -c \
        'mount --bind "$0" /root && exec "$@"' "$d/root" \
        /usr/sbin/dropbear -F -E -s -m -r "$d/host_ed25519" -P "$d/pid" \
        -p "$LAB_SRV4:$port" -p "[$LAB_SRV6]:$port" "$@"
    cx_wait_listen "$port"
}

# The libssh client (tests/lab/libssh-client.c), built once per lab run
# against Debian's libssh-dev.
cx_libssh_build() {
    [ -x "$LAB_TMP/libssh-client" ] ||
        cc -O2 -Wall -Wextra -Werror -o "$LAB_TMP/libssh-client" "$CX_HERE/libssh-client.c" -lssh ||
        lab_die "cannot build libssh-client (scripts/setup.sh installs libssh-dev)"
}

# cx_client_bg IDX KIND PORT [options...] -- REMOTE-CMD: another client in
# the client ns (dbclient, plink, paramiko or libssh), logging in as root with the
# lab's key; its stderr lands where cx_ssh_wait reads it.
cx_client_bg() {
    cx_jitter
    local idx=$1 kind=$2 port=$3; shift 3
    local opts=() cmd=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    cx_other_keys
    case $kind in
        dbclient) cmd=(dbclient -y -y -i "$LAB_TMP/id_dropbear" -p "$port" "${opts[@]}"
                       "root@$(cx_dst)" "$@") ;;
        plink) mapfile -t hk < <(cx_plink_hostkeys)
               cmd=(plink -ssh -batch -noagent -no-antispoof -i "$LAB_TMP/id.ppk" -P "$port"
                    "${hk[@]}" "${opts[@]}" "root@$(cx_dst)" "$@") ;;
        paramiko) cmd=(/usr/bin/python3 "$CX_HERE/pyssh.py" "$(cx_dst)" "$port"
                       "$LAB_TMP/id_ed25519" "$@" "${opts[@]}") ;;
        libssh) cx_libssh_build
                cmd=("$LAB_TMP/libssh-client" "$(cx_dst)" "$port" "$LAB_TMP/id_ed25519" "$@"
                     "${opts[@]}") ;;
        *) lab_die "cx_client_bg: unknown client $kind" ;;
    esac
    ip netns exec "$LAB_CLI" "${cmd[@]}" \
        <"${CX_STDIN:-/dev/null}" >"$LAB_TMP/ssh.$idx.out" 2>"$LAB_TMP/ssh.$idx.err" &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
    CX_PID[$idx]=$LAB_LAST_PID
}

corpus_impl_normal() {
    # dbclient, plink and paramiko against sshd; OpenSSH's ssh and dbclient
    # against Dropbear (port 2222): every session ends in an orderly close.
    lab_sshd_start 22
    cx_dropbear_start 2222
    cx_caps_start
    cx_client_bg 1 dbclient 22 -- 'echo hi'
    cx_ssh_wait 1 0
    cx_client_bg 2 plink 22 -- 'echo hi'
    cx_ssh_wait 2 0
    cx_client_bg 3 paramiko 22 -- 'echo hi'
    cx_ssh_wait 3 0
    cx_ssh_bg 4 2222 -- 'echo hi'
    cx_ssh_wait 4 0
    cx_client_bg 5 dbclient 2222 -- 'echo hi'
    cx_ssh_wait 5 0
    cx_caps_stop
    cx_meta note "sshd (port 22) with dbclient 2022.83, plink 0.78, paramiko $(/usr/bin/python3 -c 'import paramiko; print(paramiko.__version__)'); Dropbear 2022.83 (port 2222) with OpenSSH ssh and dbclient: 'echo hi'"
    local i
    for i in 1 2 3 4 5; do cx_conn "$i" normal-close normal-close normal-close; done
}

corpus_impl_libssh() {
    # libssh's client (tests/lab/libssh-client.c): 1 meets nothing on port
    # 22 (sshd not started yet); then an sshd limited to curve25519-sha256:
    # 2 runs 'echo hi' and closes in order, 3 offers only
    # diffie-hellman-group14-sha256 (no common key exchange).
    cx_caps_start
    cx_client_bg 1 libssh 22 -- true
    cx_ssh_wait 1 nonzero
    LAB_SSHD_EXTRA='KexAlgorithms curve25519-sha256' lab_sshd_start 22
    cx_client_bg 2 libssh 22 -- 'echo hi'
    cx_ssh_wait 2 0
    cx_client_bg 3 libssh 22 diffie-hellman-group14-sha256 -- true
    cx_ssh_wait 3 nonzero
    cx_caps_stop
    cx_meta note "libssh $(dpkg-query -W -f='${Version}' libssh-4 2>/dev/null): 1 to port 22 before sshd starts; sshd KexAlgorithms curve25519-sha256: 2 'echo hi', 3 only diffie-hellman-group14-sha256"
    cx_conn 1 refused refused refused
    cx_conn 2 normal-close normal-close normal-close
    cx_conn 3 kex-failed kex-failed kex-failed
}

corpus_impl_refused() {
    # no server at all: each client's SYN draws the server kernel's RST
    cx_caps_start
    cx_client_bg 1 dbclient 22 -- true
    cx_ssh_wait 1 nonzero
    cx_client_bg 2 plink 22 -- true
    cx_ssh_wait 2 nonzero
    cx_client_bg 3 paramiko 22 -- true
    cx_ssh_wait 3 nonzero
    cx_caps_stop
    cx_meta note "nothing listens on port 22: dbclient, plink, paramiko"
    local i
    for i in 1 2 3; do cx_conn "$i" refused refused refused; done
}

corpus_impl_banner_fail() {
    # A server that resets right after accept (rst) and one that speaks SMTP
    # (port 2222), met by clients that send their identification line at
    # once (dbclient, paramiko) or only after the server's (plink).
    cx_py_bg "$LAB_SRV" rst "$(cx_dst)" 22
    cx_py_bg "$LAB_SRV" smtp "$(cx_dst)" 2222
    cx_caps_start
    cx_client_bg 1 dbclient 22 -- true
    cx_ssh_wait 1 nonzero
    cx_client_bg 2 plink 22 -- true
    cx_ssh_wait 2 nonzero
    cx_client_bg 3 paramiko 22 -- true
    cx_ssh_wait 3 nonzero
    cx_client_bg 4 dbclient 2222 -- true
    cx_ssh_wait 4 nonzero
    cx_client_bg 5 plink 2222 -- true
    cx_ssh_wait 5 nonzero
    cx_caps_stop
    cx_meta note "listeners.py rst on 22 (RST on accept), smtp on 2222: dbclient, plink, paramiko, then dbclient and plink"
    local i
    for i in 1 2 3; do cx_conn "$i" rst-before-banner rst-before-banner rst-before-banner; done
    for i in 4 5; do cx_conn "$i" not-ssh not-ssh not-ssh; done
}

corpus_impl_kex_mismatch() {
    # 1: dbclient offers only aes128-ctr to an sshd limited to
    #    chacha20-poly1305 (no common cipher);
    # 2: OpenSSH's ssh asks Dropbear (port 2222) for a KEX it lacks
    #    (diffie-hellman-group-exchange-sha256);
    # 3: paramiko offers only diffie-hellman-group14-sha256 to an sshd
    #    limited to curve25519-sha256.
    LAB_SSHD_EXTRA=$'Ciphers chacha20-poly1305@openssh.com\nKexAlgorithms curve25519-sha256' lab_sshd_start 22
    cx_dropbear_start 2222
    cx_caps_start
    cx_client_bg 1 dbclient 22 -c aes128-ctr -- true
    cx_ssh_wait 1 nonzero
    cx_ssh_bg 2 2222 -o KexAlgorithms=diffie-hellman-group-exchange-sha256 -- true
    cx_ssh_wait 2 nonzero
    cx_client_bg 3 paramiko 22 diffie-hellman-group14-sha256 -- true
    cx_ssh_wait 3 nonzero
    cx_caps_stop
    cx_meta note "sshd Ciphers chacha20-poly1305, KexAlgorithms curve25519-sha256; 1: dbclient -c aes128-ctr; 2: ssh -o KexAlgorithms=diffie-hellman-group-exchange-sha256 to Dropbear; 3: paramiko with only diffie-hellman-group14-sha256"
    local i
    for i in 1 2 3; do cx_conn "$i" kex-failed kex-failed kex-failed; done
}

corpus_impl_silent_drop() {
    # SYNs to port 22 dropped by the router: dbclient and paramiko wait for
    # the kernel's connect() timeout (tcp_syn_retries=2)
    lab_sshd_start 22
    cx_ipt -A FORWARD -p tcp --dport 22 --syn -j DROP
    cx_caps_start
    cx_client_bg 1 dbclient 22 -- true
    cx_ssh_wait 1 nonzero 40
    cx_client_bg 2 paramiko 22 -- true
    cx_ssh_wait 2 nonzero 40
    cx_caps_stop
    cx_meta note "router iptables DROP of SYNs to 22; dbclient, then paramiko (timeout=10 s, longer than the kernel's ~7 s)"
    cx_conn 1 silent-drop absent silent-drop
    cx_conn 2 silent-drop absent silent-drop
}

corpus_impl_dropbear_blackhole() {
    # Dropbear streams to OpenSSH's ssh; the router then drops all TCP
    cx_blackhole "Dropbear 2022.83" cx_dropbear_start 22
}

corpus_impl_dbclient_nat_expiry() {
    # dbclient through a NAT that forgets the idle session after 5 s; its
    # stdin is written after 9 s: the late packet is INVALID and dropped,
    # dbclient's kernel retransmits to death (tcp_retries2=4)
    cx_nat_setup 0
    mkfifo "$LAB_TMP/stdin"
    exec 7<>"$LAB_TMP/stdin"
    CX_STDIN="$LAB_TMP/stdin"
    cx_caps_start
    cx_client_bg 1 dbclient 22 -- 'read l; echo got $l'
    CX_STDIN=""
    sleep 9
    echo late >&7
    cx_ssh_wait 1 nonzero 30
    cx_caps_stop 2
    exec 7>&-
    cx_meta note "as nat-expiry-client with dbclient: MASQUERADE, conntrack established timeout 5 s, loose=0, INVALID dropped; stdin written after 9 s idle"
    cx_conn 1 state-table-timeout unfinished state-table-timeout unfinished
}

# --------------------------------------------------- sshd configuration

corpus_maxstartups_red() {
    # MaxStartups 1:50:3 (random early drop): with one unauthenticated
    # connection held open, each new one is refused with probability 50 %
    # (at 3 pending, always). Six clients one after the other: which are
    # refused is random, so each is labelled from what its client printed.
    LAB_SSHD_EXTRA="MaxStartups 1:50:3" lab_sshd_start 22
    cx_caps_start
    cx_py_bg "$LAB_CLI" hold "$(cx_dst)" 22
    sleep 0.3
    local i err
    for i in 2 3 4 5 6 7; do
        cx_ssh_bg "$i" 22 -- true
        cx_ssh_wait "$i" any
    done
    cx_caps_stop
    cx_m client 1 - "python holder (listeners.py hold): reads the server banner, stays silent and open"
    cx_conn 1 unfinished unfinished unfinished
    for i in 2 3 4 5 6 7; do
        err=$(cx_stderr "$i")
        case $err in
            *"reset by peer"*)
                cx_conn "$i" rst-before-banner rst-before-banner rst-before-banner
                cx_alt "$i" all closed-before-banner "sshd wrote 'Exceeded MaxStartups' then closed; the client's banner was unread, so the close became a RST" ;;
            *"closed by remote host"*)
                cx_conn "$i" closed-before-banner closed-before-banner closed-before-banner
                cx_alt "$i" all rst-before-banner "after sshd's FIN the client's banner can hit the closed socket and draw a RST" ;;
            "")
                cx_conn "$i" normal-close normal-close normal-close ;;
            *) lab_die "unexpected client message: $err" ;;
        esac
    done
    cx_meta note "sshd MaxStartups 1:50:3; connection 1 held open pre-auth; six ssh 'true' one after the other, each refused at random (50 %)"
}

corpus_login_grace() {
    # LoginGraceTime 3 (OpenSSH 9.2 has no PerSourcePenalties: it came in
    # 9.8). 1: a client that reads the server's identification line and
    # stays silent; sshd gives up after 3 s (FIN), the client never closes.
    # 2: real ssh stalled in authentication: its agent (IdentityAgent, a
    # socket that accepts and never answers) does not reply, so after the
    # key exchange ssh waits; sshd closes at 3 s; the lab then ends ssh
    # (its FIN follows the server's).
    LAB_SSHD_EXTRA="LoginGraceTime 3" lab_sshd_start 22
    cx_py_bg "$LAB_CLI" agent-stall "$LAB_TMP/agent.sock" 0
    cx_caps_start
    cx_py_bg "$LAB_CLI" hold "$(cx_dst)" 22
    sleep 4
    cx_ssh_bg 2 22 -o "IdentityAgent=$LAB_TMP/agent.sock" -- true
    sleep 5
    cx_ssh_end 2 "it waited for its agent after the key exchange"
    cx_caps_stop
    cx_m client 1 - "python holder (listeners.py hold): reads the server banner, stays silent and open"
    cx_meta note "sshd LoginGraceTime 3; 1: silent TCP client after the server's banner (never closes); 2: ssh whose agent never answers, stalled after the key exchange, ended by the lab 5 s after it started"
    cx_conn 1 unfinished unfinished unfinished
    cx_conn 2 normal-close normal-close normal-close
}

# ---------------------------------------------------------------- network

corpus_nft_drop() {
    # the silent-drop of SYNs with nftables instead of iptables
    lab_sshd_start 22
    lab_rtr nft -f - <<'EOF' || lab_die "nft failed"
table inet smlab {
  chain smfwd {
    type filter hook forward priority 0;
    tcp dport 22 tcp flags & (syn|ack) == syn drop
  }
}
EOF
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero 40
    cx_caps_stop
    cx_meta note "nft inet forward: tcp dport 22 SYN drop"
    cx_conn 1 silent-drop absent silent-drop
}

corpus_nft_reject() {
    # nftables reject: 1 with tcp reset, 2 (port 2222) with ICMP
    # admin-prohibited, 3 (v6, port 22) with icmpx port-unreachable
    lab_sshd_start 22
    lab_rtr nft -f - <<'EOF' || lab_die "nft failed"
table inet smlab {
  chain smfwd {
    type filter hook forward priority 0;
    meta nfproto ipv4 tcp dport 22 tcp flags & (syn|ack) == syn reject with tcp reset
    meta nfproto ipv4 tcp dport 2222 tcp flags & (syn|ack) == syn reject with icmp type admin-prohibited
    meta nfproto ipv6 tcp dport 22 tcp flags & (syn|ack) == syn reject with icmpx type port-unreachable
  }
}
EOF
    cx_caps_start
    cx_ssh_bg 1 22 -- true
    cx_ssh_wait 1 nonzero
    cx_ssh_bg 2 2222 -- true
    cx_ssh_wait 2 nonzero
    CX_FAM=6
    cx_ssh_bg 3 22 -- true
    cx_ssh_wait 3 nonzero
    CX_FAM=4
    cx_caps_stop
    cx_meta note "nft inet forward: SYNs to 22 rejected with tcp reset (v4), to 2222 with icmp admin-prohibited, v6 to 22 with icmpx port-unreachable"
    cx_conn 1 refused absent refused
    cx_conn 2 rejected-icmp absent rejected-icmp
    cx_conn 3 rejected-icmp absent rejected-icmp
}

cx_backlog() { # abort_on_overflow syncookies
    # A listener with a one-slot accept queue that never accepts, holding
    # it full (listeners.py backlog); then ssh.
    lab_sysctl "$LAB_SRV" net.ipv4.tcp_abort_on_overflow="$1" net.ipv4.tcp_syncookies="$2"
    cx_py_bg "$LAB_SRV" backlog "$(cx_dst)" 22
    cx_caps_start
    cx_py_bg "$LAB_CLI" hold-quiet "$(cx_dst)" 22
    sleep 0.3
    cx_ssh_bg 2 22 -o ConnectTimeout=5 -- true
    cx_ssh_wait 2 nonzero 20
    # ssh gives up on ConnectTimeout at 5 s, between its SYNs at 3 s and
    # the next one due at 7 s: only a capture that runs past 7 s shows the
    # retries had ended (before, it stopped 1 s after ssh, at ~6.7 s, and
    # sshmortem rightly said unfinished: doc/verdicts.md, issue 22 item 9)
    cx_caps_stop 3
    cx_m client 1 - "python client (listeners.py hold-quiet): connects, fills the accept queue, stays open"
    cx_meta note "listener with listen(0) that never calls accept(); tcp_abort_on_overflow=$1 tcp_syncookies=$2; connection 1 fills the accept queue; ssh ConnectTimeout=5; captures stop 3 s after ssh gave up"
}
# A full accept queue drops the SYN itself (tcp_conn_request checks the
# accept queue before anything else): tcp_abort_on_overflow only acts on
# the handshake's ACK, and SYN cookies do not help either. The server's
# capture shows the SYNs arriving unanswered.
corpus_backlog_abort() {
    cx_backlog 1 1
    cx_conn 1 unfinished unfinished unfinished
    cx_conn 2 silent-drop silent-drop silent-drop
}
corpus_backlog_cookies() {
    cx_backlog 0 2
    cx_conn 1 unfinished unfinished unfinished
    cx_conn 2 silent-drop silent-drop silent-drop
}

cx_nat_len() { # established-timeout idle-before-write idle_min
    cx_nat_setup 0
    lab_sysctl "$LAB_RTR" net.netfilter.nf_conntrack_tcp_timeout_established="$1"
    cx_meta idle_min "$3"
    mkfifo "$LAB_TMP/stdin"
    exec 7<>"$LAB_TMP/stdin"
    CX_STDIN="$LAB_TMP/stdin"
    cx_caps_start
    cx_ssh_bg 1 22 -- 'read l; echo got $l'
    CX_STDIN=""
    sleep "$2"
    echo late >&7
    cx_ssh_wait 1 nonzero 40
    cx_caps_stop 2
    exec 7>&-
    cx_meta note "MASQUERADE, conntrack established timeout $1 s, loose=0, INVALID dropped; ssh 'read l' with stdin written after $2 s idle: the client retransmits to death (tcp_retries2=4); scored with --idle-min $3"
    cx_conn 1 state-table-timeout unfinished state-table-timeout unfinished
}
# state-table timeouts of other lengths than nat-expiry-client's 5 s
corpus_nat_expiry_2s() { cx_nat_len 2 4 1; }
corpus_nat_expiry_12s() { cx_nat_len 12 15 4; }

corpus_loss_brief() {
    # Loss a connection survives: the server streams; the router drops all
    # TCP for 2 s, then lets it through again. Both sides retransmit with
    # backoff, recover, and the session ends in order.
    lab_sshd_start 22
    cx_caps_start
    cx_ssh_bg 1 22 -o ServerAliveInterval=1 -o ServerAliveCountMax=5 -- \
        'for i in $(seq 60); do head -c 1000 /dev/zero; sleep 0.1; done'
    cx_wait_output 1
    cx_drop_tcp_after 1.5
    sleep 2
    lab_rtr iptables -D FORWARD -p tcp -j DROP
    cx_ssh_wait 1 0 30
    cx_caps_stop
    cx_meta note "server streams 1000 B every 100 ms for 6 s; after 1.5 s the router drops all TCP for 2 s, then forwards again; ssh ServerAliveInterval=1 ServerAliveCountMax=5: the session recovers and closes in order"
    cx_conn 1 normal-close normal-close normal-close
}

# ------------------------------------------------------------------ timing

corpus_order_server_first() {
    # Every client in this lab speaks first to sshd (its line leaves 45-130
    # ms after the handshake). Here ssh's identification line is held by a
    # ProxyCommand relay until the server's has arrived: 1 a normal
    # session, 2 a key-exchange mismatch, both with the client second.
    LAB_SSHD_EXTRA="KexAlgorithms curve25519-sha256" lab_sshd_start 22
    cx_caps_start
    local px="ProxyCommand=/usr/bin/python3 $CX_HERE/listeners.py proxy-after %h %p"
    cx_ssh_bg 1 22 -o "$px" -- 'echo hi'
    cx_ssh_wait 1 0
    cx_ssh_bg 2 22 -o "$px" -o KexAlgorithms=diffie-hellman-group14-sha256 -- true
    cx_ssh_wait 2 nonzero
    cx_caps_stop
    cx_meta note "ssh through listeners.py proxy-after (its identification line sent only after the server's); 1: 'echo hi'; 2: ssh KexAlgorithms diffie-hellman-group14-sha256 vs sshd curve25519-sha256"
    cx_conn 1 normal-close normal-close normal-close
    cx_conn 2 kex-failed kex-failed kex-failed
}
