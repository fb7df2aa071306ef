/* SPDX-License-Identifier: MIT */
/* summary: the JSON writer: one compact NDJSON line per record, written as
 * the event builder calls it (no tree), with remembered text for values that
 * depend only on an interned object (a KEXINIT's name-lists, its HASSH).
 *
 * Why not jansson here: jansson has no streaming encoder, and building one
 * object tree per record and dumping it took about three quarters of the
 * whole run (doc/performance.md). What this file emits is a small subset of
 * JSON: every string is first made printable ASCII by sm_escape_bytes(), so
 * only '"' and '\' need JSON escapes. jansson stays the judge: the golden
 * tests parse every line with jansson and require that jansson's own
 * compact dump of it is the same bytes (tests/golden/json_roundtrip.c), and
 * the unit tests compare random records, reals and keys with jansson. */
#include "config.h"
#include "writer.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#define SM_JSON_DEPTH     16 /* containers, the record's own included */
#define SM_JSON_SHORT_KEY 48 /* keys up to this long take the fast path */

/* Remembered values: bounded so that a capture of endless distinct KEXINITs
 * cannot grow the cache; when a bound is reached the cache starts over. */
#define SM_MEMO_SLOTS     1024u /* power of two; at most half are used */
#define SM_MEMO_MAX_BYTES (4u * 1024u * 1024u)
#define SM_MEMO_MAX_VALUE (64u * 1024u) /* larger values are not remembered */

/* Keys written before, remembered by address: a record has about a hundred
 * keys, nearly all string constants, so the same few hundred addresses come
 * back in every record. A slot is used only after checking that the key at
 * that address still reads the same (a caller may pass a buffer it reuses),
 * with strncmp, which stops at the key's end. */
#define SM_KEY_SLOTS 1024u /* power of two */

struct sm_key_slot {
    const char *key;                  /* NULL: free slot */
    uint8_t n;                        /* its length */
    char text[SM_JSON_SHORT_KEY + 3]; /* the key quoted, then ':' */
};

struct sm_memo_entry {
    uint64_t id; /* 0: free slot */
    char *text;
    size_t len;
};

struct sm_writer_json {
    struct sm_writer w;
    char *buf; /* the record being written */
    size_t len, cap;
    bool oom;    /* an append failed: the record is not written */
    int depth;   /* index of the open container, -1 outside a record */
    int skipped; /* containers opened past SM_JSON_DEPTH, dropped whole */
    bool is_array[SM_JSON_DEPTH];
    bool has_items[SM_JSON_DEPTH];

    /* The value being remembered (memo_begin without a hit). */
    bool memo_armed;
    int memo_depth;    /* the container the value is written into */
    int memo_nested;   /* memo_begin calls inside the armed value, ignored */
    bool memo_cut;     /* a container inside it was dropped for depth */
    size_t memo_start; /* offset of the value's first byte, SIZE_MAX unset */
    uint64_t memo_id;
    struct sm_memo_entry memo[SM_MEMO_SLOTS];
    size_t memo_count, memo_bytes;
    struct sm_key_slot keys[SM_KEY_SLOTS];
};

size_t sm_escape_bytes(const void *bytes, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *b = bytes;
    size_t o = 0;

    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = b[i];
        if (c >= 0x20 && c <= 0x7e) {
            if (o + 1 >= outlen)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= outlen)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

static struct sm_writer_json *sm_wj(struct sm_writer *w)
{
    return (struct sm_writer_json *)w;
}

/* Room for n more bytes; false (and the record marked lost) when memory
 * runs out or the record would pass what a size_t can count. */
static bool sm_wj_grow(struct sm_writer_json *j, size_t n)
{
    if (j->oom)
        return false;
    if (n > SIZE_MAX / 2 - j->len) {
        j->oom = true;
        return false;
    }
    size_t cap = j->cap ? j->cap : 4096;
    while (cap - j->len < n)
        cap *= 2;
    char *nb = realloc(j->buf, cap);
    if (!nb) {
        j->oom = true;
        return false;
    }
    j->buf = nb;
    j->cap = cap;
    return true;
}

static inline bool sm_wj_reserve(struct sm_writer_json *j, size_t n)
{
    return (j->cap - j->len >= n && !j->oom) || sm_wj_grow(j, n);
}

static inline void sm_wj_put(struct sm_writer_json *j, const void *p, size_t n)
{
    if (sm_wj_reserve(j, n)) {
        memcpy(j->buf + j->len, p, n);
        j->len += n;
    }
}

static inline void sm_wj_putc(struct sm_writer_json *j, char c)
{
    if (sm_wj_reserve(j, 1))
        j->buf[j->len++] = c;
}

/* Bytes that go into a JSON string as they are: printable ASCII but the
 * quote and the backslash. */
static const uint8_t sm_wj_plain[256] = {
    [0x20] = 1,
    [0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7e] = 1,
};

/* Whether none of 8 bytes needs an escape. May say no for a plain byte
 * next to one that does (borrows and carries cross bytes): callers then
 * check byte by byte. */
static inline bool sm_wj_word_plain(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), s = x ^ (ones * '\\');
    uint64_t bad = ((x - ones * 0x20) & ~x) /* a byte below 0x20 */
                   | ((x + ones) | x)       /* a byte of 0x7f or more */
                   | ((q - ones) & ~q)      /* a quote */
                   | ((s - ones) & ~s);     /* a backslash */
    return (bad & highs) == 0;
}

#ifdef __SSE2__
/* Whether none of the 16 bytes at p needs an escape: below 0x20 or from
 * 0x80 on (negative as signed bytes), 0x7f, '"' or '\\'. Exact, unlike the
 * word test above. */
static inline bool sm_wj_block_plain(const uint8_t *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                            _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
                               _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(bad) == 0;
}
#endif

/* Writes the escaped bytes at o (room for len * 5 bytes) and returns the
 * end: bytes made printable ASCII the way sm_escape_bytes() does ("\xHH"
 * for the rest), then '"' and '\' escaped, so "\xHH" appears in JSON as
 * "\\xHH". */
static char *sm_wj_escape_into(char *o, const uint8_t *b, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < len) {
#ifdef __SSE2__
        /* Sixteen bytes at a time where the CPU has SSE2 (every x86-64):
         * reasons, hints and software versions are long and plain. */
        if (len - i >= 16 && sm_wj_block_plain(b + i)) {
            memcpy(o, b + i, 16);
            o += 16;
            i += 16;
            continue;
        }
#endif
        /* Eight bytes at a time while none needs an escape (keys, names,
         * versions: nearly everything). A word that may hold one (the
         * tests can flag a plain byte next to a flagged one) goes byte by
         * byte below, which is exact. */
        if (len - i >= 8) {
            uint64_t x;
            memcpy(&x, b + i, 8);
            if (sm_wj_word_plain(x)) {
                memcpy(o, &x, 8);
                o += 8;
                i += 8;
                continue;
            }
        }
        uint8_t c = b[i++];
        if (sm_wj_plain[c]) {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        if (c == '"' || c == '\\') {
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return o;
}

/* A JSON string of raw bytes. */
static void sm_wj_string(struct sm_writer_json *j, const void *bytes, size_t len)
{
    /* Worst case: every byte becomes "\\xHH" (5 characters). */
    if (len > (SIZE_MAX - 2) / 5 || !sm_wj_reserve(j, len * 5 + 2))
        return;
    char *o = j->buf + j->len;
    *o++ = '"';
    o = sm_wj_escape_into(o, bytes, len);
    *o++ = '"';
    j->len = (size_t)(o - j->buf);
}

/* Whether a value may be written now: inside a record, not inside a
 * container that was dropped for depth. */
static bool sm_wj_open(const struct sm_writer_json *j)
{
    return j->depth >= 0 && j->skipped == 0;
}

/* Keys are short names from this program: checked and copied a word at a
 * time into room reserved for a short key. False when the key is long or
 * needs an escape: what was copied is not counted, the caller writes the
 * key again the general way. */
static bool sm_wj_short_key(struct sm_writer_json *j, const char *k, bool comma,
                            struct sm_key_slot *slot)
{
    size_t n = strlen(k);
    if (n > SM_JSON_SHORT_KEY || !sm_wj_reserve(j, SM_JSON_SHORT_KEY + 4))
        return false;
    char *o = j->buf + j->len;
    if (comma)
        *o++ = ',';
    *o++ = '"';
    if (n >= 8) {
        /* Whole words, the last one overlapping the one before: every byte
         * is checked and copied without a loop over single bytes. */
        uint64_t x;
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&x, k + i, 8);
            if (!sm_wj_word_plain(x))
                return false;
            memcpy(o + i, &x, 8);
        }
        memcpy(&x, k + n - 8, 8);
        if (!sm_wj_word_plain(x))
            return false;
        memcpy(o + n - 8, &x, 8);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (!sm_wj_plain[(uint8_t)k[i]])
                return false;
            o[i] = k[i];
        }
    }
    o += n;
    *o++ = '"';
    *o++ = ':';
    /* Remembered from the output just written: the quote before the key,
     * the key, the quote and the colon. */
    memcpy(slot->text, o - n - 3, n + 3);
    slot->n = (uint8_t)n;
    slot->key = k;
    j->len = (size_t)(o - j->buf);
    return true;
}

static struct sm_key_slot *sm_wj_key_slot(struct sm_writer_json *j, const char *k)
{
    uint64_t h = (uint64_t)(uintptr_t)k * 0x9e3779b97f4a7c15ULL;
    return &j->keys[h >> 54 & (SM_KEY_SLOTS - 1)];
}

/* Bounds the program's own read-only data (the GNU linker's etext ends the
 * code, glibc's __data_start begins the writable data; between them lie
 * .rodata and the linker's tables), where the string literals
 * that nearly every key is live. */
extern const char etext[], __data_start[];

/* Whether the bytes at k can never change: a key there is known by its
 * address alone. Any other key (one built in a buffer) may have been
 * rewritten since its address was remembered, and is compared. */
static bool sm_wj_key_is_literal(const char *k)
{
    return (uintptr_t)k >= (uintptr_t)etext && (uintptr_t)k < (uintptr_t)__data_start;
}

/* Writes the separator and a remembered key; false when k is not the key
 * its slot remembers (or the buffer cannot grow). */
static bool sm_wj_known_key(struct sm_writer_json *j, const char *k, bool comma,
                            const struct sm_key_slot *slot)
{
    if (slot->key != k)
        return false;
    if (!sm_wj_key_is_literal(k) &&
        (strncmp(k, slot->text + 1, slot->n) != 0 || k[slot->n] != '\0'))
        return false;
    if (!sm_wj_reserve(j, sizeof(slot->text) + 1))
        return false;
    char *o = j->buf + j->len;
    *o = ',';
    o += comma;
    memcpy(o, slot->text, sizeof(slot->text)); /* a fixed size: a few moves */
    j->len = (size_t)(o - j->buf) + slot->n + 3;
    return true;
}

/* The separator and the key before a value in the open container. A NULL
 * key in an object is the empty key; keys in arrays are ignored. */
static void sm_wj_prefix(struct sm_writer_json *j, const char *key)
{
    int d = j->depth;
    bool comma = j->has_items[d];
    j->has_items[d] = true;
    if (j->is_array[d]) {
        if (comma)
            sm_wj_putc(j, ',');
    } else {
        const char *k = key ? key : "";
        struct sm_key_slot *slot = sm_wj_key_slot(j, k);
        size_t klen;
        if (!sm_wj_known_key(j, k, comma, slot) && !sm_wj_short_key(j, k, comma, slot) &&
            (klen = strlen(k)) <= (SIZE_MAX - 4) / 5 && sm_wj_reserve(j, klen * 5 + 4)) {
            char *o = j->buf + j->len;
            if (comma)
                *o++ = ',';
            *o++ = '"';
            o = sm_wj_escape_into(o, (const uint8_t *)k, klen);
            *o++ = '"';
            *o++ = ':';
            j->len = (size_t)(o - j->buf);
        }
    }
    if (j->memo_armed && j->memo_nested == 0 && d == j->memo_depth && j->memo_start == SIZE_MAX)
        j->memo_start = j->len;
}

static void sm_wj_begin(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    /* An unfinished record (begin without end) is dropped. */
    j->len = 0;
    j->oom = false;
    j->skipped = 0;
    j->memo_armed = false;
    j->depth = 0;
    j->is_array[0] = false;
    j->has_items[0] = false;
    sm_wj_putc(j, '{');
}

static const char *sm_wj_finish(struct sm_writer *w, size_t *len)
{
    struct sm_writer_json *j = sm_wj(w);
    if (j->depth < 0)
        return NULL;
    /* Containers left open are closed, as a tree would have been. */
    for (int d = j->depth; d >= 0; d--)
        sm_wj_putc(j, j->is_array[d] ? ']' : '}');
    sm_wj_putc(j, '\n');
    j->depth = -1;
    j->memo_armed = false;
    if (j->oom)
        return NULL;
    *len = j->len;
    return j->buf;
}

static int sm_wj_end(struct sm_writer *w, FILE *out)
{
    size_t len;
    const char *rec = sm_wj_finish(w, &len);
    if (!rec)
        return -1;
    return fwrite(rec, 1, len, out) == len ? 0 : -1;
}

static void sm_wj_push(struct sm_writer *w, const char *key, bool array)
{
    struct sm_writer_json *j = sm_wj(w);
    if (j->depth < 0)
        return;
    if (j->skipped > 0 || j->depth + 1 >= SM_JSON_DEPTH) {
        j->skipped++;
        j->memo_cut = true; /* the same value elsewhere might fit whole */
        return;
    }
    sm_wj_prefix(j, key);
    sm_wj_putc(j, array ? '[' : '{');
    j->depth++;
    j->is_array[j->depth] = array;
    j->has_items[j->depth] = false;
}

static void sm_wj_obj_begin(struct sm_writer *w, const char *key)
{
    sm_wj_push(w, key, false);
}

static void sm_wj_arr_begin(struct sm_writer *w, const char *key)
{
    sm_wj_push(w, key, true);
}

static void sm_wj_pop(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (j->skipped > 0) {
        j->skipped--;
    } else if (j->depth > 0) {
        sm_wj_putc(j, j->is_array[j->depth] ? ']' : '}');
        j->depth--;
    }
}

static void sm_wj_str(struct sm_writer *w, const char *key, const void *bytes, size_t len)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!sm_wj_open(j))
        return;
    sm_wj_prefix(j, key);
    sm_wj_string(j, bytes, len);
}

/* Decimal digits of v, as printf's %lld would print them. */
static void sm_wj_int(struct sm_writer_json *j, const char *key, int64_t v)
{
    if (!sm_wj_open(j))
        return;
    char tmp[24];
    size_t n = sizeof(tmp);
    /* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    /* Two digits per division (most values are small counts, but
     * microsecond times have 16 digits). */
    static const char pairs[201] =
            "00010203040506070809101112131415161718192021222324252627282930313233"
            "34353637383940414243444546474849505152535455565758596061626364656667"
            "6869707172737475767778798081828384858687888990919293949596979899";
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        tmp[--n] = pairs[2 * r + 1];
        tmp[--n] = pairs[2 * r];
    }
    if (u >= 10) {
        tmp[--n] = pairs[2 * u + 1];
        tmp[--n] = pairs[2 * u];
    } else {
        tmp[--n] = (char)('0' + u);
    }
    if (v < 0)
        tmp[--n] = '-';
    sm_wj_prefix(j, key);
    sm_wj_put(j, tmp + n, sizeof(tmp) - n);
}

static void sm_wj_u64(struct sm_writer *w, const char *key, uint64_t v)
{
    /* JSON consumers read integers as signed 64-bit: capped there. */
    sm_wj_int(sm_wj(w), key, (int64_t)(v > INT64_MAX ? INT64_MAX : v));
}

static void sm_wj_i64(struct sm_writer *w, const char *key, int64_t v)
{
    sm_wj_int(sm_wj(w), key, v);
}

/* A real as jansson prints one with JSON_REAL_PRECISION(10): "%.10g", ".0"
 * added when that looks like an integer, the exponent without '+' and
 * leading zeros; so 0.9 is "0.9", not 0.90000000000000002. v is first
 * rounded to decimals places. Writes at most 40 bytes at tmp and returns
 * their count, 0 on failure. */
static size_t sm_wj_format_real(double v, int decimals, char *tmp)
{
    double scale = pow(10.0, decimals);
    double scaled = round(v * scale);
    double r = scaled / scale;

    if (!isfinite(r))
        r = 0.0;
    /* Most reals are durations and ratios with a few decimals: when the
     * rounded value has at most 10 significant digits and needs no
     * exponent, "%.10g" prints exactly its decimal digits, trailing zeros
     * dropped; written by hand (snprintf of a double costs about 2,000
     * instructions). Negative zero and the rest go through snprintf. */
    if (decimals >= 0 && decimals <= 9 && fabs(scaled) < 1e10 && (r != 0.0 || !signbit(r)) &&
        (r == 0.0 || fabs(r) >= 1e-4)) {
        uint64_t u = (uint64_t)fabs(scaled);
        char digits[24];
        int nd = 0;
        do {
            digits[nd++] = (char)('0' + u % 10);
            u /= 10;
        } while (u || nd <= decimals); /* at least one digit before the point */
        int drop = 0;                  /* trailing zeros of the fraction */
        while (drop < decimals && digits[drop] == '0')
            drop++;
        size_t len = 0;
        if (scaled < 0)
            tmp[len++] = '-';
        for (int i = nd - 1; i >= decimals; i--)
            tmp[len++] = digits[i];
        tmp[len++] = '.';
        if (drop == decimals)
            tmp[len++] = '0';
        for (int i = decimals - 1; i >= drop; i--)
            tmp[len++] = digits[i];
        return len;
    }
    int n = snprintf(tmp, 40 - 3, "%.10g", r);
    if (n < 0 || n >= 40 - 3)
        return 0;
    size_t len = (size_t)n;
    char *e = memchr(tmp, 'e', len);
    if (!e && !memchr(tmp, '.', len)) {
        memcpy(tmp + len, ".0", 3);
        len += 2;
    }
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len + 1 - (size_t)(end - tmp));
            len -= (size_t)(end - start);
        }
    }
    return len;
}

static void sm_wj_real(struct sm_writer *w, const char *key, double v, int decimals)
{
    struct sm_writer_json *j = sm_wj(w);
    char tmp[40];
    if (!sm_wj_open(j))
        return;
    size_t len = sm_wj_format_real(v, decimals, tmp);
    if (len == 0)
        return;
    sm_wj_prefix(j, key);
    sm_wj_put(j, tmp, len);
}

static void sm_wj_bool(struct sm_writer *w, const char *key, bool v)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!sm_wj_open(j))
        return;
    sm_wj_prefix(j, key);
    if (v)
        sm_wj_put(j, "true", 4);
    else
        sm_wj_put(j, "false", 5);
}

static void sm_wj_null(struct sm_writer *w, const char *key)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!sm_wj_open(j))
        return;
    sm_wj_prefix(j, key);
    sm_wj_put(j, "null", 4);
}

static struct sm_memo_entry *sm_wj_memo_slot(struct sm_writer_json *j, uint64_t id)
{
    /* Fibonacci hashing: ids are sequential, the multiply spreads them. */
    size_t i = (size_t)((id * 0x9e3779b97f4a7c15ull) >> 54) & (SM_MEMO_SLOTS - 1);
    while (j->memo[i].id != 0 && j->memo[i].id != id)
        i = (i + 1) & (SM_MEMO_SLOTS - 1);
    return &j->memo[i];
}

static void sm_wj_memo_clear(struct sm_writer_json *j)
{
    for (size_t i = 0; i < SM_MEMO_SLOTS; i++) {
        free(j->memo[i].text);
        j->memo[i] = (struct sm_memo_entry){ 0 };
    }
    j->memo_count = 0;
    j->memo_bytes = 0;
}

static bool sm_wj_memo_begin(struct sm_writer *w, const char *key, uint64_t id)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!sm_wj_open(j))
        return false;
    if (j->memo_armed) {
        j->memo_nested++;
        return false;
    }
    if (id != 0) {
        struct sm_memo_entry *e = sm_wj_memo_slot(j, id);
        if (e->id == id) {
            sm_wj_prefix(j, key);
            sm_wj_put(j, e->text, e->len);
            return true;
        }
    }
    j->memo_armed = true;
    j->memo_nested = 0;
    j->memo_cut = false;
    j->memo_depth = j->depth;
    j->memo_start = SIZE_MAX;
    j->memo_id = id;
    return false;
}

static void sm_wj_memo_end(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!j->memo_armed)
        return;
    if (j->memo_nested > 0) {
        j->memo_nested--;
        return;
    }
    j->memo_armed = false;
    /* Remember only a whole value: written, back in its container, not
     * cut by depth or memory. */
    if (j->memo_id == 0 || j->memo_start == SIZE_MAX || j->memo_cut || j->oom || !sm_wj_open(j) ||
        j->depth != j->memo_depth)
        return;
    size_t n = j->len - j->memo_start;
    if (n == 0 || n > SM_MEMO_MAX_VALUE)
        return;
    if (j->memo_count + 1 > SM_MEMO_SLOTS / 2 || j->memo_bytes + n > SM_MEMO_MAX_BYTES)
        sm_wj_memo_clear(j);
    char *text = malloc(n);
    if (!text)
        return;
    memcpy(text, j->buf + j->memo_start, n);
    struct sm_memo_entry *e = sm_wj_memo_slot(j, j->memo_id);
    if (e->id == j->memo_id) { /* remembered twice: keep the first */
        free(text);
        return;
    }
    *e = (struct sm_memo_entry){ .id = j->memo_id, .text = text, .len = n };
    j->memo_count++;
    j->memo_bytes += n;
}

static void sm_wj_free(struct sm_writer *w)
{
    struct sm_writer_json *j = sm_wj(w);
    if (!j)
        return;
    sm_wj_memo_clear(j);
    free(j->buf);
    free(j);
}

static const struct sm_writer_ops sm_writer_json_ops = {
    .begin = sm_wj_begin,
    .end = sm_wj_end,
    .finish = sm_wj_finish,
    .obj_begin = sm_wj_obj_begin,
    .obj_end = sm_wj_pop,
    .arr_begin = sm_wj_arr_begin,
    .arr_end = sm_wj_pop,
    .str = sm_wj_str,
    .u64 = sm_wj_u64,
    .i64 = sm_wj_i64,
    .real = sm_wj_real,
    .boolean = sm_wj_bool,
    .null = sm_wj_null,
    .memo_begin = sm_wj_memo_begin,
    .memo_end = sm_wj_memo_end,
    .free = sm_wj_free,
};

struct sm_writer *sm_writer_json_new(void)
{
    struct sm_writer_json *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->w.ops = &sm_writer_json_ops;
    j->depth = -1;
    return &j->w;
}
