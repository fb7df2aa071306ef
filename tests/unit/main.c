/* SPDX-License-Identifier: MIT */
/* summary: the CUnit runner: one suite per module; "unit_tests SUITE" runs
 * one suite alone. Exit status 0 only when every test passed. */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

static CU_SuiteInfo sm_suites[] = {
    { .pName = "cursor", .pTests = sm_cursor_tests },
    { .pName = "decode", .pTests = sm_decode_tests },
    { .pName = "flow", .pTests = sm_flow_tests },
    { .pName = "community_id", .pTests = sm_community_id_tests },
    { .pName = "classify", .pTests = sm_classify_tests },
    { .pName = "writer", .pTests = sm_writer_tests },
    { .pName = "capture", .pTests = sm_capture_tests },
    { .pName = "emit_queue", .pTests = sm_emit_queue_tests },
    { .pName = "engine", .pTests = sm_engine_tests },
    { .pName = "prefilter", .pTests = sm_prefilter_tests },
    { .pName = "ssh_wire", .pTests = sm_ssh_wire_tests },
    { .pName = "reasm", .pTests = sm_reasm_tests },
    { .pName = "ssh", .pTests = sm_ssh_tests },
    { .pName = "ssh_risks", .pTests = sm_ssh_risks_tests },
    { .pName = "pattern", .pTests = sm_pattern_tests },
    { .pName = "localnets", .pTests = sm_localnets_tests },
    { .pName = "report", .pTests = sm_report_tests },
    { .pName = "intern", .pTests = sm_intern_tests },
    { .pName = "hugemem", .pTests = sm_hugemem_tests },
    { .pName = "conntrack", .pTests = sm_conntrack_tests },
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv)
{
    int rc;

    if (argc > 2) {
        fprintf(stderr, "usage: %s [SUITE]\n", argv[0]);
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    if (CU_register_suites(sm_suites) != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_set_error_action(CUEA_ABORT);
    CU_basic_set_mode(CU_BRM_VERBOSE);

    if (argc == 2) {
        CU_pSuite suite = CU_get_suite(argv[1]);
        if (!suite) {
            fprintf(stderr, "%s: no suite named \"%s\"; suites:", argv[0], argv[1]);
            for (const CU_SuiteInfo *s = sm_suites; s->pName; s++)
                fprintf(stderr, " %s", s->pName);
            fputc('\n', stderr);
            CU_cleanup_registry();
            return 2;
        }
        CU_basic_run_suite(suite);
    } else {
        CU_basic_run_tests();
    }
    rc = CU_get_error() != CUE_SUCCESS ? 2 : (CU_get_number_of_failures() ? 1 : 0);
    CU_cleanup_registry();
    return rc;
}
