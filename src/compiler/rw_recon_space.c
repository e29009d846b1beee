/* DepthToSpace -> ConvTranspose and SpaceToDepth -> Conv, both with kernel = stride = blocksize and 0/1 weights
 * (DLA-SW operators/op_reconstruction). Each output element is one input element times 1 plus zeros, so the
 * result is exact in float32. Conditions (rc_space_applies): float32, 4-D with known dims, blocksize within the
 * DLA's limits for the conv it becomes, DepthToSpace: C divisible by b^2; SpaceToDepth: H and W divisible by b. */
#include "compiler/rw_recon.h"

#include <stdio.h>

/* The DLA's limits on the conv each becomes: ConvTranspose kernel = stride <= 32; Conv stride <= 8. Beyond them
 * the rewrite would only move the op from one host layer to another. */
#define RC_MAX_BLOCK_D2S 32
#define RC_MAX_BLOCK_S2D 8

int rc_space_applies(const ir_node *n, char *reason, size_t size)
{
    char s[96];
    const int d2s = n->op == IR_OP_DepthToSpace;
    const char *conv = d2s ? "ConvTranspose" : "Conv";
    if (n->n_in < 1 || !n->in[0] || !n->out[0])
        return cc_fail(reason, size, "it has no input");
    const ir_tensor *x = n->in[0];
    if (x->dtype != IR_F32)
        return cc_fail(reason, size, "input is %s; the rewrite into a %s needs float32", ir_dtype_name(x->dtype),
                       conv);
    if (!rc_shape_is(x, 4))
        return cc_fail(reason, size, "input shape %s is not a known 4-D shape; the rewrite into a %s needs one",
                       ir_shape_str(x, s, sizeof s), conv);
    const int64_t b = ir_attr_int(n, "blocksize", 0), max = d2s ? RC_MAX_BLOCK_D2S : RC_MAX_BLOCK_S2D;
    if (b < 1 || b > max)
        return cc_fail(reason, size, "blocksize %lld is outside [1, %lld], the DLA's %s of the %s it would become",
                       (long long)b, (long long)max, d2s ? "kernel and stride range" : "stride range", conv);
    if (d2s && x->dims[1] % (b * b) != 0)
        return cc_fail(reason, size, "C = %lld is not divisible by blocksize^2 = %lld", (long long)x->dims[1],
                       (long long)(b * b));
    for (int i = 2; !d2s && i < 4; i++)
        if (x->dims[i] % b != 0)
            return cc_fail(reason, size, "%s = %lld is not divisible by blocksize %lld", i == 2 ? "H" : "W",
                           (long long)x->dims[i], (long long)b);
    return 1;
}

/* Weight of the conv that replaces n, shape dims, filled with the 0/1 pattern of the mode. */
static dla_status space_weight(ir_graph *g, const ir_node *n, const int64_t dims[4], ir_tensor **w)
{
    char base[256];
    snprintf(base, sizeof base, "%.230s/weight", n->name);
    BASE_TRY(rc_const(g, base, IR_F32, 4, dims, w));
    float *p = (*w)->data;
    const int64_t b = dims[2];
    if (n->op == IR_OP_DepthToSpace) { /* (Cin, Cout, b, b): out[co][h*b+i][w*b+j] = in[ci][h][w] */
        const int64_t cout = dims[1];
        const int crd = ir_attr_str(n, "mode", "DCR")[0] == 'C';
        for (int64_t co = 0; co < cout; co++)
            for (int64_t i = 0; i < b; i++)
                for (int64_t j = 0; j < b; j++) {
                    int64_t ci = crd ? (co * b + i) * b + j : (i * b + j) * cout + co;
                    p[((ci * cout + co) * b + i) * b + j] = 1.0f;
                }
    } else { /* (C*b*b, C, b, b): out[(i*b+j)*C + c][h][w] = in[c][h*b+i][w*b+j] */
        const int64_t c_in = dims[1];
        for (int64_t c = 0; c < c_in; c++)
            for (int64_t i = 0; i < b; i++)
                for (int64_t j = 0; j < b; j++) {
                    int64_t oc = (i * b + j) * c_in + c;
                    p[((oc * c_in + c) * b + i) * b + j] = 1.0f;
                }
    }
    return DLA_OK;
}

static dla_status rewrite_space(ir_graph *g, ir_node *n, int64_t b)
{
    const ir_tensor *x = n->in[0];
    const int64_t c = x->dims[1];
    int64_t wd[4];
    ir_op op;
    if (n->op == IR_OP_DepthToSpace) {
        op = IR_OP_ConvTranspose;
        wd[0] = c, wd[1] = c / (b * b);
    } else {
        op = IR_OP_Conv;
        wd[0] = c * b * b, wd[1] = c;
    }
    wd[2] = wd[3] = b;
    ir_tensor *w;
    BASE_TRY(space_weight(g, n, wd, &w));
    rc_drop_node(g, n);
    return rc_conv(g, op, n->name, n->in[0], w, b, n->out[0], NULL);
}

static dla_status recon_space(ir_graph *g, ir_op which, int *n_changed)
{
    *n_changed = 0;
    const int n_nodes = g->n_nodes;
    for (int i = 0; i < n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n || n->op != which || !rc_space_applies(n, NULL, 0))
            continue;
        BASE_TRY(rewrite_space(g, n, ir_attr_int(n, "blocksize", 1)));
        ++*n_changed;
    }
    return DLA_OK;
}

dla_status cc_recon_depth_to_space(ir_graph *g, int *n_changed)
{
    return recon_space(g, IR_OP_DepthToSpace, n_changed);
}

dla_status cc_recon_space_to_depth(ir_graph *g, int *n_changed)
{
    return recon_space(g, IR_OP_SpaceToDepth, n_changed);
}
