#!/usr/bin/env bash
# summary: install the Debian packages sshmortem needs (only those missing),
# then bootstrap, configure and build. Safe to run again.
# Usage: scripts/setup.sh [--deps-only] [extra configure flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium and python3-websocket: tests/browser/report.sh loads the --report
# page in headless Chromium over the DevTools protocol. libssh-dev: the
# lab builds its libssh client (tests/lab/libssh-client.c) against it.
# iputils-ping: the lab's captures end with ICMP echo (tests/lab/scenarios.sh
# cx_caps_stop), the only packets that show the capture went on after a
# silent death.
PKGS=(build-essential autoconf automake libtool pkg-config
      libpcap-dev libjansson-dev libnfnetlink-dev libnetfilter-conntrack-dev libcunit1-dev
      libssl-dev
      tcpdump tshark openssh-client openssh-server iproute2 iptables nftables
      conntrack ethtool valgrind clang libclang-rt-14-dev tcpreplay
      python3-jsonschema procps time wireshark-common rsyslog systemd util-linux
      dropbear-bin putty-tools python3-paramiko libssh-dev
      chromium python3-websocket iputils-ping)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer it up front.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "${1:-}" = "--deps-only" ] && exit 0

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --enable-werror "$@"
make -j"$(nproc)"
