/* ONNX backend-test runner: load, run every data set, compare with tolerance. */
#include "dla/conformance.h"
#include "dla/model.h"
#include "base/base.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *dla_onnx_test_verdict_str(dla_onnx_test_verdict v)
{
    return v == DLA_TEST_PASS ? "PASS" : v == DLA_TEST_FAIL ? "FAIL" : "SKIP";
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads dir/prefix_0.pb, prefix_1.pb, ... until one is missing. */
static dla_status load_set(const char *dir, const char *prefix, dla_tensor ***out, int *n)
{
    *out = NULL;
    *n = 0;
    char path[4096];
    for (int k = 0;; k++) {
        snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, k);
        if (!is_file(path))
            return DLA_OK;
        dla_tensor **grown = realloc(*out, sizeof(dla_tensor *) * (size_t)(k + 1));
        if (!grown)
            return base_error(DLA_ERR_NOMEM, "out of memory");
        *out = grown;
        BASE_TRY(dla_tensor_load(path, &grown[k]));
        *n = k + 1;
    }
}

static int is_float_type(dla_dtype t)
{
    return t == DLA_FLOAT32 || t == DLA_FLOAT64 || t == DLA_FLOAT16 || t == DLA_BFLOAT16;
}

static double get(const dla_tensor *t, size_t i)
{
    const void *p = t->data;
    switch (t->dtype) {
    case DLA_FLOAT32: return ((const float *)p)[i];
    case DLA_FLOAT64: return ((const double *)p)[i];
    default: break;
    }
    return 0;
}

int dla_tensor_compare(const dla_tensor *got, const dla_tensor *want, double rtol, double atol, double *max_err,
                       char *msg, size_t msz)
{
    const char *name = want->name && *want->name ? want->name : got->name;
    /* ONNX's test data stores bfloat16 tensors as uint16 (numpy has no bfloat16): compare them as bfloat16 */
    dla_tensor relabeled;
    if (got->dtype == DLA_BFLOAT16 && want->dtype == DLA_UINT16) {
        relabeled = *want;
        relabeled.dtype = DLA_BFLOAT16;
        want = &relabeled;
    }
    if (got->dtype != want->dtype) {
        snprintf(msg, msz, "output '%s': element type %s, expected %s", name, dla_dtype_name(got->dtype),
                 dla_dtype_name(want->dtype));
        return 0;
    }
    int same_shape = got->rank == want->rank;
    for (int d = 0; same_shape && d < got->rank; d++)
        same_shape = got->dims[d] == want->dims[d];
    if (!same_shape || got->nbytes != want->nbytes) {
        snprintf(msg, msz, "output '%s': shape mismatch (rank %d vs expected %d, %zu vs %zu bytes)", name,
                 got->rank, want->rank, got->nbytes, want->nbytes);
        return 0;
    }
    size_t es = dla_dtype_size(got->dtype), n = es ? got->nbytes / es : 0;
    if (!is_float_type(got->dtype) || got->dtype == DLA_FLOAT16 || got->dtype == DLA_BFLOAT16) {
        if (got->dtype == DLA_FLOAT16 || got->dtype == DLA_BFLOAT16) {
            /* compare the half values through float */
            for (size_t i = 0; i < n; i++) {
                uint16_t a = ((const uint16_t *)got->data)[i], b = ((const uint16_t *)want->data)[i];
                float fa = got->dtype == DLA_FLOAT16 ? base_fp16_to_f32(a) : base_bf16_to_f32(a);
                float fb = got->dtype == DLA_FLOAT16 ? base_fp16_to_f32(b) : base_bf16_to_f32(b);
                double e = fabs((double)fa - fb);
                if (isnan(fa) && isnan(fb))
                    continue;
                if (!(e <= atol + rtol * fabs(fb)) && !(fa == fb)) {
                    snprintf(msg, msz, "output '%s'[%zu] = %g, expected %g", name, i, fa, fb);
                    return 0;
                }
                if (e > *max_err && isfinite(e))
                    *max_err = e;
            }
            return 1;
        }
        if (memcmp(got->data, want->data, got->nbytes) != 0) {
            for (size_t i = 0; i < got->nbytes; i++)
                if (((const unsigned char *)got->data)[i] != ((const unsigned char *)want->data)[i]) {
                    snprintf(msg, msz, "output '%s' (%s): element %zu differs", name, dla_dtype_name(got->dtype),
                             es ? i / es : i);
                    break;
                }
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        double a = get(got, i), b = get(want, i);
        if (isnan(a) && isnan(b))
            continue;
        if (a == b)
            continue;
        double e = fabs(a - b);
        if (!(e <= atol + rtol * fabs(b))) {
            snprintf(msg, msz, "output '%s'[%zu] = %.9g, expected %.9g (|err| %.3g > atol %g + rtol %g * |expected|)",
                     name, i, a, b, e, atol, rtol);
            return 0;
        }
        if (e > *max_err)
            *max_err = e;
    }
    return 1;
}

static void verdict(dla_onnx_test_result *res, dla_onnx_test_verdict v, const char *fmt, const char *arg)
{
    res->verdict = v;
    snprintf(res->message, sizeof res->message, fmt, arg);
}

/* An UNSUPPORTED error names an operator or construct dlakit lacks: the test is skipped, not failed. */
static void verdict_from_error(dla_onnx_test_result *res, dla_status st, const char *where)
{
    res->verdict = st == DLA_ERR_UNSUPPORTED ? DLA_TEST_SKIP : DLA_TEST_FAIL;
    snprintf(res->message, sizeof res->message, "%s: %s", where, dla_last_error());
}

static int set_dir_filter(const struct dirent *e) { return strncmp(e->d_name, "test_data_set_", 14) == 0; }

static void run_set(dla_model *m, const char *sdir, const dla_onnx_test_options *o, dla_onnx_test_result *res,
                    double rtol, double atol)
{
    dla_tensor **ins = NULL, **want = NULL, **got = NULL;
    int n_in = 0, n_want = 0, n_got = 0;
    dla_status st = load_set(sdir, "input", &ins, &n_in);
    if (st == DLA_OK)
        st = load_set(sdir, "output", &want, &n_want);
    if (st != DLA_OK) {
        verdict(res, DLA_TEST_FAIL, "test data: %s", dla_last_error());
        goto out;
    }
    /* inputs are matched by name when the .pb names one of the model's inputs, else by position */
    for (int i = 0; i < n_in; i++) {
        int known = 0;
        for (int k = 0; ins[i]->name && k < dla_model_num_inputs(m); k++) {
            dla_tensor info;
            dla_model_input(m, k, &info);
            known |= strcmp(info.name, ins[i]->name) == 0;
        }
        if (!known) {
            free(ins[i]->name);
            ins[i]->name = NULL;
        }
        /* bfloat16 test inputs are stored as uint16 (see dla_tensor_compare()) */
        int k = known ? -1 : i;
        for (int j = 0; known && j < dla_model_num_inputs(m); j++) {
            dla_tensor info;
            dla_model_input(m, j, &info);
            if (strcmp(info.name, ins[i]->name) == 0)
                k = j;
        }
        dla_tensor info;
        if (k >= 0 && k < dla_model_num_inputs(m) && dla_model_input(m, k, &info) == DLA_OK &&
            info.dtype == DLA_BFLOAT16 && ins[i]->dtype == DLA_UINT16)
            ins[i]->dtype = DLA_BFLOAT16;
    }
    dla_run_options ro = {.n_threads = o ? o->n_threads : 0};
    st = dla_model_run(m, &ro, n_in, (const dla_tensor *const *)ins, &got, &n_got);
    if (st != DLA_OK) {
        verdict_from_error(res, st, "run");
        goto out;
    }
    if (n_got < n_want) {
        res->verdict = DLA_TEST_FAIL;
        snprintf(res->message, sizeof res->message, "model produced %d outputs, test expects %d", n_got, n_want);
        goto out;
    }
    for (int i = 0; i < n_want; i++)
        if (!dla_tensor_compare(got[i], want[i], rtol, atol, &res->max_abs_err, res->message, sizeof res->message)) {
            res->verdict = DLA_TEST_FAIL;
            goto out;
        }
out:
    dla_tensors_destroy(ins, n_in);
    dla_tensors_destroy(want, n_want);
    dla_tensors_destroy(got, n_got);
}

dla_status dla_onnx_test_run(const char *dir, const dla_onnx_test_options *o, dla_onnx_test_result *res)
{
    memset(res, 0, sizeof *res);
    double rtol = o && o->rtol > 0 ? o->rtol : 1e-3, atol = o && o->atol > 0 ? o->atol : 1e-5;
    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    if (!is_file(path))
        return base_error(DLA_ERR_IO, "%s: no model.onnx (not an ONNX backend-test directory)", dir);
    dla_model *m;
    dla_status st = dla_model_load_file(path, NULL, &m);
    if (st != DLA_OK) {
        verdict_from_error(res, st, "load");
        return DLA_OK;
    }
    struct dirent **sets;
    int n = scandir(dir, &sets, set_dir_filter, alphasort);
    if (n <= 0) {
        verdict(res, DLA_TEST_FAIL, "%s: no test_data_set_* folders", dir);
        dla_model_destroy(m);
        return DLA_OK;
    }
    for (int i = 0; i < n; i++) {
        if (res->verdict == DLA_TEST_PASS) {
            snprintf(path, sizeof path, "%s/%s", dir, sets[i]->d_name);
            run_set(m, path, o, res, rtol, atol);
            res->n_sets++;
        }
        free(sets[i]);
    }
    free(sets);
    if (res->verdict == DLA_TEST_PASS)
        snprintf(res->message, sizeof res->message, "%d data set(s), max |err| %.3g", res->n_sets,
                 res->max_abs_err);
    dla_model_destroy(m);
    return DLA_OK;
}
