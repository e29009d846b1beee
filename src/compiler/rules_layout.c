/* DLA rules for data movement (BDMA, Rubik): Concat, Slice, Split, reshapes, Transpose, Pad, Expand, Tile, and
 * the leftovers of the removal and depth/space rewrites (dla-facts §2.2, Concatenation, Slice, Shuffle rows). */
#include "compiler/rules.h"

#include <string.h>

#define PAD_MAX 31
#define DEPTH_TO_SPACE_MAX_BLOCK 32 /* ConvTranspose kernel = stride = blocksize */
#define SPACE_TO_DEPTH_MAX_BLOCK 8  /* Conv stride = blocksize */

static const char *const nchw_name[4] = {"N", "C", "H", "W"};

static int used(const ir_tensor *t)
{
    return t && (t->n_consumers > 0 || (t->flags & IR_T_OUTPUT));
}

int cc_check_concat(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    int count = 0;
    for (int i = 0; i < n->n_in; i++)
        count += n->in[i] != NULL;
    if (count < 2)
        return cc_fail(reason, size, "Concatenation on DLA requires at least two inputs; it has %d", count);
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->rank != 4)
            return cc_fail(reason, size, "DLA only supports concatenation of 4-D tensors; input %d is %d-D", i,
                           n->in[i]->rank);
    int axis = cc_norm_axis(ir_attr_int(n, "axis", 1), 4);
    if (axis != 1)
        return cc_fail(reason, size, "DLA only supports concatenation on the C dimension (axis 1); axis is %d (%s)",
                       axis, axis >= 0 ? nchw_name[axis] : "?");
    const ir_tensor *a = n->out[0];
    char s[96], o[96];
    for (int i = 0; i < n->n_in; i++) {
        const ir_tensor *x = n->in[i];
        if (x && (x->dims[0] != a->dims[0] || x->dims[2] != a->dims[2] || x->dims[3] != a->dims[3]))
            return cc_fail(reason, size, "input %d is %s; concatenation needs the N, H, W of the output %s", i,
                           ir_shape_str(x, s, sizeof s), ir_shape_str(a, o, sizeof o));
    }
    return 1;
}

int cc_check_slice(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0], *y = n->out[0];
    if (x->rank != 4)
        return cc_fail(reason, size, "DLA only supports slicing 4 dimensional tensors; input 0 is %d-D", x->rank);
    if (n->opset >= 10) {
        static const char *const what[5] = {"", "starts are", "ends are", "axes are", "steps are"};
        for (int i = 1; i < 5; i++)
            if (!cc_need_const(n, i, what[i], reason, size))
                return 0;
        int64_t steps[IR_MAX_RANK];
        int cnt = ir_input_ints(n, 4, steps, IR_MAX_RANK);
        for (int i = 0; i < cnt; i++)
            if (steps[i] != 1)
                return cc_fail(reason, size, "step %lld (slice axis %d): DLA slices need every step 1",
                               (long long)steps[i], i);
    }
    if (y->dims[0] != x->dims[0])
        return cc_fail(reason, size, "slices the batch dim (N %lld of %lld); DLA does not slice the first dim",
                       (long long)y->dims[0], (long long)x->dims[0]);
    return 1;
}

/* Split leftovers run as Slices (TensorRT's parser does the same). */
int cc_check_split(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_const(n, 1, "split sizes are", reason, size))
        return 0;
    const ir_tensor *x = n->in[0];
    if (x->rank >= 0 && x->rank != 4)
        return cc_fail(reason, size, "DLA only supports slicing 4 dimensional tensors; input 0 is %d-D", x->rank);
    int axis = cc_norm_axis(ir_attr_int(n, "axis", 0), 4);
    if (axis == 0 && x->dims[0] != 1)
        return cc_fail(reason, size, "splits the batch dim (N = %lld); DLA does not slice the first dim",
                       (long long)x->dims[0]);
    return 1;
}

/* Reshape, Flatten, Squeeze, Unsqueeze leftovers: a Shuffle with a build-time shape (ranks are general rules). */
int cc_check_reshape(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (n->op == IR_OP_Reshape)
        return cc_need_const(n, 1, "shape is", reason, size);
    if (n->op == IR_OP_Squeeze || n->op == IR_OP_Unsqueeze)
        return cc_need_const(n, 1, "axes are", reason, size);
    return 1;
}

int cc_check_transpose(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0];
    int cnt;
    const int64_t *perm = ir_attr_ints(n, "perm", &cnt);
    if (x->rank != 4)
        return 1;
    int64_t first = perm && cnt == 4 ? perm[0] : 3;
    if (first != 0 && first >= 0 && first < 4 && (x->dims[0] != 1 || x->dims[first] != 1))
        return cc_fail(reason, size,
                       "perm moves axis %lld (%s = %lld) to the batch position; DLA transposes within one batch item",
                       (long long)first, nchw_name[first], (long long)x->dims[first]);
    return 1;
}

/* Pad: constant mode, pads only on H and W, each side in [0,31] (decision: the largest padding the convolution
 * core applies, so a Pad can always be folded into the next Conv or done as a bordered copy). */
int cc_check_pad(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const char *mode = ir_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant") != 0)
        return cc_fail(reason, size, "mode '%s': DLA pads only in constant mode", mode);
    if (!cc_need_4d(n, 0, reason, size))
        return 0;
    int64_t pads[2 * IR_MAX_RANK], axes[IR_MAX_RANK];
    int np, na = 4;
    if (n->opset >= 11) {
        if (!cc_need_const(n, 1, "pads are", reason, size) ||
            !cc_need_const(n, 2, "constant_value is", reason, size) || !cc_need_const(n, 3, "axes are", reason, size))
            return 0;
        np = ir_input_ints(n, 1, pads, 2 * IR_MAX_RANK);
        if (cc_has_in(n, 3))
            na = ir_input_ints(n, 3, axes, IR_MAX_RANK);
        else
            for (int i = 0; i < 4; i++)
                axes[i] = i;
    } else {
        const int64_t *p = ir_attr_ints(n, "pads", &np);
        for (int i = 0; i < np && i < 2 * IR_MAX_RANK; i++)
            pads[i] = p[i];
        for (int i = 0; i < 4; i++)
            axes[i] = i;
    }
    if (np != 2 * na || na < 0)
        return cc_fail(reason, size, "pads hold %d values for %d axes", np, na);
    for (int i = 0; i < na; i++) {
        int a = cc_norm_axis(axes[i], 4);
        for (int e = 0; e < 2; e++) {
            int64_t p = pads[e * na + i];
            const char *side = e ? "end" : "begin";
            if (p == 0)
                continue;
            if (a < 2)
                return cc_fail(reason, size, "padding %lld on %s (%s): DLA pads only H and W", (long long)p,
                               a >= 0 ? nchw_name[a] : "?", side);
            if (p < 0)
                return cc_fail(reason, size, "padding %lld on %s (%s) is below the DLA minimum of 0 (no cropping)",
                               (long long)p, nchw_name[a], side);
            if (p > PAD_MAX)
                return cc_fail(reason, size, "padding %lld on %s (%s) exceeds the DLA limit of %d", (long long)p,
                               nchw_name[a], side, PAD_MAX);
        }
    }
    return 1;
}

int cc_check_expand(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_const(n, 1, "shape is", reason, size))
        return 0;
    int64_t a[4], b[4];
    cc_nchw(n->in[0], a);
    cc_nchw(n->out[0], b);
    if (n->out[0]->rank == 4 && a[0] != b[0])
        return cc_fail(reason, size, "expands the batch dim (N %lld to %lld); DLA copies within one batch item",
                       (long long)a[0], (long long)b[0]);
    return 1;
}

int cc_check_tile(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_const(n, 1, "repeats are", reason, size))
        return 0;
    int64_t rep[IR_MAX_RANK];
    int cnt = ir_input_ints(n, 1, rep, IR_MAX_RANK);
    if (n->in[0]->rank == 4 && cnt == 4 && rep[0] != 1)
        return cc_fail(reason, size, "repeats %lld on the batch dim; DLA tiles only C, H, W", (long long)rep[0]);
    return 1;
}

/* Identity leftovers (they produce a graph output) run as a copy. */
int cc_check_identity(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    (void)n;
    (void)reason;
    (void)size;
    return 1;
}

int cc_check_dropout(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (n->n_out > 1 && used(n->out[1]))
        return cc_fail(reason, size, "the mask output is used; only an inference Dropout's data output is removed");
    if (cc_has_in(n, 2)) {
        if (!cc_is_const(n->in[2]))
            return cc_fail(reason, size, "training_mode is not a build-time constant");
        int64_t tm = ir_get_i64(n->in[2]->dtype, n->in[2]->data, 0);
        if (tm)
            return cc_fail(reason, size, "training_mode is true; only an inference Dropout is removed");
    }
    return 1;
}

/* DepthToSpace / SpaceToDepth leftovers (native as of DLA 3.14) within the limits of the Conv the rewrite makes. */
int cc_check_depth_space(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (!cc_need_4d(n, 0, reason, size))
        return 0;
    int64_t b = ir_attr_int(n, "blocksize", 0);
    if (n->op == IR_OP_DepthToSpace && b > DEPTH_TO_SPACE_MAX_BLOCK)
        return cc_fail(reason, size,
                       "blocksize %lld exceeds the DLA limit of %d (the kernel and stride of the ConvTranspose it "
                       "becomes)",
                       (long long)b, DEPTH_TO_SPACE_MAX_BLOCK);
    if (n->op == IR_OP_SpaceToDepth && b > SPACE_TO_DEPTH_MAX_BLOCK)
        return cc_fail(reason, size, "blocksize %lld exceeds the DLA limit of %d (the stride of the Conv it becomes)",
                       (long long)b, SPACE_TO_DEPTH_MAX_BLOCK);
    return 1;
}
