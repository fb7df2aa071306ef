/* SPDX-License-Identifier: MIT */
/* summary: a file whose writes happen on a thread of their own (writeback.h). */
#define _GNU_SOURCE /* fopencookie */
#include "config.h"
#include "writeback.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "thread.h"

#define SM_WB_CHUNK (1024 * 1024) /* bytes per queued buffer */
#define SM_WB_QUEUE 4             /* buffers in flight: the memory bound */
/* Direct I/O: buffers, lengths and the file offset in multiples of this
 * (the largest logical block size in common use). */
#define SM_WB_ALIGN 4096

struct sm_wb_buf {
    char *data;
    size_t len;
};

struct sm_writeback {
    int fd;
    /* The descriptor has O_DIRECT: whole buffers go from our memory to the
     * device, with no copy into the page cache. The writer thread's alone
     * after open. Cleared for good at the first write that cannot be
     * direct (an unaligned tail, or a file system that refuses). */
    bool direct;
    bool started; /* the thread runs (from the first full buffer on) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct sm_wb_buf q[SM_WB_QUEUE]; /* a ring: head is the next to write */
    unsigned head, count;
    char *spare[SM_WB_QUEUE + 1]; /* written buffers, for reuse */
    unsigned nspare;
    bool closing;
    int err;       /* the latest write error (errno), 0 if none */
    uint64_t lost; /* records (lines) not written because of write errors */
    /* Whole lines only (the writer's alone): the file offset where the
     * line being written began, a record whose start was lost (its rest
     * is dropped up to its newline), and a torn line that could not be
     * cut off (the next write starts with a newline). */
    off_t line_start;
    bool skip, need_nl;
    char *fill; /* the buffer being filled: the writing thread's alone */
    size_t fill_len;
};

int sm_write_all(int fd, const char *p, size_t n, size_t *done)
{
    size_t off = 0;
    int err = 0;
    while (off < n) {
        ssize_t k = write(fd, p + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            err = k < 0 ? errno : EIO;
            break;
        }
        off += (size_t)k;
    }
    if (done)
        *done = off;
    return err;
}

/* From here on the descriptor writes through the page cache. */
static void sm_wb_buffered(struct sm_writeback *wb)
{
    int fl = fcntl(wb->fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(wb->fd, F_SETFL, fl & ~O_DIRECT);
    wb->direct = false;
}

/* Writes a queued buffer (SM_WB_ALIGN-aligned memory). Direct for the
 * whole blocks; the rest, and everything after a refusal (EINVAL: the file
 * system, or an end left unaligned by a short write or another writer),
 * through the page cache. */
static int sm_wb_write_buf(struct sm_writeback *wb, const char *p, size_t n, size_t *done)
{
    size_t off = 0;
    if (wb->direct) {
        int err = sm_write_all(wb->fd, p, n & ~(size_t)(SM_WB_ALIGN - 1), &off);
        if (err && err != EINVAL) {
            *done = off;
            return err;
        }
        if (off == n) {
            *done = off;
            return 0;
        }
        sm_wb_buffered(wb);
    }
    size_t rest = 0;
    int err = sm_write_all(wb->fd, p + off, n - off, &rest);
    *done = off + rest;
    return err;
}

static uint64_t sm_wb_lines(const char *p, size_t n)
{
    uint64_t count = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        count++;
    return count;
}

/* Writes a buffer of records (lines; its first and last may be parts of
 * records that span buffers) so that the file never holds a torn line:
 * when a write fails (a full file system, an I/O error) the file is cut
 * back to its last whole line and every record not written whole is
 * counted in *lost, the one whose start was cut included; its rest, in
 * the next buffer, is then skipped. The next buffer is tried again (space
 * may have been freed). Returns the errno of the failure, 0 if none. */
static int sm_wb_write_lines(struct sm_writeback *wb, const char *p, size_t n, uint64_t *lost)
{
    if (wb->skip) {
        const char *nl = memchr(p, '\n', n);
        if (!nl)
            return 0;
        wb->skip = false;
        n -= (size_t)(nl + 1 - p);
        p = nl + 1;
    }
    if (n == 0)
        return 0;
    off_t before = lseek(wb->fd, 0, SEEK_END);
    size_t done = 0;
    int err = wb->need_nl ? sm_write_all(wb->fd, "\n", 1, NULL) : 0;
    if (err == 0) {
        if (wb->need_nl && before >= 0) {
            before++;
            wb->line_start = before;
        }
        wb->need_nl = false;
        err = sm_wb_write_buf(wb, p, n, &done);
    }
    const char *nl = done ? memrchr(p, '\n', done) : NULL;
    size_t keep = nl ? (size_t)(nl + 1 - p) : 0;
    if (nl && before >= 0)
        wb->line_start = before + (off_t)keep;
    if (err == 0)
        return 0;
    /* Cut the torn line off; if that fails too, start the next on a new line. */
    bool torn = done > keep || (keep == 0 && before > wb->line_start);
    if (torn && (before < 0 || ftruncate(wb->fd, wb->line_start) != 0))
        wb->need_nl = true;
    *lost += sm_wb_lines(p + keep, n - keep);
    if (p[n - 1] != '\n') {
        (*lost)++; /* the record going on in the next buffer */
        wb->skip = true;
    }
    return err;
}

/* A buffer written as sm_wb_write_lines does, its outcome recorded (under
 * the lock unless locked: the caller holds it, or no thread runs). */
static void sm_wb_write_record(struct sm_writeback *wb, const char *p, size_t n, bool locked)
{
    uint64_t lost = 0;
    int err = sm_wb_write_lines(wb, p, n, &lost);
    if (!locked)
        pthread_mutex_lock(&wb->lock);
    if (err) {
        wb->err = err;
        wb->lost += lost;
    }
    if (!locked)
        pthread_mutex_unlock(&wb->lock);
}

/* A buffer for the queue, aligned for direct I/O. */
static char *sm_wb_alloc(void)
{
    void *p = NULL;
    return posix_memalign(&p, SM_WB_ALIGN, SM_WB_CHUNK) == 0 ? p : NULL;
}

/* The thread: writes queued buffers in order until told to close and the
 * queue is empty; written buffers go back for reuse. After an error it
 * goes on with the next buffer (whole lines only, the lost ones counted). */
static void *sm_wb_main(void *arg)
{
    struct sm_writeback *wb = arg;
    pthread_mutex_lock(&wb->lock);
    for (;;) {
        while (wb->count == 0 && !wb->closing)
            pthread_cond_wait(&wb->changed, &wb->lock);
        if (wb->count == 0)
            break; /* closing, and nothing left */
        struct sm_wb_buf b = wb->q[wb->head];
        pthread_mutex_unlock(&wb->lock);
        sm_wb_write_record(wb, b.data, b.len, false);
        pthread_mutex_lock(&wb->lock);
        wb->head = (wb->head + 1) % SM_WB_QUEUE;
        wb->count--;
        wb->spare[wb->nspare++] = b.data;
        pthread_cond_broadcast(&wb->changed);
    }
    pthread_mutex_unlock(&wb->lock);
    return NULL;
}

/* Starts the thread with every signal blocked in it (they are for the
 * analysis thread). */
static bool sm_wb_start(struct sm_writeback *wb)
{
    wb->started = sm_thread_start(&wb->thread, "sm-write", sm_wb_main, wb);
    return wb->started;
}

/* Hands the filled buffer on and takes an empty one. The first full buffer
 * starts the thread (so small outputs never start one); without a thread
 * the buffer is written here. Then waits while SM_WB_QUEUE buffers are
 * queued. False (errno set) when no buffer can be had; write errors are
 * counted (sm_writeback_sync), not returned. */
static bool sm_wb_push(struct sm_writeback *wb)
{
    if (wb->fill && wb->fill_len > 0 && !wb->started && !sm_wb_start(wb)) {
        sm_wb_write_record(wb, wb->fill, wb->fill_len, false);
        wb->fill_len = 0;
    }
    bool ok = true;
    pthread_mutex_lock(&wb->lock);
    if (wb->fill && wb->fill_len > 0) {
        while (wb->count == SM_WB_QUEUE)
            pthread_cond_wait(&wb->changed, &wb->lock);
        wb->q[(wb->head + wb->count) % SM_WB_QUEUE] = (struct sm_wb_buf){ wb->fill, wb->fill_len };
        wb->count++;
        wb->fill = NULL;
        wb->fill_len = 0;
        pthread_cond_broadcast(&wb->changed);
    }
    if (!wb->fill && wb->nspare)
        wb->fill = wb->spare[--wb->nspare];
    pthread_mutex_unlock(&wb->lock);
    if (ok && !wb->fill) {
        wb->fill = sm_wb_alloc();
        if (!wb->fill) {
            errno = ENOMEM;
            ok = false;
        }
    }
    return ok;
}

/* stdio's write (the FILE is unbuffered: a record arrives whole): bytes
 * go into the buffer being filled, which is handed on when full. */
static ssize_t sm_wb_write(void *cookie, const char *p, size_t n)
{
    struct sm_writeback *wb = cookie;
    size_t done = 0;
    while (done < n) {
        if ((!wb->fill || wb->fill_len == SM_WB_CHUNK) && !sm_wb_push(wb))
            return done > 0 ? (ssize_t)done : -1;
        size_t k = n - done < SM_WB_CHUNK - wb->fill_len ? n - done : SM_WB_CHUNK - wb->fill_len;
        memcpy(wb->fill + wb->fill_len, p + done, k);
        wb->fill_len += k;
        done += k;
    }
    return (ssize_t)n;
}

/* stdio's close (fclose): writes what is left and waits for the thread. */
static int sm_wb_close(void *cookie)
{
    struct sm_writeback *wb = cookie;
    if (wb->started) {
        sm_wb_push(wb); /* what is left; an error shows below */
        pthread_mutex_lock(&wb->lock);
        wb->closing = true;
        pthread_cond_broadcast(&wb->changed);
        pthread_mutex_unlock(&wb->lock);
        pthread_join(wb->thread, NULL);
    } else if (wb->fill && wb->fill_len > 0) {
        sm_wb_write_record(wb, wb->fill, wb->fill_len, true);
    }
    int err = wb->lost ? wb->err : 0;
    if (close(wb->fd) != 0 && !err)
        err = errno;
    free(wb->fill);
    for (unsigned i = 0; i < wb->nspare; i++)
        free(wb->spare[i]);
    pthread_mutex_destroy(&wb->lock);
    pthread_cond_destroy(&wb->changed);
    free(wb);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/* Everything handed so far written: the buffer being filled queued, then
 * the queue empty (without a thread, written here). */
uint64_t sm_writeback_sync(struct sm_writeback *wb, int *err)
{
    if (wb->fill && wb->fill_len > 0) {
        if (wb->started)
            sm_wb_push(wb);
        else {
            sm_wb_write_record(wb, wb->fill, wb->fill_len, false);
            wb->fill_len = 0;
        }
    }
    pthread_mutex_lock(&wb->lock);
    while (wb->count > 0)
        pthread_cond_wait(&wb->changed, &wb->lock);
    uint64_t lost = wb->lost;
    if (err)
        *err = wb->err;
    pthread_mutex_unlock(&wb->lock);
    return lost;
}

uint64_t sm_writeback_lost(struct sm_writeback *wb, int *err)
{
    pthread_mutex_lock(&wb->lock);
    uint64_t lost = wb->lost;
    if (err)
        *err = wb->err;
    pthread_mutex_unlock(&wb->lock);
    return lost;
}

FILE *sm_writeback_open_append(const char *path, struct sm_writeback **handle)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    struct sm_writeback *wb = calloc(1, sizeof(*wb));
    if (!wb || pthread_mutex_init(&wb->lock, NULL) != 0) {
        free(wb);
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    if (pthread_cond_init(&wb->changed, NULL) != 0) {
        pthread_mutex_destroy(&wb->lock);
        free(wb);
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    wb->fd = fd;
    wb->line_start = lseek(fd, 0, SEEK_END);
    /* Hundreds of MB of NDJSON need not pass through the page cache: the
     * copy into it cost as much CPU as a third of the analysis (on a VM,
     * whose host backs each new page on first touch, 1.5 s for 574 MB),
     * and the cache is better left to the capture being read. Only a
     * regular file whose end is aligned (a new one, say) starts direct. */
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size % SM_WB_ALIGN == 0 && fl >= 0 &&
        fcntl(fd, F_SETFL, fl | O_DIRECT) == 0)
        wb->direct = true;
    cookie_io_functions_t io = {
        .read = NULL, .write = sm_wb_write, .seek = NULL, .close = sm_wb_close
    };
    FILE *f = fopencookie(wb, "a", io);
    if (!f)
        sm_wb_close(wb);
    else if (handle)
        *handle = wb;
    return f;
}
