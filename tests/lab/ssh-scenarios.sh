# shellcheck shell=bash
# summary: lab scenarios for the SSH dissector (algorithm variants, one
# session each, client side, full snaplen) and authentication ground truth
# (pcaps/auth/). Sourced by lab.sh; regenerate with tests/lab/make-ssh-pcaps.sh.
#
#   tests/lab/lab.sh ssh-alg-gcm OUT.pcap       one capture; OUT.truth (TSV row)
#                                               is written next to it
#
# Every scenario runs after lab_setup (fresh namespaces, fresh keys) and
# captures only the client's eth0 with LAB_SNAPLEN (0 = full packets), so
# the key exchange is complete in the file. Each one checks the client's
# outcome against its design and dies otherwise (make-ssh-pcaps.sh retries).
#
# Authentication scenarios (auth-*) run sshd inside its own mount namespace
# (unshare -m in the server netns) with temporary copies of /etc/passwd,
# /etc/shadow and /etc/group bind-mounted over the originals; the copies add
# a user `smtest` (uid 4242, home in the lab's temp dir, password hash from
# `openssl passwd -6`). Nothing outside that mount namespace sees the user.

SX_USER=smtest
SX_UID=4242
SX_PASS='sm-lab-Pass-7'
SX_WRONG='not-the-password'
SX_SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
             -o IdentitiesOnly=yes -o LogLevel=INFO -o ConnectionAttempts=1)
SX_RC=0
SX_MNTNS=0
SX_AKF=""
: "${SX_SSHD_EXTRA:=}"

# sx_sshd_start PORT "KEYTYPES" : the lab's own sshd with exactly these host
# key types (ed25519 ecdsa rsa), extra config lines from SX_SSHD_EXTRA, and,
# with SX_MNTNS=1, in a private mount namespace holding the smtest user.
# Logs each host key's `ssh-keygen -lf` line.
sx_sshd_start() {
    local port=$1 types=$2 d="$LAB_TMP/sshd" t hk=""
    install -d -m755 /run/sshd
    install -d -m700 "$d"
    for t in $types; do
        [ -f "$d/ssh_host_${t}_key" ] || ssh-keygen -q -t "$t" -N '' -f "$d/ssh_host_${t}_key"
        hk+="HostKey $d/ssh_host_${t}_key"$'\n'
        lab_log "host key: $(ssh-keygen -lf "$d/ssh_host_${t}_key.pub")"
    done
    # SX_SSHD_EXTRA comes first: for most keywords sshd keeps the first value.
    cat >"$d/sshd_config" <<EOF
Port $port
ListenAddress $LAB_SRV4
ListenAddress $LAB_SRV6
$SX_SSHD_EXTRA
${hk}PidFile $d/sshd.pid
AuthorizedKeysFile ${SX_AKF:-$LAB_TMP/authorized_keys}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
    : >"$LAB_TMP/sshd.log"
    if [ "$SX_MNTNS" = 1 ]; then
        # ip netns exec execs unshare, which (no --fork) execs sh, which
        # execs sshd: LAB_LAST_PID is sshd's PID.
        # shellcheck disable=SC2016 # expanded by the inner sh
        lab_bg "$LAB_SRV" unshare -m --propagation private /bin/sh -c '
            mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow &&
            mount --bind "$3" /etc/group || exit 1
            exec /usr/sbin/sshd -D -E "$5" -f "$4"' sx-mntns \
            "$LAB_TMP/etc/passwd" "$LAB_TMP/etc/shadow" "$LAB_TMP/etc/group" \
            "$d/sshd_config" "$LAB_TMP/sshd.log"
    else
        lab_bg "$LAB_SRV" /usr/sbin/sshd -D -E "$LAB_TMP/sshd.log" -f "$d/sshd_config"
    fi
    LAB_SSHD_PID=$LAB_LAST_PID
    for _ in $(seq 50); do
        lab_srv ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
        kill -0 "$LAB_SSHD_PID" 2>/dev/null || { cat "$LAB_TMP/sshd.log" >&2; lab_die "sshd exited"; }
        sleep 0.1
    done
    lab_die "sshd not listening on $port"
}

# sx_user_setup : temp passwd/shadow/group copies with smtest, its home,
# its authorized_keys (the lab's client key) and a second, unknown key.
sx_user_setup() {
    local e="$LAB_TMP/etc" h="$LAB_TMP/home/$SX_USER" hash
    install -d -m755 "$e" "$LAB_TMP/home"
    cp /etc/passwd /etc/group "$e/"
    cp /etc/shadow "$e/shadow"
    chmod 640 "$e/shadow"
    hash=$(openssl passwd -6 -salt smlabsalt "$SX_PASS")
    echo "$SX_USER:x:$SX_UID:$SX_UID:sshmortem lab:$h:/bin/sh" >>"$e/passwd"
    echo "$SX_USER:x:$SX_UID:" >>"$e/group"
    echo "$SX_USER:$hash:19000:0:99999:7:::" >>"$e/shadow"
    install -d -m755 -o "$SX_UID" -g "$SX_UID" "$h"
    install -d -m700 -o "$SX_UID" -g "$SX_UID" "$h/.ssh"
    install -m600 -o "$SX_UID" -g "$SX_UID" "$LAB_TMP/id_ed25519.pub" "$h/.ssh/authorized_keys"
    ssh-keygen -q -t ed25519 -N '' -C sm-lab-wrong -f "$LAB_TMP/id_wrong"
    SX_MNTNS=1
    SX_AKF=.ssh/authorized_keys
}

# sx_ssh USER KEY PORT [ssh options...] -- [REMOTE-CMD] : the real client in
# the client ns; exit status in SX_RC, stdout/stderr in $LAB_TMP/sx.{out,err};
# stdin from $SX_STDIN (default /dev/null); extra environment from SX_ENV.
sx_ssh() {
    local user=$1 key=$2 port=$3 pid; shift 3
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    ip netns exec "$LAB_CLI" env "${SX_ENV[@]}" ssh "${SX_SSH_OPTS[@]}" "${opts[@]}" -i "$key" \
        -p "$port" "$user@$LAB_SRV4" "$@" \
        <"${SX_STDIN:-/dev/null}" >"$LAB_TMP/sx.out" 2>"$LAB_TMP/sx.err" &
    pid=$!
    LAB_PIDS+=("$pid")
    SX_RC=0
    wait "$pid" || SX_RC=$?
    lab_forget "$pid"
}
SX_ENV=(SM_LAB=1)

sx_stderr() {
    grep -v '^Warning: Permanently added' "$LAB_TMP/sx.err" 2>/dev/null |
        tr -d '\r' | sed 's/[[:space:]]*$//' | grep -v '^$' | paste -sd'|' | sed 's/|/ | /g' | cut -c1-300
}
sx_sshd_log() { # Accepted/Failed lines of the lab sshd, one line
    grep -oE '(Accepted|Failed) [a-z]+ for [^ ]+|Connection closed by authenticating user [^ ]+|Disconnecting authenticating user [^ ]+.*|Unable to negotiate[^[]*' \
        "$LAB_TMP/sshd.log" 2>/dev/null | paste -sd';' | cut -c1-300
}

# sx_truth OUT METHOD ACCEPTED CIPHER : OUT.truth (one TSV row, no header)
sx_truth() {
    local IFS=$'\t'
    echo "$(basename "$1")	$2	$3	$4	$SX_RC	$(sx_stderr)	$(sx_sshd_log)" >"${1%.pcap}.truth"
}

sx_want() { # 0|nonzero
    lab_log "client exit $SX_RC; stderr: $(sx_stderr); sshd: $(sx_sshd_log)"
    case $1 in
        0) [ "$SX_RC" = 0 ] || lab_die "ssh exited $SX_RC, design wants 0" ;;
        nonzero) [ "$SX_RC" != 0 ] || lab_die "ssh succeeded, design wants a failure" ;;
    esac
}

# ---------------------------------------------- algorithm variants (Task A)

# sx_alg OUT "HOSTKEYTYPES" WANT [ssh options...] : one 'echo hi' session.
sx_alg() {
    local out=$1 types=$2 want=$3; shift 3
    sx_sshd_start 22 "$types"
    lab_capture_start "$LAB_CLI" eth0 "$out"
    sx_ssh root "$LAB_TMP/id_ed25519" 22 -o BatchMode=yes "$@" -- 'echo hi'
    lab_capture_stop
    sx_want "$want"
    sx_truth "$out" publickey "$([ "$want" = 0 ] && echo true || echo false)" "$*"
}

scenario_ssh_alg_kex() {
    sx_alg "$1" "ed25519 ecdsa" 0 -o KexAlgorithms=diffie-hellman-group-exchange-sha256
}
scenario_ssh_alg_gcm() {
    sx_alg "$1" "ed25519 ecdsa" 0 -o Ciphers=aes128-gcm@openssh.com
}
scenario_ssh_alg_ctr_etm() {
    sx_alg "$1" "ed25519 ecdsa" 0 -o Ciphers=aes256-ctr -o MACs=hmac-sha2-256-etm@openssh.com
}
scenario_ssh_alg_cbc() {
    SX_SSHD_EXTRA="Ciphers +aes128-cbc" \
        sx_alg "$1" "ed25519 ecdsa" 0 -o Ciphers=aes128-cbc -o MACs=hmac-sha1
}
scenario_ssh_alg_hostkey_ecdsa() {
    sx_alg "$1" "ed25519 ecdsa" 0 -o HostKeyAlgorithms=ecdsa-sha2-nistp256
}
scenario_ssh_alg_rsa() {
    sx_alg "$1" "rsa" 0 -o HostKeyAlgorithms=rsa-sha2-512
}
scenario_ssh_compression() {
    SX_SSHD_EXTRA="Compression yes" sx_alg "$1" "ed25519 ecdsa" 0 -o Compression=yes
}
scenario_ssh_kex_mismatch_full() {
    SX_SSHD_EXTRA="KexAlgorithms curve25519-sha256" \
        sx_alg "$1" "ed25519 ecdsa" nonzero -o KexAlgorithms=diffie-hellman-group14-sha256
}

# ------------------------------------------- authentication truth (Task B)

# sx_auth OUT KIND CIPHER : KIND is pubkey-ok, pubkey-bad, password-ok,
# password-bad, pubkey-session, password-failN-ok, password-failN-bad (N
# wrong passwords, then the right one or none); CIPHER "default" or an ssh
# Ciphers value.
sx_auth() {
    local out=$1 kind=$2 cipher=$3 c=() want method accepted
    [ "$cipher" = default ] || c=(-o "Ciphers=$cipher")
    sx_user_setup
    case $kind in
        password-*) SX_SSHD_EXTRA="PasswordAuthentication yes" ;;
        *) SX_SSHD_EXTRA="" ;;
    esac
    sx_sshd_start 22 "ed25519 ecdsa"
    lab_log "smtest visible outside the mount namespace: $(grep -c "^$SX_USER:" /etc/passwd) (must be 0)"
    [ "$(grep -c "^$SX_USER:" /etc/passwd)" = 0 ] || lab_die "smtest leaked into /etc/passwd"
    # askpass helper: prints the password in SX_ASKPASS_PW; with
    # SX_ASKPASS_WRONG=N, the wrong password for its first N calls (counted
    # in the file SX_ASKPASS_COUNT), then SX_ASKPASS_PW
    # shellcheck disable=SC2016 # expanded when ssh runs the helper
    printf '%s\n' '#!/bin/sh' \
        'n=$(($(cat "$SX_ASKPASS_COUNT" 2>/dev/null || echo 0) + 1)); echo "$n" >"$SX_ASKPASS_COUNT"' \
        'if [ "$n" -le "${SX_ASKPASS_WRONG:-0}" ]; then echo "$SX_WRONG_PW"; else printf "%s\n" "$SX_ASKPASS_PW"; fi' \
        >"$LAB_TMP/askpass"
    chmod 755 "$LAB_TMP/askpass"
    rm -f "$LAB_TMP/askpass.count"
    lab_capture_start "$LAB_CLI" eth0 "$out"
    case $kind in
        pubkey-ok)
            method=publickey accepted=true want=0
            sx_ssh "$SX_USER" "$LAB_TMP/id_ed25519" 22 -o BatchMode=yes "${c[@]}" -- true ;;
        pubkey-bad)
            method=publickey accepted=false want=nonzero
            sx_ssh "$SX_USER" "$LAB_TMP/id_wrong" 22 -o BatchMode=yes "${c[@]}" -- true ;;
        password-ok|password-bad)
            method=password want=0 accepted=true
            local pw=$SX_PASS
            [ "$kind" = password-bad ] && { pw=$SX_WRONG; want=nonzero; accepted=false; }
            SX_ENV=(SSH_ASKPASS="$LAB_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0
                    SX_ASKPASS_PW="$pw")
            sx_ssh "$SX_USER" "$LAB_TMP/id_ed25519" 22 -o BatchMode=no \
                -o PreferredAuthentications=password -o PubkeyAuthentication=no \
                -o NumberOfPasswordPrompts=3 "${c[@]}" -- true
            SX_ENV=(SM_LAB=1) ;;
        password-fail[0-9]-ok|password-fail[0-9]-bad)
            # N wrong passwords, then the right one (ok: N + 1 prompts) or
            # the end of the prompts (bad: N prompts, all wrong)
            local nwrong=${kind#password-fail} prompts
            nwrong=${nwrong%%-*}
            method=password
            if [ "${kind##*-}" = ok ]; then
                want=0 accepted=true prompts=$((nwrong + 1))
            else
                want=nonzero accepted=false prompts=$nwrong
            fi
            SX_ENV=(SSH_ASKPASS="$LAB_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0
                    SX_ASKPASS_PW="$SX_PASS" SX_WRONG_PW="$SX_WRONG" SX_ASKPASS_WRONG="$nwrong"
                    SX_ASKPASS_COUNT="$LAB_TMP/askpass.count")
            sx_ssh "$SX_USER" "$LAB_TMP/id_ed25519" 22 -o BatchMode=no \
                -o PreferredAuthentications=password -o PubkeyAuthentication=no \
                -o NumberOfPasswordPrompts="$prompts" "${c[@]}" -- true
            SX_ENV=(SM_LAB=1)
            lab_log "askpass called $(cat "$LAB_TMP/askpass.count") times"
            [ "$(grep -c 'Failed password' "$LAB_TMP/sshd.log")" = "$nwrong" ] ||
                lab_die "sshd logged $(grep -c 'Failed password' "$LAB_TMP/sshd.log") failed passwords, design wants $nwrong" ;;
        password-guess)
            # one client guessing: SX_GUESS_CONNS short connections, each
            # giving up after 2 wrong passwords (the password-guessing
            # ssh_pattern's truth; pcaps/auth/password-guessing.*)
            method=password want=nonzero accepted=false
            local i
            SX_ENV=(SSH_ASKPASS="$LAB_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0
                    SX_ASKPASS_PW="$SX_WRONG" SX_ASKPASS_COUNT="$LAB_TMP/askpass.count")
            for i in $(seq "${SX_GUESS_CONNS:-5}"); do
                sx_ssh "$SX_USER" "$LAB_TMP/id_ed25519" 22 -o BatchMode=no \
                    -o PreferredAuthentications=password -o PubkeyAuthentication=no \
                    -o NumberOfPasswordPrompts=2 "${c[@]}" -- true
                [ "$SX_RC" != 0 ] || lab_die "guess $i succeeded"
            done
            SX_ENV=(SM_LAB=1)
            [ "$(grep -c 'Failed password' "$LAB_TMP/sshd.log")" = $((2 * ${SX_GUESS_CONNS:-5})) ] ||
                lab_die "sshd logged $(grep -c 'Failed password' "$LAB_TMP/sshd.log") failed passwords" ;;
        pubkey-session)
            # a pty, a login shell fed a few command lines with pauses, a
            # few KB of output, then exit
            method=publickey accepted=true want=0
            mkfifo "$LAB_TMP/stdin"
            ( sleep 0.8; echo 'ls -l /etc | head -30'; sleep 0.5; echo 'seq 1 400 | paste -sd" "';
              sleep 0.5; echo 'echo done'; sleep 0.5; echo exit; sleep 5 ) >"$LAB_TMP/stdin" &
            local feeder=$!
            LAB_PIDS+=("$feeder")
            SX_STDIN="$LAB_TMP/stdin"
            sx_ssh "$SX_USER" "$LAB_TMP/id_ed25519" 22 -o BatchMode=yes -tt "${c[@]}" --
            SX_STDIN=""
            lab_kill "$feeder" TERM
            lab_log "session stdout: $(wc -c <"$LAB_TMP/sx.out") bytes" ;;
        *) lab_die "sx_auth: unknown kind $kind" ;;
    esac
    lab_capture_stop
    sx_want "$want"
    sx_truth "$out" "$method" "$accepted" "$cipher"
}

scenario_auth_pubkey_ok_chacha()      { sx_auth "$1" pubkey-ok default; }
scenario_auth_pubkey_bad_chacha()     { sx_auth "$1" pubkey-bad default; }
scenario_auth_password_ok_chacha()    { sx_auth "$1" password-ok default; }
scenario_auth_password_bad_chacha()   { sx_auth "$1" password-bad default; }
scenario_auth_pubkey_session_chacha() { sx_auth "$1" pubkey-session default; }
scenario_auth_pubkey_ok_gcm()         { sx_auth "$1" pubkey-ok aes128-gcm@openssh.com; }
scenario_auth_pubkey_bad_gcm()        { sx_auth "$1" pubkey-bad aes128-gcm@openssh.com; }
scenario_auth_password_ok_gcm()       { sx_auth "$1" password-ok aes128-gcm@openssh.com; }
scenario_auth_password_bad_gcm()      { sx_auth "$1" password-bad aes128-gcm@openssh.com; }
scenario_auth_pubkey_session_gcm()    { sx_auth "$1" pubkey-session aes128-gcm@openssh.com; }
scenario_auth_password_guessing() { sx_auth "$1" password-guess default; }
# N failed passwords before success (ok) or before the client gives up (bad):
# the ground truth of ssh.auth_attempts (fail3-bad is password-bad again,
# through the counting askpass).
for _n in 1 2 3; do
    for _o in ok bad; do
        eval "scenario_auth_password_fail${_n}_${_o}_chacha() { sx_auth \"\$1\" password-fail${_n}-${_o} default; }"
        eval "scenario_auth_password_fail${_n}_${_o}_gcm() { sx_auth \"\$1\" password-fail${_n}-${_o} aes128-gcm@openssh.com; }"
    done
done
unset _n _o
