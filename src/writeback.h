/* SPDX-License-Identifier: MIT */
/* summary: a stdio FILE for an output file whose write(2) calls run on a
 * thread of their own, so that the kernel's cost of taking hundreds of MB
 * of NDJSON overlaps the analysis on a second core instead of adding to
 * it, and written past the page cache where the file allows, which removes
 * most of that cost. Used for -o FILE when reading captures; live capture
 * writes line by line as before. */
#ifndef SM_WRITEBACK_H
#define SM_WRITEBACK_H

#include <stdint.h>
#include <stdio.h>

/* Opens path for appending (created 0666 & ~umask). Bytes written to the
 * FILE are copied into a 1 MB buffer, queued when full (four at most) and
 * written in order by the thread: with direct I/O (O_DIRECT, no copy into
 * the page cache) while the file's end stays 4096-aligned, as a new
 * file's does; through the page cache otherwise, and for the last bytes.
 * fwrite waits only while four are queued (set the FILE unbuffered: it
 * buffers itself). The file never holds a torn line: a write that fails
 * (ENOSPC, EIO) is cut back to the last whole line, the records not
 * written are counted, and the next buffer is tried again. fclose waits
 * for everything queued and fails if any record was lost. NULL with errno
 * set on failure; *wb (if not NULL) is the handle for the calls below,
 * valid until fclose. One thread uses the FILE (the analysis, or the
 * emit queue's thread); the writer thread touches only the descriptor. */
struct sm_writeback;
FILE *sm_writeback_open_append(const char *path, struct sm_writeback **wb);
/* Waits until everything written to the FILE so far is in the file;
 * returns the records (lines) lost to write errors since the open, and
 * the latest error's errno in *err (if not NULL; 0 when none). */
uint64_t sm_writeback_sync(struct sm_writeback *wb, int *err);
/* The records lost so far, without waiting (*err as above). */
uint64_t sm_writeback_lost(struct sm_writeback *wb, int *err);

/* Writes all of p to fd, retrying after EINTR and short writes, or returns
 * the errno that stopped it (EIO for a write of 0 bytes); *done (if not
 * NULL) is how much was written either way. Used by the writer thread and
 * by output.c's direct writes of live records. */
int sm_write_all(int fd, const char *p, size_t n, size_t *done);

#endif
