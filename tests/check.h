/* A minimal test harness: CHECK/CHECK_NEAR record failures and keep going; TEST_MAIN returns 1 on any failure.
 * Exit code 77 means "skipped" to ctest (SKIP_RETURN_CODE). */
#ifndef DLA_TESTS_CHECK_H
#define DLA_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                                                           \
    do {                                                                                                      \
        if (!(cond)) {                                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                          \
            check_failures++;                                                                                 \
        }                                                                                                     \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                                 \
    do {                                                                                                      \
        double ca_ = (double)(a), cb_ = (double)(b);                                                          \
        if (!(fabs(ca_ - cb_) <= (tol))) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g (tol %g)\n", __FILE__, __LINE__,  \
                    #a, ca_, #b, cb_, (double)(tol));                                                         \
            check_failures++;                                                                                 \
        }                                                                                                     \
    } while (0)

#define CHECK_OK(expr)                                                                                        \
    do {                                                                                                      \
        dla_status cs_ = (expr);                                                                              \
        if (cs_ != DLA_OK) {                                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #expr, dla_status_str(cs_),    \
                    dla_last_error());                                                                        \
            check_failures++;                                                                                 \
        }                                                                                                     \
    } while (0)

#define CHECK_STATUS(expr, want)                                                                              \
    do {                                                                                                      \
        dla_status cs_ = (expr);                                                                              \
        if (cs_ != (want)) {                                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #expr,           \
                    dla_status_str(cs_), dla_status_str(want), dla_last_error());                             \
            check_failures++;                                                                                 \
        }                                                                                                     \
    } while (0)

#define TEST_SKIP 77
#define TEST_RESULT() (check_failures ? 1 : 0)

#endif
