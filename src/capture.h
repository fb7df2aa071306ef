/* SPDX-License-Identifier: MIT */
/* summary: packet sources through libpcap: capture files (pcap, pcapng,
 * stdin) and live interfaces (also "any" and "nflog:N"), with the default
 * BPF filter built per link type. */
#ifndef SM_CAPTURE_H
#define SM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sm_capture;

enum sm_capture_rc {
    SM_CAP_PACKET = 1,  /* a packet was returned */
    SM_CAP_TIMEOUT = 0, /* live: nothing arrived within the read timeout */
    SM_CAP_EOF = -1,    /* end of file, or the loop was broken */
    SM_CAP_ERROR = -2,  /* read error or a corrupt/truncated file */
};

struct sm_captured {
    const uint8_t *data; /* borrowed until the next sm_capture_next() */
    uint32_t data_len;   /* bytes at data: cap_len, or what prepare kept */
    uint32_t cap_len, wire_len;
    int64_t ts_us;
    /* What the prepare function made of this packet on the read-ahead
     * thread (sm_capture_set_prepare), the caller's to change, borrowed
     * like data; NULL when it did not run (live capture, no thread). */
    void *prepared;
    /* The prepared area of a packet SM_CAP_LOOKAHEAD packets later in the
     * same batch, read-only, or NULL: for the caller to prefetch what that
     * packet will touch (its flow), so that the memory is in the cache by
     * the time the packet comes. */
    const void *prepared_ahead;
};

#define SM_CAP_LOOKAHEAD 16

/* Work done on each packet of a file on the read-ahead thread, before the
 * analysis sees it: fn fills out (out_size bytes, 8-byte aligned) from pkt,
 * whose data is libpcap's, valid only during the call. What of the bytes
 * the analysis needs, fn copies to keep (room for pkt->cap_len bytes; it
 * stays valid as long as the packet is, so out may point into it) and
 * returns how many it kept: the analysis gets those as data, data_len.
 * Keeping only what is needed (the payload, not the headers decoded into
 * out) saves the copy and, more, the cache lines that move from the
 * reader's core to the analysis'. fn runs on another thread than the
 * caller: it may touch only ctx, out and keep, and ctx is the caller's
 * again after sm_capture_close(). Set before the first sm_capture_next(). */
typedef uint32_t (*sm_capture_prepare_fn)(void *ctx, const struct sm_captured *pkt, void *out,
                                          uint8_t *keep);
void sm_capture_set_prepare(struct sm_capture *c, size_t out_size, sm_capture_prepare_fn fn,
                            void *ctx);

/* "-" reads stdin. NULL on failure, with a message in err. */
struct sm_capture *sm_capture_open_file(const char *path, char *err, size_t errlen);
/* A live capture: snaplen bytes of each packet (0: SM_SNAPLEN) in a kernel
 * ring of buffer_bytes (0: SM_LIVE_BUFFER_BYTES). Not in immediate mode:
 * TPACKET_V3 packs packets into blocks the kernel hands over when full or
 * SM_LIVE_BLOCK_MS old, so the caller waits with sm_capture_wait(), not in
 * libpcap. NULL on failure, with a message in err. */
struct sm_capture *sm_capture_open_live(const char *iface, uint32_t snaplen, uint64_t buffer_bytes,
                                        char *err, size_t errlen);

int sm_capture_datalink(const struct sm_capture *c);
const char *sm_capture_datalink_name(const struct sm_capture *c);

/* Builds the default filter for a link type into out: TCP on the SSH ports
 * (nports 0: all TCP, for -p auto) and TCP elsewhere whose payload starts
 * with "SSH-", ICMP/ICMPv6 errors and GRE/VXLAN/Geneve tunnels, also behind 802.1Q/802.1ad tags
 * on Ethernet; extra (may be NULL) is ANDed so that it reads the same headers
 * untagged, behind one tag and behind two -- unless
 * sm_capture_filter_apart(extra), when it is left out (the capture runs it on
 * its own). Returns false when the link type gets no kernel filter (NFLOG:
 * libpcap compiles none; the program filters itself anyway) or out is too
 * small. */
bool sm_capture_build_filter(int dlt, const uint16_t *ports, size_t nports, const char *extra,
                             char *out, size_t outlen);
/* Whether a -f filter moves libpcap's offsets itself ("vlan", "mpls",
 * "pppoes", "geneve" as words): then it cannot be repeated beside the default
 * filter's copies, and is compiled alone, as tcpdump would, and ANDed by
 * running both programs. (A host named "vlan" is taken for the keyword: the
 * filter still means the same, only it runs in the program.) */
bool sm_capture_filter_apart(const char *extra);
/* Compiles and installs the filter; 0, or -1 with a message in err. */
int sm_capture_set_filter(struct sm_capture *c, const uint16_t *ports, size_t nports,
                          const char *extra, char *err, size_t errlen);

enum sm_capture_rc sm_capture_next(struct sm_capture *c, struct sm_captured *pkt);

/* Live capture, driven by the caller's own loop (engine.c): */
/* Waits at most timeout_ms until packets are ready, wake_fd or other_fd
 * (-1: none; the conntrack witness) is readable, or a signal arrives. 1:
 * packets are ready; 0: not (timeout, wake-up, other_fd, signal); -1:
 * error (sm_capture_error()). */
int sm_capture_wait(struct sm_capture *c, int wake_fd, int other_fd, int timeout_ms);
/* Live: the descriptor to poll() when several captures run at once
 * (engine.c waits on all of them itself), and whether it is NFLOG's. */
int sm_capture_fd(const struct sm_capture *c);
bool sm_capture_is_nflog(const struct sm_capture *c);
/* Hands at most max packets that are ready to fn, without waiting; pkt is
 * valid during the call only. Their number, or -1 on error. */
typedef void (*sm_capture_fn)(void *ctx, const struct sm_captured *pkt);
int sm_capture_dispatch(struct sm_capture *c, int max, sm_capture_fn fn, void *ctx);
/* At stop: hands fn what the kernel holds now and what it releases within
 * sm_capture_holdback_ms() + SM_LIVE_DRAIN_MS (a block not yet full), so
 * that connections that ended just before the stop are complete. Returns
 * the number of packets, or -1 on error. */
int sm_capture_drain(struct sm_capture *c, sm_capture_fn fn, void *ctx);
/* How long the kernel may hold a captured packet before it can be read:
 * packets with older timestamps may still come (milliseconds). */
unsigned sm_capture_holdback_ms(const struct sm_capture *c);
/* The snapshot length and ring size in effect. */
uint32_t sm_capture_snaplen(const struct sm_capture *c);
uint64_t sm_capture_buffer_bytes(const struct sm_capture *c);
/* The libpcap message of the last SM_CAP_ERROR. */
const char *sm_capture_error(struct sm_capture *c);

/* A file, after sm_capture_next() returned SM_CAP_EOF: the time of the
 * last packet in it, whether the filter took it or not (0: none; live
 * captures: 0). */
int64_t sm_capture_end_ts(const struct sm_capture *c);
/* Live counters since the capture started (libpcap's 32-bit counters
 * widened: call at least once per 2^32 packets); false for files. */
bool sm_capture_stats(struct sm_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);
/* Async-signal-safe: makes sm_capture_next() return SM_CAP_EOF. */
void sm_capture_break(struct sm_capture *c);
void sm_capture_close(struct sm_capture *c);

#endif
