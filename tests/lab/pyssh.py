#!/usr/bin/python3
"""summary: a paramiko SSH client for the lab (another real implementation).

Usage: pyssh.py HOST PORT KEYFILE COMMAND [KEX,KEX...]

Logs in as root with the ed25519 KEYFILE (no agent, no other keys, any host
key accepted), runs COMMAND, copies its output to stdout and closes. The
optional last argument restricts the key exchange to those algorithms
(paramiko's disabled_algorithms takes the complement). Errors are printed as
"paramiko: ExceptionName: message" on stderr, exit status 255; otherwise
the remote command's exit status.

paramiko sends its identification line as soon as the TCP connection is
up, without waiting for the server's (OpenSSH's client loads its keys
first and sends ~25 ms later): the lab's timing variation.
"""
import sys

import logging

import paramiko


def main(argv):
    # paramiko logs its exceptions with tracebacks through logging's last
    # resort handler; the lab keeps only the one-line message below.
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    host, port, key, cmd = argv[1], int(argv[2]), argv[3], argv[4]
    disabled = {}
    if len(argv) == 6:
        want = set(argv[5].split(","))
        every = paramiko.Transport._preferred_kex
        disabled["kex"] = [k for k in every if k not in want]
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        c.connect(host, port=port, username="root", key_filename=key, look_for_keys=False,
                  allow_agent=False, timeout=10, banner_timeout=10, auth_timeout=10,
                  disabled_algorithms=disabled)
        _, out, err = c.exec_command(cmd)
        sys.stdout.write(out.read().decode(errors="replace"))
        sys.stderr.write(err.read().decode(errors="replace"))
        rc = out.channel.recv_exit_status()
    except Exception as e:  # every failure is the lab's data: print and exit 255
        print("paramiko: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        c.close()
        return 255
    c.close()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
