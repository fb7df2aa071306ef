/* SPDX-License-Identifier: MIT */
/* summary: a neutral key/value writer. The event builder and dissectors
 * describe themselves through it; streaming NDJSON (writer_json.c) and the
 * one-line text form (writer_text.c) implement it. */
#ifndef SM_WRITER_H
#define SM_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct sm_writer;

/* The text form's ladder diagram (-F text): a few rows, built from the
 * facts a connection keeps (SYN and handshake times, retransmissions of a
 * stalled segment, the idle period, ICMP errors, FINs and RSTs), not from a
 * packet log: a flow holds no per-packet history. */
enum sm_ladder_kind {
    SM_LADDER_TO_SERVER, /* an arrow client -> server */
    SM_LADDER_TO_CLIENT, /* an arrow server -> client */
    SM_LADDER_GAP,       /* a silence of n microseconds */
    SM_LADDER_MORE,      /* n packets not drawn */
};
#define SM_LADDER_ROWS 40
struct sm_ladder_row {
    int64_t ts; /* capture time; 0 for SM_LADDER_MORE */
    uint64_t n;
    enum sm_ladder_kind kind;
    char label[48];
};
struct sm_ladder {
    int64_t t0; /* the time rows are drawn relative to */
    unsigned n;
    struct sm_ladder_row row[SM_LADDER_ROWS];
};

/* How the text form looks: colour (ANSI, only when asked: main decides
 * from --color, the terminal and NO_COLOR), the width to fit, and whether
 * each header names its capture file (several -r inputs). */
struct sm_text_style {
    bool color;
    unsigned width; /* columns; 0: 80 */
    bool show_source;
};

/* Keys are NULL inside arrays. Strings are raw bytes: the writer escapes
 * control and non-ASCII bytes, so no field can vanish on invalid UTF-8. */
struct sm_writer_ops {
    void (*begin)(struct sm_writer *w);
    /* Finishes the record and writes it as one line; returns 0 or -1. */
    int (*end)(struct sm_writer *w, FILE *out);
    void (*obj_begin)(struct sm_writer *w, const char *key);
    void (*obj_end)(struct sm_writer *w);
    void (*arr_begin)(struct sm_writer *w, const char *key);
    void (*arr_end)(struct sm_writer *w);
    void (*str)(struct sm_writer *w, const char *key, const void *bytes, size_t len);
    void (*u64)(struct sm_writer *w, const char *key, uint64_t v);
    void (*i64)(struct sm_writer *w, const char *key, int64_t v);
    /* Rounded to decimals places and printed without float noise. */
    void (*real)(struct sm_writer *w, const char *key, double v, int decimals);
    void (*boolean)(struct sm_writer *w, const char *key, bool v);
    void (*null)(struct sm_writer *w, const char *key);
    /* Memoised values: a value under key that depends only on an interned
     * object (a KEXINIT, an identification line) is the same text in every
     * record that names the object. memo_begin returns true when the writer
     * wrote the remembered text for id itself: the caller then writes
     * nothing for this key. Otherwise the caller writes exactly one value
     * under key and then calls memo_end, and the writer may remember it.
     * id is unique for the life of the process (never reused), 0 is never
     * remembered. Writers that remember nothing return false. */
    bool (*memo_begin)(struct sm_writer *w, const char *key, uint64_t id);
    void (*memo_end)(struct sm_writer *w);
    void (*free)(struct sm_writer *w);
    /* Finishes the record like end but writes nothing: returns its bytes
     * (one line, ending in '\n', *len of them), valid until the next
     * begin; NULL when it could not be built (out of memory). The output
     * uses it to measure a record and to write it its own way. */
    const char *(*finish)(struct sm_writer *w, size_t *len);
    /* Optional (NULL: the writer has no use for it): the packets that
     * decided a connection's verdict, for the text form's ladder diagram.
     * Called at most once per record, before its end. */
    void (*ladder)(struct sm_writer *w, const struct sm_ladder *l);
};

struct sm_writer {
    const struct sm_writer_ops *ops;
};

/* Constructors; NULL on allocation failure. Free with w->ops->free(w). */
struct sm_writer *sm_writer_json_new(void);
struct sm_writer *sm_writer_text_new(void); /* the default style */
struct sm_writer *sm_writer_text_new_style(const struct sm_text_style *style);

/* Convenience for NUL-terminated strings. */
static inline void sm_w_cstr(struct sm_writer *w, const char *key, const char *s)
{
    w->ops->str(w, key, s, strlen(s));
}

/* Escapes raw bytes into printable ASCII: bytes outside 0x20..0x7e become
 * "\xHH". Writes at most outlen-1 characters plus a NUL; returns the length. */
size_t sm_escape_bytes(const void *bytes, size_t len, char *out, size_t outlen);

#endif
