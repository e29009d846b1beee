/* dla/conformance.h — run ONNX backend-test directories (model.onnx + test_data_set_N/{input,output}_K.pb) on
 * the host executor and compare against the expected outputs.
 *
 *     dla_onnx_test_result r;
 *     dla_onnx_test_run("/usr/share/libonnx-testdata/data/node/test_relu", NULL, &r);
 *     printf("%s %s\n", dla_onnx_test_verdict_str(r.verdict), r.message);
 */
#ifndef DLA_CONFORMANCE_H
#define DLA_CONFORMANCE_H

#include <stddef.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_onnx_test_verdict {
    DLA_TEST_PASS = 0,
    DLA_TEST_FAIL = 1,
    DLA_TEST_SKIP = 2, /* the model uses an operator (or construct) dlakit does not implement; message names it */
} dla_onnx_test_verdict;

typedef struct dla_onnx_test_options {
    double rtol, atol; /* 0: the defaults, 1e-3 and 1e-5 */
    int n_threads;     /* 0: all cores */
} dla_onnx_test_options;

typedef struct dla_onnx_test_result {
    dla_onnx_test_verdict verdict;
    char message[512];   /* reason for FAIL/SKIP; for PASS a short summary */
    double max_abs_err;  /* over all compared float outputs */
    int n_sets;          /* test_data_set_* folders run */
} dla_onnx_test_result;

/* Compares got with want: same type and shape, and for floats |got - want| <= atol + rtol * |want| everywhere
 * (NaN matches NaN); integers and bools exactly. Returns 1 on a match; else 0 with the first mismatch described
 * in msg. *max_err is raised to the largest float difference seen. (Declared in dla/model.h's tensor terms.) */
struct dla_tensor;
int dla_tensor_compare(const struct dla_tensor *got, const struct dla_tensor *want, double rtol, double atol,
                       double *max_err, char *msg, size_t msg_size);

const char *dla_onnx_test_verdict_str(dla_onnx_test_verdict v);
/* Runs every test_data_set_* of one test directory. Returns DLA_OK whenever a verdict was reached (check
 * res->verdict); an error status only for problems with the directory itself (missing model.onnx, unreadable). */
dla_status dla_onnx_test_run(const char *dir, const dla_onnx_test_options *opts, dla_onnx_test_result *res);

#ifdef __cplusplus
}
#endif
#endif
