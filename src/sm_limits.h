/* SPDX-License-Identifier: MIT */
/* summary: every cap and timeout in one place, with the reason for its value. */
#ifndef SM_LIMITS_H
#define SM_LIMITS_H

/* Flow table: the default cap on concurrent connections. At about 400 bytes a
 * flow this stays well under 1 GB even under a SYN flood; beyond it the least
 * recently seen connection is evicted and emitted as "unfinished". */
#define SM_DEFAULT_MAX_FLOWS 1000000u

/* A connection that has ended (both FINs, or a RST) is kept this many seconds
 * of capture time so that trailing ACKs, retransmitted FINs and RSTs attach to
 * it instead of starting a bogus mid-stream connection. */
#define SM_LINGER_SECS 30

/* A connection that never completed its handshake and has been silent this
 * long is over: the largest gap between SYN retries of common stacks is 64 s
 * (Linux, exponential from 1 s with tcp_syn_retries=6). */
#define SM_HANDSHAKE_TIMEOUT_SECS 75

/* Linux, Windows and macOS all use a 1 s initial retransmission timeout for
 * SYNs (RFC 6298 section 2.1). A lone SYN younger than this at capture end may
 * still be answered, so it is "unfinished", not "silent-drop". */
#define SM_INITIAL_RTO_USECS 1000000

/* Two copies of the same packet this close together are one packet captured
 * twice (a router's "-i any": ingress and egress), not a retransmission: no
 * stack retransmits within 50 ms of capture without a different IP ID or
 * timestamp option, which the duplicate signature includes. */
#define SM_DUP_WINDOW_USECS 50000
#define SM_DUP_RING         4

/* SYN timestamps kept per connection for the retry-spacing evidence. */
#define SM_MAX_SYN_TIMES 8

/* Zeek-style flag history: each of the 8 letters once per direction, so at
 * most 16 per connection (they are kept as 4-bit codes in 64 bits). */
#define SM_HISTORY_MAX 16

/* VLAN tags kept per packet and flow (802.1ad outer + 802.1Q inner). Deeper
 * stacks are decoded but only the outer two are part of the key. */
#define SM_MAX_VLANS      2
#define SM_MAX_VLAN_DEPTH 8

/* Tunnel nesting (GRE in VXLAN in Geneve ...) followed before giving up. */
#define SM_MAX_TUNNEL_DEPTH 3

/* IPv6 extension headers walked before the packet is declared hostile. */
#define SM_MAX_IPV6_EXT_HEADERS 16

/* Reassembly, per direction: contiguous bytes waiting for the dissector
 * (one plaintext SSH packet: OpenSSH accepts up to 256 KiB, and KEXINITs
 * with 1000-name lists exceed RFC 4253's 35,000) and out-of-order data held
 * for a hole to fill. Buffers grow only as needed (2 KiB first). Past these
 * caps the direction stops being dissected. */
#define SM_REASM_MAX_BUF       (256u * 1024u + 64u)
#define SM_REASM_MAX_OOO_BYTES 65536u
#define SM_REASM_MAX_OOO_SEGS  64u

/* Retransmission evidence: transmission times kept for the stalled
 * segment (its backoff series), and recent segments remembered to learn the
 * largest one the peer acknowledged (MTU black holes). */
#define SM_MAX_STALL_TIMES 8
#define SM_SEG_RING        16

/* --idle-min default: the shortest common default idle timeout of a
 * stateful middlebox is Azure Load Balancer's 4 minutes (AWS NAT gateway and
 * NLB 350 s, GCP Cloud NAT 1200 s, OpenWrt 7440 s, Linux conntrack 5 days). */
#define SM_DEFAULT_IDLE_MIN_SECS 240

/* A silence shorter than --idle-min still counts as an idle period, at
 * lower confidence (issue 22 item 4: cheap NAT routers expire idle TCP
 * after 60 s, AWS NLB 350 s, Azure 240 s), when it lasted at least this
 * long, at least SM_IDLE_RHYTHM_FACTOR times the connection's longest
 * earlier silence, and began with nothing outstanding either way. */
#define SM_SHORT_IDLE_SECS    30
#define SM_IDLE_RHYTHM_FACTOR 5

/* A data packet after at least this much silence, small, and answered, is
 * keepalive-like (SSH ServerAliveInterval/ClientAliveInterval traffic). */
#define SM_KEEPALIVE_GAP_SECS  10
#define SM_KEEPALIVE_MAX_BYTES 128

/* SSH ports given with -p. */
#define SM_MAX_PORTS 64
/* --local-nets networks (a linear scan per finished connection). */
#define SM_MAX_LOCAL_NETS 256
/* The whole BPF expression: on Ethernet the default filter three times
 * (untagged, one tag, two tags; about 1,200 characters each with 64 ports)
 * and -f beside each copy. */
#define SM_FILTER_MAX 16384

/* Live capture: the kernel ring (-B) and the snapshot length (-s). The
 * TPACKET_V3 ring holds packets at their size plus about 80 bytes: 32 MiB
 * is about 190 ms of the fastest replay this machine makes (350,000
 * packets/s of 420 bytes, bench/live.sh); 16 MiB was under 100 ms.
 * doc/performance.md "Live capture" has the measurements. */
#define SM_LIVE_BUFFER_BYTES (32 * 1024 * 1024)
#define SM_SNAPLEN           262144

/* Live capture: the kernel hands a TPACKET_V3 block over when it is full or
 * this old, so a packet waits at most this long before it can be read. */
#define SM_LIVE_BLOCK_MS 50
/* The live loop wakes at least this often, packets or not, to expire
 * connections by the clock, reopen the output and write statistics: an
 * ended connection's event comes within --linger plus about this. */
#define SM_LIVE_TICK_MS 250
/* Packets handled between two looks at the clock and the signals. */
#define SM_LIVE_BATCH 4096
/* At stop, how much longer than SM_LIVE_BLOCK_MS to wait for the last
 * packets (a netlink socket has none held back; an AF_PACKET block does). */
#define SM_LIVE_DRAIN_MS 100
/* --stats-interval default in live mode. */
#define SM_STATS_INTERVAL_SECS 60

#endif
