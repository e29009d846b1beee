/* reducemean-to-pool: spatial reductions of a 4-D NCHW tensor become pooling, within the DLA's pooling window
 * limit of 8:
 *
 *   ReduceMean / ReduceMax over axes ⊆ {2,3} (keepdims 1)  -> AveragePool / MaxPool, kernel = the reduced dims
 *   GlobalAveragePool / GlobalMaxPool                     -> AveragePool / MaxPool, kernel (H, W)
 *
 * A window larger than 8 becomes a chain of pools with stride = kernel whose windows divide the dim and stay in
 * [1,8] (14 -> 7 then 2; 56 -> 8 then 7): non-overlapping equal windows make the mean of means the mean (and the
 * max of maxes the max). A mean over a dim with a prime factor above 8 (SqueezeNet's 13x13) becomes a depthwise
 * Conv instead (group = C, kernel = the reduced dims <= 32, weights 1 / (kh * kw); DLA-SW: "ReduceMean can be
 * AveragePool/Conv"); a max, or a mean window above 32, has no DLA form: the node is left for the host and the
 * rule checker explains why. keepdims = 0 adds a Reshape "<name>/reshape" to the reduced shape.
 * The first pool keeps the node's name; later ones are "<name>/pool<i>". */
#include "compiler/rw_lower.h"

#include <stdio.h>

#define POOL_MAX_WINDOW 8
#define POOL_MAX_STAGES 8
#define CONV_MAX_KERNEL 32

/* The reduced axes (bit 2 = H, bit 3 = W) of n, or 0 if n is not a spatial reduction of a 4-D tensor. */
static unsigned spatial_axes(const ir_node *n)
{
    const ir_tensor *x = n->in[0];
    if (!x || !lw_known(x) || x->rank != 4 || x->dtype != IR_F32)
        return 0;
    if (n->op == IR_OP_GlobalAveragePool || n->op == IR_OP_GlobalMaxPool)
        return 0xc;
    int64_t axes[IR_MAX_RANK];
    int count;
    if (n->opset >= 18 || (n->op == IR_OP_ReduceMean && n->n_in > 1)) {
        count = n->n_in > 1 ? ir_input_ints(n, 1, axes, IR_MAX_RANK) : 0;
    } else {
        const int64_t *a = ir_attr_ints(n, "axes", &count);
        for (int i = 0; i < count && i < IR_MAX_RANK; i++)
            axes[i] = a[i];
    }
    if (count <= 0 || count > IR_MAX_RANK)
        return 0; /* absent or empty axes reduce everything (or nothing): not a spatial pool */
    unsigned mask = 0;
    for (int i = 0; i < count; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + 4 : axes[i];
        if (a != 2 && a != 3)
            return 0;
        mask |= 1u << a;
    }
    return mask;
}

/* The stage kernels: (kh[i], kw[i]) for i < count; -1 if a dim cannot be split into windows <= 8. */
static int stages(const ir_tensor *x, unsigned mask, int64_t *kh, int64_t *kw)
{
    int64_t fh[POOL_MAX_STAGES], fw[POOL_MAX_STAGES];
    int nh = (mask & 4) ? lw_factor(x->dims[2], POOL_MAX_WINDOW, fh, POOL_MAX_STAGES) : 0;
    int nw = (mask & 8) ? lw_factor(x->dims[3], POOL_MAX_WINDOW, fw, POOL_MAX_STAGES) : 0;
    if (nh < 0 || nw < 0)
        return -1;
    int count = nh > nw ? nh : nw;
    if (count == 0)
        count = 1; /* a 1x1 reduction: one 1x1 pool */
    for (int i = 0; i < count; i++) {
        kh[i] = i < nh ? fh[i] : 1;
        kw[i] = i < nw ? fw[i] : 1;
    }
    return count;
}

static dla_status set_window(ir_graph *g, ir_node *p, int64_t kh, int64_t kw)
{
    int64_t k[2] = {kh, kw};
    BASE_TRY(lw_attr_ints(g, p, "kernel_shape", 2, k));
    return lw_attr_ints(g, p, "strides", 2, k);
}

static dla_status rewrite(ir_graph *g, ir_node *n, int count, const int64_t *kh, const int64_t *kw)
{
    ir_op pool = n->op == IR_OP_ReduceMean || n->op == IR_OP_GlobalAveragePool ? IR_OP_AveragePool : IR_OP_MaxPool;
    int keep = n->op == IR_OP_GlobalAveragePool || n->op == IR_OP_GlobalMaxPool || ir_attr_int(n, "keepdims", 1);
    ir_tensor *y = n->out[0], *cur = n->in[0];
    char name[256], base[256];
    for (int i = 0; i < count; i++) {
        ir_node *p = n;
        ir_tensor *out = y;
        if (i == count - 1 && keep) {
            out = y;
        } else {
            snprintf(base, sizeof base, "%.200s/pool%d_out", n->name, i + 1);
            BASE_TRY(lw_tensor(g, base, &out));
        }
        if (i > 0) {
            snprintf(name, sizeof name, "%.200s/pool%d", n->name, i + 1);
            BASE_TRY(lw_node(g, pool, name, 1, 1, n, 1, &p));
        } else {
            n->n_in = 1;
            n->n_attrs = 0;
            lw_retype(n, pool);
        }
        p->in[0] = cur;
        p->out[0] = out;
        BASE_TRY(set_window(g, p, kh[i], kw[i]));
        BASE_TRY(ir_infer_node(p));
        cur = out;
    }
    if (keep)
        return DLA_OK;
    snprintf(name, sizeof name, "%.200s/reshape", n->name);
    return lw_reshape(g, name, n, cur, y, y->rank, y->dims, NULL);
}

/* The mean as a depthwise Conv with a constant 1 / (kh * kw) kernel. */
static dla_status mean_as_conv(ir_graph *g, ir_node *n, int64_t kh, int64_t kw)
{
    ir_tensor *x = n->in[0], *y = n->out[0], *w, *out = y;
    int keep = n->op == IR_OP_GlobalAveragePool || ir_attr_int(n, "keepdims", 1);
    int64_t c = x->dims[1], wd[4] = {c, 1, kh, kw}, k[2] = {kh, kw};
    char base[256];
    snprintf(base, sizeof base, "%.200s/mean_weight", n->name);
    BASE_TRY(lw_const_f32(g, base, 4, wd, NULL, &w));
    float *wp = w->data, v = (float)(1.0 / (double)(kh * kw));
    for (int64_t i = 0; i < c * kh * kw; i++)
        wp[i] = v;
    if (!keep) {
        snprintf(base, sizeof base, "%.200s/conv_out", n->name);
        BASE_TRY(lw_tensor(g, base, &out));
    }
    BASE_TRY(lw_set_n_in(g, n, 2));
    n->n_in = 2;
    n->in[1] = w;
    n->out[0] = out;
    n->n_attrs = 0;
    lw_retype(n, IR_OP_Conv);
    BASE_TRY(lw_attr_ints(g, n, "kernel_shape", 2, k));
    BASE_TRY(lw_attr_int(g, n, "group", c));
    BASE_TRY(ir_infer_node(n));
    if (keep)
        return DLA_OK;
    snprintf(base, sizeof base, "%.200s/reshape", n->name);
    return lw_reshape(g, base, n, out, y, y->rank, y->dims, NULL);
}

dla_status lw_pass_reduce_to_pool(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->n_in < 1 || !n->out[0])
            continue;
        if (n->op != IR_OP_ReduceMean && n->op != IR_OP_ReduceMax && n->op != IR_OP_GlobalAveragePool &&
            n->op != IR_OP_GlobalMaxPool)
            continue;
        unsigned mask = spatial_axes(n);
        int64_t kh[POOL_MAX_STAGES], kw[POOL_MAX_STAGES];
        int count = mask ? stages(n->in[0], mask, kh, kw) : -1;
        if (!mask || !lw_known(n->out[0]))
            continue;
        if (count >= 0) {
            BASE_TRY(rewrite(g, n, count, kh, kw));
            changed++;
            continue;
        }
        int64_t h = (mask & 4) ? n->in[0]->dims[2] : 1, w = (mask & 8) ? n->in[0]->dims[3] : 1;
        if ((n->op != IR_OP_ReduceMean && n->op != IR_OP_GlobalAveragePool) || h > CONV_MAX_KERNEL ||
            w > CONV_MAX_KERNEL)
            continue;
        BASE_TRY(mean_as_conv(g, n, h, w));
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
