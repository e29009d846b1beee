/* Host executor: reduce family (see host.h, host_op_entry) — the Reduce* ops here, and the family's table.
 *
 * Every reduction is viewed as [outer, R, inner]: float32 inputs whose reduced axes form one contiguous run
 * (ReduceMean over H,W of NCHW, over the last axis, over everything) are reduced in place; other inputs are
 * first gathered into a double (float types) or int64 (integer types) buffer with the kept axes first and the
 * reduced axes last, so that inner = 1. Float sums accumulate in double; integer ones stay exact in int64. */
#include "host/op_reduce.h"
#include "ir/reduce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum rkind { R_SUM, R_MEAN, R_MAX, R_MIN, R_L1, R_L2, R_SUMSQ, R_PROD, R_LOGSUM, R_LSE };

static int rkind_of(ir_op op)
{
    switch (op) {
    case IR_OP_ReduceMean: return R_MEAN;
    case IR_OP_ReduceMax: return R_MAX;
    case IR_OP_ReduceMin: return R_MIN;
    case IR_OP_ReduceL1: return R_L1;
    case IR_OP_ReduceL2: return R_L2;
    case IR_OP_ReduceSumSquare: return R_SUMSQ;
    case IR_OP_ReduceProd: return R_PROD;
    case IR_OP_ReduceLogSum: return R_LOGSUM;
    case IR_OP_ReduceLogSumExp: return R_LSE;
    default: return R_SUM;
    }
}

static double ident_f(int k)
{
    return k == R_MAX ? -INFINITY : k == R_MIN ? INFINITY : k == R_PROD ? 1.0 : 0.0;
}

/* One step of the reduction; m is the group's maximum (LogSumExp only). NaN propagates through Max/Min. */
static inline double step_f(int k, double acc, double v, double m)
{
    switch (k) {
    case R_MAX: return (v > acc || v != v) ? v : acc;
    case R_MIN: return (v < acc || v != v) ? v : acc;
    case R_L1: return acc + fabs(v);
    case R_L2:
    case R_SUMSQ: return acc + v * v;
    case R_PROD: return acc * v;
    case R_LSE: return isinf(m) ? acc : acc + exp(v - m);
    default: return acc + v;
    }
}

static inline double final_f(int k, double acc, int64_t r, double m)
{
    switch (k) {
    case R_MEAN: return r ? acc / (double)r : NAN;
    case R_L2: return sqrt(acc);
    case R_LOGSUM: return log(acc);
    case R_LSE: return isinf(m) ? m : m + log(acc);
    default: return acc;
    }
}

/* Reduces x viewed as [outer, r, inner] into out[outer * inner] (finalised values). */
#define DEFINE_REDUCE_FLOAT(NAME, T)                                                                          \
    static void NAME(int k, const T *x, double *out, int64_t outer, int64_t r, int64_t inner)                \
    {                                                                                                         \
        _Pragma("omp parallel for if (outer > 1 && outer * r * inner > HOST_REDUCE_PAR_MIN)")                \
        for (int64_t o = 0; o < outer; o++) {                                                                 \
            const T *xo = x + o * r * inner;                                                                  \
            double *ao = out + o * inner;                                                                     \
            if (inner == 1 && (k == R_SUM || k == R_MEAN)) {                                                  \
                double s = 0;                                                                                 \
                for (int64_t j = 0; j < r; j++)                                                               \
                    s += xo[j];                                                                               \
                ao[0] = final_f(k, s, r, 0);                                                                  \
                continue;                                                                                     \
            }                                                                                                 \
            double mloc[64], *mo = NULL;                                                                      \
            if (k == R_LSE) {                                                                                 \
                /* if malloc fails, mo stays NULL and the sum runs without the max shift */                   \
                mo = inner <= 64 ? mloc : malloc(sizeof(double) * (size_t)inner);                             \
                for (int64_t i = 0; mo && i < inner; i++)                                                     \
                    mo[i] = -INFINITY;                                                                        \
                for (int64_t j = 0; mo && j < r; j++)                                                         \
                    for (int64_t i = 0; i < inner; i++)                                                       \
                        mo[i] = step_f(R_MAX, mo[i], xo[j * inner + i], 0);                                   \
            }                                                                                                 \
            for (int64_t i = 0; i < inner; i++)                                                               \
                ao[i] = ident_f(k);                                                                           \
            for (int64_t j = 0; j < r; j++)                                                                   \
                for (int64_t i = 0; i < inner; i++)                                                           \
                    ao[i] = step_f(k, ao[i], xo[j * inner + i], mo ? mo[i] : 0);                              \
            for (int64_t i = 0; i < inner; i++)                                                               \
                ao[i] = final_f(k, ao[i], r, mo ? mo[i] : 0);                                                 \
            if (mo && mo != mloc)                                                                             \
                free(mo);                                                                                     \
        }                                                                                                     \
    }

DEFINE_REDUCE_FLOAT(reduce_f32, float)
DEFINE_REDUCE_FLOAT(reduce_f64, double)

/* Integer Sum/Mean/Max/Min/L1/SumSquare/Prod over rows of r, exact in int64 (wrapping as the type would). */
static void reduce_i64(int k, const int64_t *x, int64_t *out, int64_t outer, int64_t r, int64_t lo, int64_t hi)
{
    for (int64_t o = 0; o < outer; o++) {
        const int64_t *xo = x + o * r;
        uint64_t acc = k == R_PROD ? 1 : 0; /* unsigned: overflow wraps instead of being undefined */
        int64_t m = k == R_MAX ? lo : hi;
        for (int64_t j = 0; j < r; j++) {
            int64_t v = xo[j];
            switch (k) {
            case R_MAX: m = v > m ? v : m; break;
            case R_MIN: m = v < m ? v : m; break;
            case R_L1: acc += (uint64_t)(v < 0 ? -(uint64_t)v : (uint64_t)v); break;
            case R_SUMSQ: acc += (uint64_t)v * (uint64_t)v; break;
            case R_PROD: acc *= (uint64_t)v; break;
            default: acc += (uint64_t)v; break;
            }
        }
        if (k == R_MAX || k == R_MIN)
            out[o] = m;
        else if (k == R_MEAN)
            out[o] = r ? (int64_t)acc / r : 0;
        else
            out[o] = (int64_t)acc;
    }
}

static void int_range(ir_dtype t, int64_t *lo, int64_t *hi)
{
    switch (t) {
    case IR_I8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case IR_I16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case IR_I32: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case IR_U8: *lo = 0, *hi = UINT8_MAX; break;
    case IR_BOOL: *lo = 0, *hi = 1; break;
    case IR_U16: *lo = 0, *hi = UINT16_MAX; break;
    case IR_U32: *lo = 0, *hi = UINT32_MAX; break;
    case IR_U64: *lo = 0, *hi = -1; break; /* all ones, once stored */
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

/* Copies x into buf (doubles, or int64 when as_int) with the kept axes first and the reduced axes last. */
static void gather(const ir_tensor *x, const unsigned char *mask, int as_int, void *buf)
{
    int rank = x->rank;
    int64_t numel = ir_tensor_numel(x), stride[IR_MAX_RANK], pd[IR_MAX_RANK], ps[IR_MAX_RANK];
    int perm[IR_MAX_RANK], p = 0;
    for (int i = 0; i < rank; i++)
        if (!mask[i])
            perm[p++] = i;
    for (int i = 0; i < rank; i++)
        if (mask[i])
            perm[p++] = i;
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        stride[i] = s;
        s *= x->dims[i];
    }
    for (int j = 0; j < rank; j++) {
        pd[j] = x->dims[perm[j]];
        ps[j] = stride[perm[j]];
    }
    int64_t idx[IR_MAX_RANK] = {0}, src = 0;
    for (int64_t t = 0; t < numel; t++) {
        if (as_int)
            ((int64_t *)buf)[t] = ir_get_i64(x->dtype, x->data, (size_t)src);
        else
            ((double *)buf)[t] = ir_get_f64(x->dtype, x->data, (size_t)src);
        for (int j = rank - 1; j >= 0; j--) {
            src += ps[j];
            if (++idx[j] < pd[j])
                break;
            src -= ps[j] * pd[j];
            idx[j] = 0;
        }
    }
}

/* The reduced axes as one run [a, b] (axes of size 1 inside it may be kept): outer/r/inner; 0 if they are not. */
static int contiguous_run(const ir_tensor *x, const unsigned char *mask, int64_t *outer, int64_t *r, int64_t *inner)
{
    int a = -1, b = -1;
    for (int i = 0; i < x->rank; i++)
        if (mask[i]) {
            if (a < 0)
                a = i;
            b = i;
        }
    *outer = 1, *r = 1, *inner = 1;
    for (int i = 0; i < x->rank; i++) {
        if (a >= 0 && i >= a && i <= b) {
            if (!mask[i] && x->dims[i] != 1)
                return 0;
            *r *= x->dims[i];
        } else if (a < 0 || i < a) {
            *outer *= x->dims[i];
        } else {
            *inner *= x->dims[i];
        }
    }
    return 1;
}

static dla_status exec_reduce(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    ir_reduce_axes ax;
    BASE_TRY(ir_reduce_get_axes(n, x->rank, &ax));
    if (ax.noop) {
        memcpy(y->data, x->data, ir_tensor_nbytes(x));
        return DLA_OK;
    }
    int k = rkind_of(n->op);
    int64_t numel = ir_tensor_numel(x), nout = ir_tensor_numel(y), outer, r, inner;
    int is_int = !ir_dtype_is_float(x->dtype);
    int int_exact = is_int && k != R_L2 && k != R_LOGSUM && k != R_LSE;
    if (x->dtype == IR_F32 && contiguous_run(x, ax.mask, &outer, &r, &inner)) {
        double *acc = malloc(sizeof(double) * (size_t)(nout ? nout : 1));
        if (!acc)
            return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate %lld accumulators", (long long)nout);
        reduce_f32(k, x->data, acc, outer, r, inner);
        float *yo = y->data;
        for (int64_t i = 0; i < nout; i++)
            yo[i] = (float)acc[i];
        free(acc);
        return DLA_OK;
    }
    r = nout ? numel / nout : 0;
    if (!nout) /* nothing to write */
        return DLA_OK;
    if (!numel) /* empty reduction: every output is the identity */
        r = 0;
    void *buf = malloc((size_t)(numel ? numel : 1) * 8);
    void *acc = malloc((size_t)nout * 8);
    if (!buf || !acc) {
        free(buf);
        free(acc);
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate a %lld-element work buffer", (long long)numel);
    }
    gather(x, ax.mask, int_exact, buf);
    if (int_exact) {
        int64_t lo, hi;
        int_range(x->dtype, &lo, &hi);
        reduce_i64(k, buf, acc, nout, r, lo, hi);
        for (int64_t i = 0; i < nout; i++)
            ir_set_i64(y->dtype, y->data, (size_t)i, ((int64_t *)acc)[i]);
    } else {
        reduce_f64(k, buf, acc, nout, r, 1);
        for (int64_t i = 0; i < nout; i++)
            ir_set_f64(y->dtype, y->data, (size_t)i, ((double *)acc)[i]);
    }
    free(buf);
    free(acc);
    (void)ctx;
    return DLA_OK;
}

const host_op_entry host_ops_reduce[] = {
    {IR_OP_ReduceMean, exec_reduce},
    {IR_OP_ReduceSum, exec_reduce},
    {IR_OP_ReduceMax, exec_reduce},
    {IR_OP_ReduceMin, exec_reduce},
    {IR_OP_ReduceL1, exec_reduce},
    {IR_OP_ReduceL2, exec_reduce},
    {IR_OP_ReduceSumSquare, exec_reduce},
    {IR_OP_ReduceProd, exec_reduce},
    {IR_OP_ReduceLogSum, exec_reduce},
    {IR_OP_ReduceLogSumExp, exec_reduce},
    {IR_OP_Softmax, host_softmax},
    {IR_OP_LogSoftmax, host_softmax},
    {IR_OP_Hardmax, host_softmax},
    {IR_OP_ArgMax, host_argminmax},
    {IR_OP_ArgMin, host_argminmax},
    {IR_OP_TopK, host_topk},
    {IR_OP_NonMaxSuppression, host_nms},
    {IR_OP_NonZero, host_nonzero},
    {IR_OP_CumSum, host_cumsum},
    {-1, NULL},
};
