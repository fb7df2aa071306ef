#!/bin/sh
# summary: the text form (-F text), what a person reads at a terminal: one
# capture per verdict must print exactly tests/golden/text/NAME.text (a
# header line per connection; for failures the reason, the hint, the
# deciding evidence and the ladder of packets), at 80 columns, without
# colour into a file. Then width, --color, NO_COLOR on a terminal, and the
# file names with several -r. SM_UPDATE_GOLDEN=1 rewrites the .text files.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
out="$bld/tests/golden/out/text"
mkdir -p "$out"
fail=0

run() { # NAME ARGS...: the text form of ARGS against text/NAME.text
    name=$1
    shift
    # shellcheck disable=SC2086
    if ! (cd "$src" && env -u NO_COLOR COLUMNS=80 ${SM_VALGRIND:-} "$bld/sshmortem" \
        --host golden --hash-seed 1 -F text "$@") >"$out/$name.text" 2>"$out/$name.stderr"; then
        echo "FAIL $name: exit status"; cat "$out/$name.stderr"; fail=1; return
    fi
    if [ "${SM_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$out/$name.text" "$src/tests/golden/text/$name.text"; echo "updated $name.text"
    elif diff -u "$src/tests/golden/text/$name.text" "$out/$name.text"; then
        echo "PASS $name"
    else
        echo "FAIL $name: differs (SM_UPDATE_GOLDEN=1 to re-bless)"; fail=1
    fi
}

run refused -r pcaps/ssh-refused.pcap
run refused-v6 -r pcaps/lab/refused-v6.cli.pcap
run rejected-icmp -r pcaps/ssh-rejected-icmp.pcap
run silent-drop -r pcaps/ssh-silent-drop.pcap
run handshake-incomplete -r pcaps/lab/hs-ack-drop.srv.pcap
run nflog-drop -r pcaps/ssh-nflog-drop.pcap
run rst-before-banner -r pcaps/ssh-rst-before-banner.pcap
run closed-before-banner -r pcaps/ssh-maxstartups-fin.pcap
run no-banner -r pcaps/lab/no-banner.cli.pcap
run not-ssh -r pcaps/lab/not-ssh-webserver.cli.pcap
run kex-failed -r pcaps/ssh-kex-mismatch-full.pcap
run state-table-timeout -r pcaps/lab/nat-expiry-short.cli.pcap
run retransmission-death -r pcaps/lab/loss50.cli.pcap
run mtu-blackhole -r pcaps/lab/mtu-kex.cli.pcap
run reset -r pcaps/lab/router-reset.cli.pcap
run normal-close -r pcaps/ssh-normal-v4.pcap
run unfinished -r pcaps/lab/unfinished.cli.pcap
run two-files -r pcaps/ssh-refused.pcap -r pcaps/ssh-normal-v4.pcap

sm() { (cd "$src" && "$bld/sshmortem" -F text "$@"); }
check() { # WHAT CONDITION...
    what=$1
    shift
    if "$@"; then echo "PASS $what"; else echo "FAIL $what"; fail=1; fi
}
esc=$(printf '\033')

# The issue's own check: the algorithm lists are in the text.
check "kex lists" test "$(sm -r pcaps/ssh-kex-mismatch-full.pcap | grep -c curve25519)" -gt 0

# Width: every line fits COLUMNS (the ladder, the wrapped reason and hint).
long=$(COLUMNS=60 sm -r pcaps/lab/nat-expiry-short.cli.pcap | grep -v '^20' | awk 'length > 60' | wc -l)
check "COLUMNS=60 fits" test "$long" = 0
check "ladder fills COLUMNS=60" test "$(COLUMNS=60 sm -r pcaps/ssh-refused.pcap | grep ' SYN -' | awk '{ print length }')" = 60

# Colour: never into a file by default, always when asked, NO_COLOR does
# not overrule --color=always (no-color.org).
check "no colour into a file" sh -c "! (cd '$src' && '$bld/sshmortem' -F text -r pcaps/ssh-refused.pcap) | grep -q '$esc'"
check "--color=always" sh -c "(cd '$src' && NO_COLOR=1 '$bld/sshmortem' -F text --color=always -r pcaps/ssh-refused.pcap) | grep -q '$esc\\['"
check "--color=bad is a usage error" sh -c "'$bld/sshmortem' --color=sometimes -r x 2>/dev/null; test \$? = 1"

# On a terminal: colour unless NO_COLOR is set, or --color=never.
tty_run() { # ENV... -- ARGS: the output of sshmortem on a pseudo-terminal
    /usr/bin/python3 - "$bld/sshmortem" "$@" <<'PY'
import os, pty, sys
prog, args = sys.argv[1], sys.argv[2:]
env = dict(os.environ)
env.pop("NO_COLOR", None)
while args and "=" in args[0]:
    k, v = args.pop(0).split("=", 1)
    env[k] = v
pid, fd = pty.fork()
if pid == 0:
    os.execve(prog, [prog] + args, env)
data = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
os.waitpid(pid, 0)
sys.stdout.write("colour\n" if b"\x1b[" in data else "plain\n")
PY
}
cap="$src/pcaps/ssh-refused.pcap"
check "terminal: colour" test "$(tty_run -F text -r "$cap")" = colour
check "terminal: NO_COLOR" test "$(tty_run NO_COLOR=1 -F text -r "$cap")" = plain
check "terminal: --color=never" test "$(tty_run -F text --color=never -r "$cap")" = plain
exit $fail
