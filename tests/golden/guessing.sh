#!/bin/sh
# summary: the password-guessing ssh_pattern on a real capture: one lab
# client made 5 short connections to OpenSSH 9.2, each giving up after 2
# wrong passwords (pcaps/auth/password-guessing.pcap; the lab scenario
# auth-password-guessing checks that sshd logged exactly 10 failed
# passwords). Every connection must count auth_attempts 2, failed; the
# default threshold (30 failed attempts in 1800 s) must stay silent;
# --guess-failures 8 must report once, at the 4th connection, with the
# counts; a window shorter than the attempts' spread (--guess-window 2)
# must stay silent.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
pcap="$src/pcaps/auth/password-guessing.pcap"
fails=0
check() { # NAME EXPECTED GOT
    if [ "$2" = "$3" ]; then
        echo "PASS $1: $3"
    else
        echo "FAIL $1: got $3, want $2"
        fails=$((fails + 1))
    fi
}
summary() { # sshmortem options... : teardowns' attempts, then the patterns' counts
    ${SM_VALGRIND:-} "$bin" --host t "$@" -r "$pcap" | /usr/bin/python3 -c '
import json, sys
conns, pats = [], []
for line in sys.stdin:
    e = json.loads(line)
    if e["event_type"] == "ssh_teardown":
        s = e["ssh"] or {}
        conns.append("%s/%s" % (str(s.get("auth_success")).lower(), s.get("auth_attempts")))
    elif e["event_type"] == "ssh_pattern":
        pats.append("%s src=%s dest=%s:%s conns=%d attempts=%d failures=%d servers=%d window=%d"
                    % (e["pattern"], e.get("src_ip"), e.get("dest_ip"), e.get("dest_port"),
                       e["connections"], e["attempts"], e["failures"], e["servers"],
                       e["window_s"]))
print(" ".join(conns) + " | " + "; ".join(pats))'
}
check "default thresholds" "false/2 false/2 false/2 false/2 false/2 | " "$(summary)"
check "--guess-failures 8" \
    "false/2 false/2 false/2 false/2 false/2 | password-guessing src=198.51.100.2 dest=203.0.113.2:22 conns=4 attempts=8 failures=8 servers=1 window=1800" \
    "$(summary --guess-failures 8)"
check "--guess-failures 8 --guess-window 2" "false/2 false/2 false/2 false/2 false/2 | " \
    "$(summary --guess-failures 8 --guess-window 2)"
check "--guess-failures 10 (all five)" \
    "false/2 false/2 false/2 false/2 false/2 | password-guessing src=198.51.100.2 dest=203.0.113.2:22 conns=5 attempts=10 failures=10 servers=1 window=1800" \
    "$(summary --guess-failures 10)"
# The events (teardowns and the pattern) follow the schema.
tmp=$(mktemp)
"$bin" --host t --guess-failures 8 -r "$pcap" >"$tmp"
if /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$tmp" >/dev/null; then
    echo "PASS schema"
else
    echo "FAIL schema"
    fails=$((fails + 1))
fi
rm -f "$tmp"
echo "guessing: $fails failed"
[ "$fails" = 0 ]
