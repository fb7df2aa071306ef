/* SPDX-License-Identifier: MIT */
/* summary: the JSON judge of the golden tests. sshmortem writes its NDJSON
 * itself (src/writer_json.c); jansson, a maintained parser and encoder,
 * checks it: every line must parse (no duplicate keys, nothing after the
 * value) and jansson's compact dump of what it parsed must be the very same
 * bytes. Usage: json_roundtrip FILE... ; exit 0 when every line passes. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same flags the tree writer used to dump records with. */
#define SM_RT_FLAGS                                                                                \
    (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static int sm_rt_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long no = 0;
    int bad = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        no++;
        if (n == 0 || line[n - 1] != '\n') {
            fprintf(stderr, "%s:%lu: line without its newline\n", path, no);
            bad = 1;
            break;
        }
        line[--n] = '\0';
        json_error_t err;
        json_t *v = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &err);
        if (!v) {
            fprintf(stderr, "%s:%lu: column %d: %s\n", path, no, err.column, err.text);
            bad = 1;
            continue;
        }
        char *again = json_dumps(v, SM_RT_FLAGS);
        if (!again || strcmp(again, line) != 0) {
            size_t i = 0;
            while (again && again[i] && again[i] == line[i])
                i++;
            fprintf(stderr,
                    "%s:%lu: jansson writes it differently from byte %zu:\n  ours:    %.60s\n  "
                    "jansson: %.60s\n",
                    path, no, i, line + i, again ? again + i : "(nothing)");
            bad = 1;
        }
        free(again);
        json_decref(v);
    }
    free(line);
    fclose(f);
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: json_roundtrip FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        bad |= sm_rt_file(argv[i]);
    return bad;
}
