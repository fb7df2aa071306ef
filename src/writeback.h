/* SPDX-License-Identifier: MIT */
/* summary: a stdio FILE for an output file whose write(2) calls run on a
 * thread of their own, so that the kernel's cost of taking hundreds of MB
 * of NDJSON overlaps the analysis on a second core instead of adding to
 * it, and written past the page cache where the file allows, which removes
 * most of that cost. Used for -o FILE when reading captures; live capture
 * writes line by line as before. */
#ifndef SM_WRITEBACK_H
#define SM_WRITEBACK_H

#include <stdio.h>

/* Opens path for appending (created 0666 & ~umask). Bytes written to the
 * FILE are copied into a 1 MB buffer, queued when full (four at most) and
 * written in order by the thread: with direct I/O (O_DIRECT, no copy into
 * the page cache) while the file's end stays 4096-aligned, as a new
 * file's does; through the page cache otherwise, and for the last bytes.
 * fwrite waits only while four are queued (set the FILE unbuffered: it
 * buffers itself). A write error is reported by a later fwrite or fflush
 * and by fclose, which waits for everything queued. NULL with errno set on
 * failure. One thread uses the FILE (the analysis); the writer thread
 * touches only the descriptor. */
FILE *sm_writeback_open_append(const char *path);

#endif
