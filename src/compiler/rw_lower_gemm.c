/* gemm-to-conv: a fully connected layer becomes a Conv, the DLA's way of running FC layers.
 *
 *   Gemm(A [N,K], B const, C const?)  (transA = 0)      -> Conv(X4, W = alpha * B^T as [M,K,1,1], bias = beta * C)
 *   MatMul(A [N,K], B const [K,M]) (+ Add of a const [M])-> the same, the Add's bias folded in
 *
 * X4 is A's 4-D source when A comes from a Flatten/Reshape/Squeeze of [N,C,H,W] with C*H*W = K (the classifier
 * head GlobalAveragePool -> Flatten -> Gemm, H = W = 1; or VGG-style heads with H, W <= 32, which become a Conv
 * with kernel (H,W)); the shape op is dropped when nothing else reads it. Any other [N,K] input is reshaped to
 * [N,K,1,1] by a new Reshape "<name>/reshape_in". The Conv keeps the Gemm's name and writes [N,M,1,1]; a Reshape
 * "<name>/reshape_out" writes the original [N,M] output tensor, so graph outputs keep their names.
 * C must be per output column (scalar, [M] or [1,M]): a per-row C is not a conv bias. */
#include "compiler/rw_lower.h"

#include <stdio.h>
#include <string.h>

typedef struct fc_plan {
    ir_node *n;          /* the Gemm / MatMul (becomes the Conv) */
    ir_node *bias_add;   /* MatMul only: the Add folded in, or NULL */
    ir_tensor *a, *b, *c;
    int trans_b;
    double alpha, beta;
    int64_t batch, k, m;
    ir_tensor *y;        /* the [N,M] tensor the final Reshape writes */
} fc_plan;

/* 1 if constant c broadcasts as one value per output column of [N,M] (scalar, [M], [1,M]); *per_col set. */
static int column_bias(const ir_tensor *c, int64_t m, int *per_col)
{
    if (!lw_is_const(c) || !ir_dtype_is_float(c->dtype) || c->rank > 2)
        return 0;
    int64_t cnt = ir_tensor_numel(c);
    if (cnt == 1) {
        *per_col = 0;
        return 1;
    }
    *per_col = 1;
    return c->dims[c->rank - 1] == m && cnt == m;
}

static int plan_gemm(const ir_graph *g, ir_node *n, fc_plan *p)
{
    (void)g;
    if (n->n_in < 2 || ir_attr_int(n, "transA", 0) != 0)
        return 0;
    p->trans_b = ir_attr_int(n, "transB", 0) != 0;
    p->alpha = ir_attr_float(n, "alpha", 1.0f);
    p->beta = ir_attr_float(n, "beta", 1.0f);
    p->c = n->n_in > 2 ? n->in[2] : NULL;
    p->y = n->out[0];
    return 1;
}

static int plan_matmul(const ir_graph *g, ir_node *n, fc_plan *p)
{
    p->trans_b = 0;
    p->alpha = p->beta = 1;
    p->c = NULL;
    p->y = n->out[0];
    ir_node *add = cc_single_consumer(g, n->out[0]);
    if (add && add->op == IR_OP_Add && add->n_in == 2 && lw_only_feeds(g, n->out[0], add) && add->out[0]) {
        ir_tensor *c = add->in[0] == n->out[0] ? add->in[1] : add->in[0];
        int per_col;
        if (c != n->out[0] && lw_is_const(c) && lw_known(n->in[1]) && n->in[1]->rank == 2 &&
            column_bias(c, n->in[1]->dims[1], &per_col)) {
            p->bias_add = add;
            p->c = c;
            p->y = add->out[0];
        }
    }
    return 1;
}

static int plan(const ir_graph *g, ir_node *n, fc_plan *p)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    if (n->op == IR_OP_Gemm ? !plan_gemm(g, n, p) : n->op == IR_OP_MatMul ? !plan_matmul(g, n, p) : 1)
        return 0;
    p->a = n->in[0];
    p->b = n->in[1];
    if (!p->a || p->a->rank != 2 || p->a->dims[1] < 1 || p->a->dtype != IR_F32)
        return 0;
    if (!lw_is_const(p->b) || p->b->rank != 2 || p->b->dtype != IR_F32)
        return 0;
    p->batch = p->a->dims[0]; /* may be -1 (a dynamic batch): the Reshapes then copy it (shape value 0) */
    p->k = p->a->dims[1];
    p->m = p->trans_b ? p->b->dims[0] : p->b->dims[1];
    if ((p->trans_b ? p->b->dims[1] : p->b->dims[0]) != p->k || p->batch == 0 || p->m < 1)
        return 0;
    int per_col;
    if (p->c && !column_bias(p->c, p->m, &per_col))
        return 0;
    return p->y && p->y->rank == 2 && p->y->dims[0] == p->batch && p->y->dims[1] == p->m;
}

/* The 4-D source of A (see the file comment), or NULL; *kh, *kw get its H and W. */
static ir_tensor *source_4d(const ir_graph *g, const fc_plan *p, ir_node **shape_op, int64_t *kh, int64_t *kw)
{
    ir_node *s = lw_producer(g, p->a);
    *shape_op = NULL;
    if (!s || (s->op != IR_OP_Flatten && s->op != IR_OP_Reshape && s->op != IR_OP_Squeeze) || !s->in[0])
        return NULL;
    ir_tensor *x = s->in[0];
    /* C*H*W = K and equal element counts make x's batch A's batch */
    if (x->rank != 4 || x->dtype != IR_F32 || x->dims[1] < 1 || x->dims[2] < 1 || x->dims[3] < 1 ||
        x->dims[1] * x->dims[2] * x->dims[3] != p->k || x->dims[2] > 32 || x->dims[3] > 32)
        return NULL;
    *shape_op = s;
    *kh = x->dims[2];
    *kw = x->dims[3];
    return x;
}

static dla_status weights(ir_graph *g, const fc_plan *p, int64_t kh, int64_t kw, ir_tensor **w, ir_tensor **bias)
{
    char base[256];
    int64_t wd[4] = {p->m, p->k / (kh * kw), kh, kw};
    snprintf(base, sizeof base, "%.200s/weight", p->n->name);
    BASE_TRY(lw_const_f32(g, base, 4, wd, NULL, w));
    snprintf(base, sizeof base, "%.200s/bias", p->n->name);
    BASE_TRY(lw_const_f32(g, base, 1, &p->m, NULL, bias));
    float *wp = (*w)->data, *bp = (*bias)->data;
    const float *b = p->b->data;
    /* W[m, k] with k running over (C, H, W) in the flatten order */
    for (int64_t m = 0; m < p->m; m++)
        for (int64_t k = 0; k < p->k; k++)
            wp[m * p->k + k] = (float)(p->alpha * (p->trans_b ? b[m * p->k + k] : b[k * p->m + m]));
    int per_col = 0;
    if (p->c)
        column_bias(p->c, p->m, &per_col);
    for (int64_t m = 0; m < p->m; m++)
        bp[m] = p->c ? (float)(p->beta * lw_get(p->c, per_col ? m : 0)) : 0.0f;
    return DLA_OK;
}

static dla_status rewrite(ir_graph *g, fc_plan *p)
{
    ir_node *n = p->n, *shape_op;
    int64_t kh = 1, kw = 1;
    char base[256];
    ir_tensor *x = source_4d(g, p, &shape_op, &kh, &kw), *w, *bias, *conv_out;
    if (!x) {
        int64_t d4[4] = {p->batch < 0 ? 0 : p->batch, p->k, 1, 1};
        snprintf(base, sizeof base, "%.200s/reshape_in", n->name);
        BASE_TRY(lw_tensor(g, base, &x));
        BASE_TRY(lw_reshape(g, base, n, p->a, x, 4, d4, NULL));
    } else if (lw_only_feeds(g, p->a, n)) {
        lw_remove(g, shape_op);
    }
    BASE_TRY(weights(g, p, kh, kw, &w, &bias));
    snprintf(base, sizeof base, "%.200s/conv_out", n->name);
    BASE_TRY(lw_tensor(g, base, &conv_out));
    BASE_TRY(lw_set_n_in(g, n, 3));
    n->n_in = 3;
    n->in[0] = x;
    n->in[1] = w;
    n->in[2] = bias;
    n->out[0] = conv_out;
    n->n_attrs = 0;
    lw_retype(n, IR_OP_Conv);
    int64_t ks[2] = {kh, kw};
    BASE_TRY(lw_attr_ints(g, n, "kernel_shape", 2, ks));
    BASE_TRY(ir_infer_node(n));
    if (p->bias_add)
        lw_remove(g, p->bias_add);
    int64_t d2[2] = {p->batch < 0 ? 0 : p->batch, p->m};
    snprintf(base, sizeof base, "%.200s/reshape_out", n->name);
    return lw_reshape(g, base, n, conv_out, p->y, 2, d2, NULL);
}

dla_status lw_pass_gemm_to_conv(ir_graph *g, int *n_changed)
{
    int changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        fc_plan p;
        if (!n || (n->op != IR_OP_Gemm && n->op != IR_OP_MatMul) || !plan(g, n, &p))
            continue;
        BASE_TRY(rewrite(g, &p));
        changed++;
    }
    *n_changed = changed;
    return DLA_OK;
}
