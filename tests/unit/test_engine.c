/* SPDX-License-Identifier: MIT */
/* summary: the engine on real captures: a record is the same text whichever
 * thread describes it (the queue's, or the analysis' ahead of its turn). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "output.h"
#include "unit.h"

/* Runs the engine on a capture under the source tree into a file; returns
 * the output (malloc'd, NUL-terminated) or NULL. */
static char *sm_t_engine_output(const char *capture, enum sm_format fmt, int describe_ahead)
{
    char path[4096], out_path[] = "/tmp/sm_unit_engine_XXXXXX", err[256] = "";
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof(path), "%s/%s", top ? top : ".", capture);
    int fd = mkstemp(out_path);
    if (fd < 0)
        return NULL;
    close(fd);
    unlink(out_path); /* -o appends: start from nothing */
    struct sm_output *out = sm_output_open(out_path, fmt, "unit", false, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    struct sm_engine_config cfg = { .ports = { 22 },
                                    .nports = 1,
                                    .host = "unit",
                                    .hash_seed = 1,
                                    .describe_ahead = describe_ahead };
    struct sm_engine *e = sm_engine_new(&cfg, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(sm_engine_run_file(e, path), 0);
    sm_engine_finish(e);
    sm_engine_free(e);
    sm_output_close(out);

    char *text = NULL;
    FILE *f = fopen(out_path, "rb");
    if (f) {
        long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        rewind(f);
        if (n >= 0 && (text = malloc((size_t)n + 1)) != NULL) {
            if (fread(text, 1, (size_t)n, f) != (size_t)n) {
                free(text);
                text = NULL;
            } else {
                text[n] = '\0';
            }
        }
        fclose(f);
    }
    unlink(out_path);
    return text;
}

static size_t sm_t_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_engine_describe_ahead_same_output(void)
{
    static const struct {
        const char *capture;
        size_t min_lines;
    } cases[] = {
        { "pcaps/peers/zeek/ssh/ssh.pcap", 20 },
        { "pcaps/ssh-normal-v4.pcap", 1 },
        { "pcaps/ssh-refused.pcap", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int fmt = SM_FMT_JSON; fmt <= SM_FMT_TEXT; fmt++) {
            char *queued = sm_t_engine_output(cases[i].capture, (enum sm_format)fmt, -1);
            char *ahead = sm_t_engine_output(cases[i].capture, (enum sm_format)fmt, 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(queued);
            CU_ASSERT_PTR_NOT_NULL_FATAL(ahead);
            CU_ASSERT_TRUE(sm_t_lines(queued) >= cases[i].min_lines);
            CU_ASSERT_STRING_EQUAL(queued, ahead);
            free(queued);
            free(ahead);
        }
    }
}

CU_TestInfo sm_engine_tests[] = {
    SM_TEST(test_engine_describe_ahead_same_output),
    CU_TEST_INFO_NULL,
};
