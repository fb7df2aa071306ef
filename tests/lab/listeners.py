#!/usr/bin/python3
"""summary: tiny TCP actors for lab scenarios (stdlib only).

Usage:
  listeners.py rst    ADDR PORT    accept, close with SO_LINGER {1,0} (RST)
  listeners.py silent ADDR PORT    accept, keep the socket, never send (no banner)
  listeners.py smtp   ADDR PORT    SMTP greeting, 502 to the first line, 221, close
  listeners.py http   ADDR PORT    read one line, answer HTTP/1.1 400, close
  listeners.py pop3   ADDR PORT    POP3 greeting "+OK ...", then silent and open
  listeners.py mysql  ADDR PORT    MySQL 8.0 server greeting (protocol 10), read,
                                   error 1156 "Got packets out of order" (what
                                   mysqld answers an SSH identification line),
                                   then close with SO_LINGER {1,0} (RST)
  listeners.py hold   ADDR PORT    client: connect, read the server's first
                                   line, print "held", then hold the socket
                                   open and silent until killed
  listeners.py hold-quiet ADDR PORT
                                   client: connect, print "connected", never
                                   read nor write, stay open until killed
  listeners.py agent-stall PATH 0  an ssh-agent socket at PATH that accepts
                                   and never answers (ssh stalls in auth)
  listeners.py backlog ADDR PORT   listen(0) and never accept(): a full
                                   accept queue after one connection
  listeners.py say    HOST PORT TEXT
                                   client: connect, send TEXT (Python escapes
                                   such as \r\n allowed), print what comes
                                   back until the server closes (10 s at most),
                                   then close: a client that speaks something
                                   other than SSH to an SSH port
  listeners.py proxy-late HOST PORT
                                   ssh ProxyCommand: connect at once, pass the
                                   server's bytes to ssh, but hold what ssh
                                   writes (its identification line) until the
                                   server has closed (FIN), then send it (a
                                   closed socket answers it with a RST) and
                                   give ssh the end of file: a client whose
                                   line arrives after sshd's close
  listeners.py proxy-after HOST PORT
                                   ssh ProxyCommand: a relay that holds ssh's
                                   identification line until the server's
                                   has arrived (the client speaks second)

Server modes print "listening" once bound. Accepted sockets are kept in a
list so the kernel never closes them behind the scenario's back.
"""
import os
import select
import socket
import struct
import sys
import time


def mysql_packet(seq, body):
    return struct.pack("<I", len(body))[:3] + bytes([seq]) + body


# MySQL client/server protocol, HandshakeV10 (as mysqld 8.0 sends it:
# version, thread id, 8+13 bytes of scramble, capabilities, utf8mb4,
# status, the auth plugin name) and ERR_Packet 1156 / SQLSTATE 08S01.
MYSQL_GREETING = mysql_packet(0, b"\x0a" + b"8.0.36\x00" + struct.pack("<I", 42) +
                              b"abcdefgh\x00" + struct.pack("<H", 0xffff) + b"\xff" +
                              struct.pack("<H", 2) + struct.pack("<H", 0xdfff) + b"\x15" +
                              b"\x00" * 10 + b"ijklmnopqrst\x00" +
                              b"caching_sha2_password\x00")
MYSQL_OUT_OF_ORDER = mysql_packet(1, b"\xff" + struct.pack("<H", 1156) + b"#08S01" +
                                  b"Got packets out of order")


def listen(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print("listening", flush=True)
    return s


def readline(c, timeout=10.0):
    c.settimeout(timeout)
    buf = b""
    try:
        while b"\n" not in buf and len(buf) < 4096:
            d = c.recv(4096)
            if not d:
                break
            buf += d
    except OSError:
        pass
    return buf


def proxy_late(addr, port):
    c = socket.create_connection((addr, port), timeout=10)
    held, stdin_open = b"", True
    while True:
        fds = [c.fileno()] + ([0] if stdin_open else [])
        r, _, _ = select.select(fds, [], [], 20)
        if not r:
            sys.exit("proxy-late: the server neither sent nor closed in 20 s")
        if 0 in r:
            d = os.read(0, 4096)
            stdin_open = bool(d)
            held += d
        if c.fileno() in r:
            d = c.recv(4096)
            if not d:
                break  # the server's FIN
            os.write(1, d)
    # ssh writes its identification line at once; give it a moment if not.
    for _ in range(20):
        if held or not stdin_open:
            break
        r, _, _ = select.select([0], [], [], 0.05)
        if r:
            d = os.read(0, 4096)
            stdin_open = bool(d)
            held += d
    try:
        c.sendall(held)
        time.sleep(0.3)  # the RST comes back
    except OSError:
        pass
    os.close(1)


def proxy_after(addr, port):
    """ssh ProxyCommand: relay both ways, but hold ssh's first bytes (its
    identification line) until the server's first line has arrived."""
    c = socket.create_connection((addr, port), timeout=10)
    held, got, released, stdin_open = b"", b"", False, True
    while True:
        fds = [c.fileno()] + ([0] if stdin_open else [])
        r, _, _ = select.select(fds, [], [], 30)
        if not r:
            sys.exit("proxy-after: nothing for 30 s")
        if 0 in r:
            d = os.read(0, 65536)
            if not d:
                stdin_open = False
                c.shutdown(socket.SHUT_WR)
            elif released:
                c.sendall(d)
            else:
                held += d
        if c.fileno() in r:
            d = c.recv(65536)
            if not d:
                break
            os.write(1, d)
            if not released:
                got += d
                if b"\n" in got:
                    released = True
                    c.sendall(held)
    os.close(1)


def say(addr, port, text):
    c = socket.create_connection((addr, port), timeout=10)
    c.sendall(text.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    got = b""
    try:
        while len(got) < 65536:
            d = c.recv(4096)
            if not d:
                break
            got += d
    except OSError:
        pass
    print("said; got %r" % got[:300], flush=True)
    c.close()


def main(argv):
    if len(argv) == 5 and argv[1] == "say":
        say(argv[2], int(argv[3]), argv[4])
        return
    if len(argv) != 4:
        sys.exit(__doc__)
    mode, addr, port = argv[1], argv[2], int(argv[3])
    kept = []
    if mode == "hold":
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        c = socket.create_connection((addr, port), timeout=10)
        readline(c)
        print("held", flush=True)
        kept.append(c)
        while True:
            time.sleep(3600)
    if mode == "hold-quiet":
        # connect and stay open without reading: fills a full accept queue
        c = socket.create_connection((addr, port), timeout=10)
        print("connected", flush=True)
        kept.append(c)
        while True:
            time.sleep(3600)
    if mode == "agent-stall":
        # an ssh-agent socket (ADDR is its path) that accepts and never answers
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(addr)
        u.listen(8)
        print("listening", flush=True)
        while True:
            c, _ = u.accept()
            kept.append(c)
    if mode == "backlog":
        # a listener with a one-slot accept queue that never accepts
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(0)
        print("listening", flush=True)
        while True:
            time.sleep(3600)
    if mode == "proxy-late":
        proxy_late(addr, port)
        return
    if mode == "proxy-after":
        proxy_after(addr, port)
        return
    s = listen(addr, port)
    while True:
        c, _ = s.accept()
        if mode == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        elif mode == "silent":
            kept.append(c)
        elif mode == "smtp":
            c.sendall(b"220 mail.example.net ESMTP Postfix (Debian/GNU)\r\n")
            readline(c)
            c.sendall(b"502 5.5.2 Error: command not recognized\r\n221 2.0.0 Bye\r\n")
            c.shutdown(socket.SHUT_WR)
            readline(c, 2.0)
            c.close()
        elif mode == "http":
            readline(c)
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                      b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            c.shutdown(socket.SHUT_WR)
            readline(c, 2.0)
            c.close()
        elif mode == "pop3":
            c.sendall(b"+OK Dovecot (Debian) ready.\r\n")
            kept.append(c)
        elif mode == "mysql":
            c.sendall(MYSQL_GREETING)
            readline(c, 2.0)
            c.sendall(MYSQL_OUT_OF_ORDER)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        else:
            sys.exit("listeners.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
