/* Host executor: Softmax, LogSoftmax, Hardmax. The input is viewed as [outer, d, inner] (ir_softmax_split
 * holds the per-opset axis rules); each of the outer * inner groups of d values is normalised on its own,
 * after subtracting the group's maximum so that exp never overflows. */
#include "host/op_reduce.h"
#include "ir/reduce.h"

#include <math.h>

static void softmax_f32(ir_op op, const float *x, float *y, int64_t outer, int64_t d, int64_t inner)
{
    int64_t groups = outer * inner;
#pragma omp parallel for if (groups > 1 && groups * d > HOST_REDUCE_PAR_MIN)
    for (int64_t g = 0; g < groups; g++) {
        int64_t base = (g / inner) * d * inner + g % inner;
        const float *xg = x + base;
        float *yg = y + base;
        float m = xg[0];
        int64_t arg = 0;
        for (int64_t j = 1; j < d; j++)
            if (xg[j * inner] > m) {
                m = xg[j * inner];
                arg = j;
            }
        if (op == IR_OP_Hardmax) {
            for (int64_t j = 0; j < d; j++)
                yg[j * inner] = j == arg ? 1.0f : 0.0f;
            continue;
        }
        double s = 0;
        if (op == IR_OP_LogSoftmax) {
            for (int64_t j = 0; j < d; j++)
                s += expf(xg[j * inner] - m);
            float ls = (float)log(s);
            for (int64_t j = 0; j < d; j++)
                yg[j * inner] = xg[j * inner] - m - ls;
            continue;
        }
        for (int64_t j = 0; j < d; j++) {
            float e = expf(xg[j * inner] - m);
            yg[j * inner] = e;
            s += e;
        }
        float inv = (float)(1.0 / s);
        for (int64_t j = 0; j < d; j++)
            yg[j * inner] *= inv;
    }
}

/* Any floating type, through doubles. */
static void softmax_any(ir_op op, const ir_tensor *xt, ir_tensor *yt, int64_t outer, int64_t d, int64_t inner)
{
    ir_dtype t = xt->dtype;
    for (int64_t g = 0; g < outer * inner; g++) {
        size_t base = (size_t)((g / inner) * d * inner + g % inner), st = (size_t)inner;
        double m = ir_get_f64(t, xt->data, base);
        int64_t arg = 0;
        for (int64_t j = 1; j < d; j++) {
            double v = ir_get_f64(t, xt->data, base + (size_t)j * st);
            if (v > m) {
                m = v;
                arg = j;
            }
        }
        double s = 0;
        for (int64_t j = 0; j < d; j++)
            s += exp(ir_get_f64(t, xt->data, base + (size_t)j * st) - m);
        for (int64_t j = 0; j < d; j++) {
            size_t i = base + (size_t)j * st;
            double v = ir_get_f64(t, xt->data, i), r;
            if (op == IR_OP_Hardmax)
                r = j == arg;
            else if (op == IR_OP_LogSoftmax)
                r = v - m - log(s);
            else
                r = exp(v - m) / s;
            ir_set_f64(t, yt->data, i, r);
        }
    }
}

dla_status host_softmax(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t outer, d, inner;
    BASE_TRY(ir_softmax_split(n, x, &outer, &d, &inner));
    if (outer * d * inner == 0)
        return DLA_OK;
    if (x->dtype == IR_F32)
        softmax_f32(n->op, x->data, y->data, outer, d, inner);
    else
        softmax_any(n->op, x, y, outer, d, inner);
    (void)ctx;
    return DLA_OK;
}
