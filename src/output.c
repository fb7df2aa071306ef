/* SPDX-License-Identifier: MIT */
/* summary: event destinations. Each record is written whole, as one line;
 * syslog records get an RFC 5424 header (RFC 6587 octet counting on TCP). */
#include "config.h"
#include "output.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "writeback.h"

/* Output to a file or a pipe when records need not leave one by one (not
 * live): a large stdio buffer turns one write(2) per record into one per
 * megabyte. */
#define SM_OUTPUT_BUFFER (1024 * 1024)

struct sm_output {
    enum sm_format fmt;
    struct sm_writer *w;
    FILE *out;  /* stdout, the file, or a memory stream for syslog */
    char *path; /* file destination, for reopen */
    bool owns_out;
    bool line_buffered;
    char *out_buf;  /* the stdio buffer of an owned file; freed after fclose */
    bool writeback; /* out writes on its own thread (writeback.h) */
    /* syslog */
    int sock;
    bool tcp;
    char *mem;
    size_t memlen;
    const char *host;
    uint64_t errors;
};

/* Live output leaves line by line; a file we own written from captures gets
 * a large buffer (glibc ignores the size unless given the buffer too), kept
 * until the file is closed. stdout keeps stdio's own: it is flushed at exit,
 * after this module is gone. */
static void sm_output_set_buffer(struct sm_output *o)
{
    if (!o->out)
        return;
    if (o->line_buffered) {
        setvbuf(o->out, NULL, _IOLBF, 0);
        return;
    }
    if (!o->owns_out)
        return;
    if (o->writeback) {
        /* It buffers itself: a record goes into its queue in one copy. */
        setvbuf(o->out, NULL, _IONBF, 0);
        return;
    }
    if (!o->out_buf)
        o->out_buf = malloc(SM_OUTPUT_BUFFER);
    if (o->out_buf)
        setvbuf(o->out, o->out_buf, _IOFBF, SM_OUTPUT_BUFFER);
}

/* A file destination, appended to. Live output goes straight to the file,
 * line by line; from captures the writes run on their own thread
 * (writeback.h), or through plain stdio if that thread cannot start. */
static FILE *sm_output_fopen(struct sm_output *o)
{
    o->writeback = false;
    if (!o->line_buffered) {
        FILE *f = sm_writeback_open_append(o->path);
        if (f) {
            o->writeback = true;
            return f;
        }
    }
    return fopen(o->path, "a");
}

static int sm_output_syslog_connect(struct sm_output *o, const char *spec, char *err, size_t errlen)
{
    char hostbuf[256];
    const char *port = o->tcp ? "601" : "514";
    struct addrinfo hints, *res = NULL;

    snprintf(hostbuf, sizeof(hostbuf), "%s", spec);
    char *colon = strrchr(hostbuf, ':');
    char *bracket = strchr(hostbuf, ']');
    if (colon && (!bracket || colon > bracket)) {
        *colon = '\0';
        port = colon + 1;
    }
    char *h = hostbuf;
    if (h[0] == '[') { /* [2001:db8::1]:514 */
        h++;
        char *e = strchr(h, ']');
        if (e)
            *e = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = o->tcp ? SOCK_STREAM : SOCK_DGRAM;
    int rc = getaddrinfo(h, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "syslog host %s: %s", h, gai_strerror(rc));
        return -1;
    }
    o->sock = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0)
            continue;
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            o->sock = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    if (o->sock < 0) {
        snprintf(err, errlen, "syslog %s: cannot connect: %s", spec, strerror(errno));
        return -1;
    }
    return 0;
}

struct sm_output *sm_output_open(const char *dest, enum sm_format fmt, const char *host,
                                 bool line_buffered, char *err, size_t errlen)
{
    struct sm_output *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->fmt = fmt;
    o->sock = -1;
    o->host = host;
    o->line_buffered = line_buffered;
    o->w = fmt == SM_FMT_TEXT ? sm_writer_text_new() : sm_writer_json_new();
    if (!o->w) {
        snprintf(err, errlen, "out of memory");
        free(o);
        return NULL;
    }
    if (!dest || strcmp(dest, "-") == 0) {
        o->out = stdout;
    } else if (strncmp(dest, "syslog://", 9) == 0 || strncmp(dest, "syslog+tcp://", 13) == 0) {
        o->tcp = dest[6] == '+';
        if (sm_output_syslog_connect(o, dest + (o->tcp ? 13 : 9), err, errlen) != 0) {
            sm_output_close(o);
            return NULL;
        }
    } else {
        o->path = strdup(dest);
        o->out = o->path ? sm_output_fopen(o) : NULL;
        if (!o->out) {
            snprintf(err, errlen, "%s: %s", dest, strerror(errno));
            sm_output_close(o);
            return NULL;
        }
        o->owns_out = true;
    }
    sm_output_set_buffer(o);
    return o;
}

struct sm_writer *sm_output_writer(struct sm_output *o)
{
    return o->w;
}

bool sm_output_wants_records(const struct sm_output *o)
{
    return o->fmt != SM_FMT_SUMMARY;
}

/* Sends one record to syslog: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG.
 * PRI 134 is facility local0, severity informational. */
static int sm_output_syslog_send(struct sm_output *o, const char *msg, size_t len)
{
    char hdr[512];
    while (len > 0 && msg[len - 1] == '\n')
        len--;
    int h = snprintf(hdr, sizeof(hdr), "<134>1 - %s sshmortem %ld - - ", o->host, (long)getpid());
    if (h < 0 || (size_t)h >= sizeof(hdr))
        return -1;
    size_t total = (size_t)h + len;
    char *buf = malloc(total + 24);
    if (!buf)
        return -1;
    size_t off = 0;
    if (o->tcp)
        off = (size_t)snprintf(buf, 24, "%zu ", total);
    memcpy(buf + off, hdr, (size_t)h);
    memcpy(buf + off + (size_t)h, msg, len);
    ssize_t sent = send(o->sock, buf, off + total, MSG_NOSIGNAL);
    free(buf);
    return sent == (ssize_t)(off + total) ? 0 : -1;
}

int sm_output_commit(struct sm_output *o)
{
    int rc;
    if (o->sock >= 0) {
        FILE *mem = open_memstream(&o->mem, &o->memlen);
        if (!mem) {
            o->errors++;
            return -1;
        }
        rc = o->w->ops->end(o->w, mem);
        fclose(mem);
        if (rc == 0)
            rc = sm_output_syslog_send(o, o->mem, o->memlen);
        free(o->mem);
        o->mem = NULL;
    } else {
        rc = o->w->ops->end(o->w, o->out);
    }
    if (rc != 0)
        o->errors++;
    return rc;
}

struct sm_writer *sm_output_new_writer(const struct sm_output *o)
{
    return o->fmt == SM_FMT_TEXT ? sm_writer_text_new() : sm_writer_json_new();
}

char *sm_output_render(struct sm_writer *w, size_t *len)
{
    char *text = NULL;
    FILE *mem = open_memstream(&text, len);
    if (!mem)
        return NULL;
    int rc = w->ops->end(w, mem);
    if (fclose(mem) != 0 || rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int sm_output_commit_text(struct sm_output *o, const char *text, size_t len)
{
    int rc;
    if (o->sock >= 0)
        rc = sm_output_syslog_send(o, text, len);
    else
        rc = fwrite(text, 1, len, o->out) == len ? 0 : -1;
    if (rc != 0)
        o->errors++;
    return rc;
}

void sm_output_reopen(struct sm_output *o)
{
    if (!o->path || !o->owns_out)
        return;
    fclose(o->out);
    o->out = sm_output_fopen(o);
    if (!o->out) {
        o->out = stderr; /* keep going; the error is reported */
        o->owns_out = false;
        o->errors++;
        return;
    }
    sm_output_set_buffer(o);
}

void sm_output_summary(struct sm_output *o, const char *const *names, const uint64_t *counts,
                       size_t n)
{
    FILE *out = o->out ? o->out : stdout;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    fprintf(out, "%-22s %10s\n", "verdict", "connections");
    for (size_t i = 0; i < n; i++)
        if (counts[i])
            fprintf(out, "%-22s %10llu\n", names[i], (unsigned long long)counts[i]);
    fprintf(out, "%-22s %10llu\n", "total", (unsigned long long)total);
}

uint64_t sm_output_errors(const struct sm_output *o)
{
    return o->errors;
}

void sm_output_close(struct sm_output *o)
{
    if (!o)
        return;
    if (o->out && o->owns_out)
        fclose(o->out);
    else if (o->out)
        fflush(o->out);
    if (o->sock >= 0)
        close(o->sock);
    if (o->w)
        o->w->ops->free(o->w);
    free(o->out_buf);
    free(o->path);
    free(o);
}
