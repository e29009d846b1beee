/* lowering: cc_lower_task walks one DLA subgraph in topological order and lowers each node not yet lowered:
 *
 *   Conv / ConvTranspose / Gemm / MatMul  -> CONV + fused SDP (its SDP followers while they fit the X1/X2/Y
 *                                            stages) [+ fused PDP]  (lower_conv.c)
 *   MaxPool / AveragePool (+ global forms) -> PDP; LRN -> CDP (lower_pool.c)
 *   element-wise, activations, BatchNorm   -> standalone SDP (+ its followers) (lower_sdp.c)
 *   Concat, Slice, Reshape-like, Transpose, Resize, Identity/Cast -> aliases, BDMA, RUBIK, SDP copies
 *                                            (lower_layout.c)
 *
 * Fusion rules: a node joins the group of the node before it when the tensor between them has that node as its
 * only consumer (inside the task, not a graph output), the precision agrees, and its primitives still fit the
 * SDP's stages; a second surface (residual Add) must already exist (a task input or the output of a node lowered
 * earlier). A PDP joins a CONV+SDP group when the convolution is not split into bands and the pooled row fits
 * the PDP's on-the-fly line buffer. Everything else materializes its output in the task's memory.
 */
#include "compiler/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------------------ */

void lw_chw(const ir_tensor *t, int *c, int *h, int *w)
{
    const int64_t *d = t->dims;
    *c = *h = *w = 1;
    switch (t->rank) {
    case 0: break;
    case 1: *c = (int)d[0]; break;
    case 2: *c = (int)d[1]; break;
    case 3: *c = (int)d[1]; *h = (int)d[2]; break;
    default:
        *c = (int)d[1];
        *h = (int)d[2];
        *w = (int)d[3];
        for (int i = 4; i < t->rank; i++)
            *w *= (int)d[i];
        break;
    }
}

int lw_channel_axis(const ir_tensor *t) { return t->rank >= 2 ? 1 : 0; }

int lw_in_task(const lw_task *k, const ir_node *n)
{
    return n && n->id >= 0 && n->id < k->g->n_nodes && k->g->nodes[n->id] == n && k->in_task[n->id];
}

ir_node *lw_sole_consumer(const lw_task *k, const ir_tensor *x)
{
    if (x->flags & IR_T_OUTPUT)
        return NULL;
    ir_node *found = NULL;
    for (int i = 0; i < k->g->n_nodes; i++) {
        ir_node *n = k->g->nodes[i];
        if (!n)
            continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == x) {
                if (found && found != n)
                    return NULL;
                found = n;
            }
    }
    if (!found || !lw_in_task(k, found) || cc_tb_is_marked(k->tb, found))
        return NULL;
    return found;
}

int lw_internal(const lw_task *k, const ir_tensor *x)
{
    if ((x->flags & (IR_T_OUTPUT | IR_T_INPUT)) || !x->producer || !lw_in_task(k, x->producer))
        return 0;
    for (int i = 0; i < k->g->n_nodes; i++) {
        ir_node *n = k->g->nodes[i];
        if (!n)
            continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == x && !lw_in_task(k, n))
                return 0;
    }
    return 1;
}

int lw_available(const lw_task *k, const ir_tensor *x)
{
    if (x->data_kind == IR_DATA_CONST)
        return 0;
    if (!x->producer || !lw_in_task(k, x->producer))
        return 1;
    return cc_tb_is_marked(k->tb, x->producer);
}

eng_cube lw_cube(const cc_surface *s, int c0, int nc, int h0, int nh, int w0, int nw)
{
    const eng_geom *g = &s->geom;
    eng_cube c;
    memset(&c, 0, sizeof c);
    if (!nc)
        nc = (int)g->c - c0;
    if (!nh)
        nh = (int)g->h - h0;
    if (!nw)
        nw = (int)g->w - w0;
    c.mem_type = ENG_MEM_DRAM;
    c.layout = g->layout;
    c.precision = g->precision;
    c.mem = s->mem;
    c.offset = s->offset + (uint32_t)eng_geom_at(g, (uint32_t)c0, (uint32_t)h0, (uint32_t)w0);
    c.width = (uint16_t)nw;
    c.height = (uint16_t)nh;
    c.channel = (uint16_t)nc;
    c.line_stride = g->line_stride;
    c.surf_stride = g->surf_stride;
    uint64_t size;
    if (g->layout == ENG_LAYOUT_FEATURE) {
        uint64_t surfs = ((uint64_t)(c0 % g->atom_c) + (uint64_t)nc + g->atom_c - 1) / g->atom_c;
        size = (surfs - 1) * g->surf_stride + (uint64_t)(nh - 1) * g->line_stride + (uint64_t)nw * ENG_ATOM_BYTES;
    } else if (g->layout == ENG_LAYOUT_LINEAR) {
        size = (uint64_t)(nc - 1) * g->surf_stride + (uint64_t)(nh - 1) * g->line_stride + (uint64_t)nw * g->elem_bytes;
    } else {
        size = (uint64_t)(nh - 1) * g->line_stride + (uint64_t)nw * g->atom_c * g->elem_bytes;
    }
    c.size = (uint32_t)size;
    return c;
}

eng_cube lw_hw_cube(int prec, int c, int h, int w)
{
    eng_cube x;
    memset(&x, 0, sizeof x);
    x.mem_type = ENG_MEM_HW;
    x.mem = -1;
    x.precision = (uint8_t)prec;
    x.channel = (uint16_t)c;
    x.height = (uint16_t)h;
    x.width = (uint16_t)w;
    return x;
}

void lw_names(const ir_node *const *nodes, int n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? " + " : "", nodes[i]->name);
        if (w < 0 || (size_t)w >= size - len) {
            if (size > 4)
                memcpy(buf + size - 4, "...", 4);
            return;
        }
        len += (size_t)w;
    }
}

double *lw_const_f64(const ir_tensor *t)
{
    if (!t || !t->data || t->data_kind != IR_DATA_CONST)
        return NULL;
    int64_t n = ir_tensor_numel(t);
    if (n < 0)
        return NULL;
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (!v)
        return NULL;
    if (t->dtype == IR_F32) {
        const float *f = t->data;
        for (int64_t i = 0; i < n; i++)
            v[i] = f[i];
    } else if (ir_dtype_is_float(t->dtype)) {
        for (int64_t i = 0; i < n; i++)
            v[i] = ir_get_f64(t->dtype, t->data, (size_t)i);
    } else {
        for (int64_t i = 0; i < n; i++)
            v[i] = (double)ir_get_i64(t->dtype, t->data, (size_t)i);
    }
    return v;
}

int64_t lw_rhaz_slow(double v) { return (int64_t)(v < 0 ? -floor(-v + 0.5) : floor(v + 0.5)); }

dla_status lw_scale(const lw_task *k, const ir_tensor *t, double *s)
{
    float f = cc_tb_scale(k->tb, t);
    if (!(f > 0.0f) || !isfinite(f))
        return base_error(DLA_ERR_INVALID_ARG, "lowering: tensor '%s' runs INT8 but has no INT8 scale (%g)", t->name,
                          (double)f);
    *s = f;
    return DLA_OK;
}

/* ---- the walk ----------------------------------------------------------------------------------------- */

static int is_conv_op(int op)
{
    return op == IR_OP_Conv || op == IR_OP_ConvTranspose || op == IR_OP_Gemm || op == IR_OP_MatMul;
}

static int is_pool_op(int op)
{
    return op == IR_OP_MaxPool || op == IR_OP_AveragePool || op == IR_OP_GlobalAveragePool ||
           op == IR_OP_GlobalMaxPool;
}

static int is_build_time(int op)
{
    return op == IR_OP_Constant || op == IR_OP_Shape || op == IR_OP_Size || op == IR_OP_ConstantOfShape ||
           op == IR_OP_Range;
}

int cc_lower_supports(const ir_node *n, char *reason, size_t size)
{
    if (is_build_time(n->op) || is_conv_op(n->op) || is_pool_op(n->op) || n->op == IR_OP_LRN ||
        lw_is_layout_op(n->op) || lw_is_sdp_op(n->op))
        return 1;
    return cc_fail(reason, size, "DLA software 3.14 runs %s, but dlakit's lowering has no engine form for it yet",
                   n->op_type);
}

static dla_status lower_node(lw_task *k, const ir_node *n)
{
    if (is_build_time(n->op)) {
        cc_tb_mark(k->tb, n);
        return DLA_OK;
    }
    if (is_conv_op(n->op))
        return lw_lower_conv_group(k, n);
    if (is_pool_op(n->op))
        return lw_avgpool_as_conv(k, n) ? lw_lower_conv_group(k, n) : lw_lower_pool(k, n);
    if (n->op == IR_OP_LRN)
        return lw_lower_lrn(k, n);
    if (lw_is_layout_op(n->op))
        return lw_lower_layout(k, n);
    if (lw_is_sdp_op(n->op))
        return lw_lower_sdp_group(k, n);
    return ir_node_error(n, DLA_ERR_UNSUPPORTED, "no DLA lowering for %s (placed on the DLA, but dlakit's lowering "
                         "has no engine form for it yet)", n->op_type);
}

dla_status lw_lower_task(cc_task_builder *tb, const ir_graph *g, const int *node_ids, int n_nodes,
                         uint32_t cbuf_bytes)
{
    lw_task k;
    memset(&k, 0, sizeof k);
    k.tb = tb;
    k.g = g;
    k.ids = node_ids;
    k.n = n_nodes;
    k.cbuf_bytes = cbuf_bytes ? cbuf_bytes : LW_CBUF_ORIN;
    k.in_task = calloc((size_t)g->n_nodes + 1, 1);
    k.aliased = calloc((size_t)g->n_nodes + 1, 1);
    k.t_aliased = calloc((size_t)g->n_tensors + 1, 1);
    if (!k.in_task || !k.aliased || !k.t_aliased) {
        free(k.in_task);
        free(k.aliased);
        free(k.t_aliased);
        return base_error(DLA_ERR_NOMEM, "lowering: out of memory");
    }
    dla_status st = DLA_OK;
    for (int i = 0; i < n_nodes; i++) {
        if (node_ids[i] < 0 || node_ids[i] >= g->n_nodes || !g->nodes[node_ids[i]]) {
            st = base_error(DLA_ERR_INVALID_ARG, "lowering: node id %d is not in the graph (%d nodes)", node_ids[i],
                            g->n_nodes);
            goto out;
        }
        k.in_task[node_ids[i]] = 1;
    }
    st = lw_plan_aliases(&k);
    for (int i = 0; st == DLA_OK && i < n_nodes; i++) {
        const ir_node *n = g->nodes[node_ids[i]];
        if (cc_tb_is_marked(tb, n))
            continue;
        st = lower_node(&k, n);
        if (st == DLA_OK && !cc_tb_is_marked(tb, n))
            st = ir_node_error(n, DLA_ERR_INTERNAL, "lowering left the node unmarked");
    }
out:
    free(k.in_task);
    free(k.aliased);
    free(k.t_aliased);
    return st;
}

dla_status cc_lower_task(cc_task_builder *tb, const ir_graph *g, const int *node_ids, int n_nodes)
{
    return lw_lower_task(tb, g, node_ids, n_nodes, LW_CBUF_ORIN);
}

/* Fallback until the task builder defines cc_tb_scratch (backend.h, added by the lowering): a weak definition,
 * overridden by the task builder's. */
__attribute__((weak)) dla_status cc_tb_scratch(cc_task_builder *tb, const char *name, const eng_geom *geom,
                                               cc_surface *out)
{
    (void)tb;
    (void)geom;
    (void)out;
    return base_error(DLA_ERR_UNSUPPORTED, "lowering: scratch cube '%s' needs cc_tb_scratch, which this task "
                      "builder does not implement", name);
}
