/* SPDX-License-Identifier: MIT */
/* summary: shared declarations of the CUnit unit tests: the test-name macro
 * and one exported test array per module. */
#ifndef SM_UNIT_H
#define SM_UNIT_H

#include <CUnit/CUnit.h>

/* The name is the function's own name, so the report and the code agree. */
#define SM_TEST(fn)                                                                                \
    {                                                                                              \
#fn, fn                                                                                    \
    }

/* Element count of a true array. */
#define SM_NELEM(a) (sizeof(a) / sizeof((a)[0]))

extern CU_TestInfo sm_cursor_tests[];
extern CU_TestInfo sm_decode_tests[];
extern CU_TestInfo sm_flow_tests[];
extern CU_TestInfo sm_community_id_tests[];
extern CU_TestInfo sm_classify_tests[];
extern CU_TestInfo sm_writer_tests[];
extern CU_TestInfo sm_capture_tests[];
extern CU_TestInfo sm_emit_queue_tests[];
extern CU_TestInfo sm_engine_tests[];
extern CU_TestInfo sm_prefilter_tests[];
extern CU_TestInfo sm_ssh_wire_tests[];
extern CU_TestInfo sm_reasm_tests[];
extern CU_TestInfo sm_ssh_tests[];
extern CU_TestInfo sm_ssh_risks_tests[];
extern CU_TestInfo sm_pattern_tests[];
extern CU_TestInfo sm_localnets_tests[];
extern CU_TestInfo sm_report_tests[];
extern CU_TestInfo sm_intern_tests[];
extern CU_TestInfo sm_hugemem_tests[];
extern CU_TestInfo sm_conntrack_tests[];

#endif
