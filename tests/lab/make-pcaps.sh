#!/usr/bin/env bash
# summary: regenerate the bundled lab captures in pcaps/ (run as root).
# Usage: tests/lab/make-pcaps.sh [OUTDIR]   (default: pcaps/ at the repo root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../pcaps}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
lab="$here/lab.sh"

run() { # SCENARIO FILE
    echo "== $1 -> $2" >&2
    "$lab" "$1" "$out/$2"
}

run normal-v4            ssh-normal-v4.pcap
run normal-v6            ssh-normal-v6.pcap
run port2222             ssh-port2222.pcap
run reverse-port4444     ssh-reverse-port4444.pcap
run refused              ssh-refused.pcap
run any-sll2             ssh-any-sll2.pcap
run sll                  ssh-sll.pcap
run silent-drop          ssh-silent-drop.pcap
run rejected-icmp        ssh-rejected-icmp.pcap
run rejected-icmp6       ssh-rejected-icmp6.pcap
run handshake-incomplete ssh-handshake-incomplete.pcap
run nflog                ssh-nflog.pcap
run nflog-drop           ssh-nflog-drop.pcap
run rst-before-banner    ssh-rst-before-banner.pcap

# Link-layer rewraps of the real Ethernet capture ssh-normal-v4.pcap.
src="$out/ssh-normal-v4.pcap"
tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-cfi=0 --enet-vlan-pri=0 \
    -i "$src" -o "$out/ssh-vlan.pcap"
/usr/bin/python3 "$here/relink.py" push-tag 0x88a8 200 "$out/ssh-vlan.pcap" "$out/ssh-qinq.pcap"
/usr/bin/python3 "$here/relink.py" rawip "$src" "$out/ssh-rawip.pcap"
/usr/bin/python3 "$here/relink.py" null "$src" "$out/ssh-null.pcap"
/usr/bin/python3 "$here/relink.py" geneve "$src" "$out/ssh-geneve.pcap"
editcap -F pcapng "$src" "$out/ssh-normal-v4.pcapng"
# Untagged, tagged, double-tagged and IPv6 in one file (tests/golden/filter.sh).
mergecap -F pcap -w "$out/ssh-mixed-tags.pcap" "$src" "$out/ssh-vlan.pcap" "$out/ssh-qinq.pcap" \
    "$out/ssh-refused.pcap" "$out/ssh-normal-v6.pcap"

echo "== versions: $(ssh -V 2>&1); kernel $(uname -r); $(tcpdump --version 2>&1 | head -1); $(date -u +%F)" >&2
