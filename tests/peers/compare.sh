#!/bin/sh
# summary: sshmortem against its peers: runs tests/peers/compare.py, which
# compares sshmortem's SSH and TCP facts on the captures in pcaps/peers/ with
# the output Zeek and Suricata are tested to produce on them (doc/peers.md).
# Prints the PASS/FAIL/DIFF lines; fails on any undocumented mismatch.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
SSHMORTEM="$(cd "$top_builddir" && pwd)/sshmortem"
export SSHMORTEM
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    echo "SKIP peers: python3-yaml (PyYAML) is not installed"
    exit 77
fi
cd "$src" || exit 99
/usr/bin/python3 tests/peers/compare.py
