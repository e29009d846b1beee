/* Capacity of a dynamic (data-dependent) tensor crossing a task boundary: an upper bound on its element count from
 * simple per-op rules over its producers (tb.h, cc_dynamic_capacity). A bound is only a reservation hint: the
 * runtime keeps the actual data of a dynamic tensor in its own storage, whatever its size. */
#include "compiler/tb.h"

#define DYN_DEFAULT_BYTES ((uint64_t)1 << 20)
#define DYN_MAX_BYTES ((uint64_t)256 << 20)
#define DYN_MAX_DEPTH 64

static int64_t bound(const ir_tensor *t, int depth);

/* a * b, or -1 when either is unknown or the product leaves the range */
static int64_t mul(int64_t a, int64_t b)
{
    if (a < 0 || b < 0 || (b && a > INT64_MAX / 4 / b))
        return -1;
    return a * b;
}

static int64_t const_scalar(const ir_tensor *t)
{
    if (!t || !t->data || ir_tensor_numel(t) != 1)
        return -1;
    return ir_get_i64(t->dtype, t->data, 0);
}

static int64_t in_bound(const ir_node *n, int i, int depth)
{
    return i < n->n_in && n->in[i] ? bound(n->in[i], depth + 1) : -1;
}

/* Upper bound of t's element count, -1 when no rule gives one. */
static int64_t bound(const ir_tensor *t, int depth)
{
    int64_t numel = ir_tensor_numel(t);
    if (numel >= 0)
        return numel;
    const ir_node *n = t->producer;
    if (!n || depth > DYN_MAX_DEPTH)
        return -1;
    switch (n->op) {
    case IR_OP_NonMaxSuppression: {
        const ir_tensor *boxes = n->in[0], *scores = n->n_in > 1 ? n->in[1] : NULL;
        int64_t k = n->n_in > 2 ? const_scalar(n->in[2]) : 0;
        if (k == 0)
            return 0;
        if (!boxes || !scores || scores->rank != 3 || scores->dims[0] < 0 || scores->dims[1] < 0 ||
            boxes->rank != 3 || boxes->dims[1] < 0)
            return -1;
        int64_t per_class = k < boxes->dims[1] ? k : boxes->dims[1];
        return mul(mul(mul(per_class, scores->dims[0]), scores->dims[1]), 3);
    }
    case IR_OP_NonZero: {
        const ir_tensor *x = n->in[0];
        return x && x->rank >= 0 ? mul(in_bound(n, 0, depth), x->rank ? x->rank : 1) : -1;
    }
    case IR_OP_TopK:
        return in_bound(n, 0, depth);
    case IR_OP_Gather: {
        const ir_tensor *d = n->in[0];
        int64_t dn = ir_tensor_numel(d), idx = in_bound(n, 1, depth);
        int64_t axis = ir_attr_int(n, "axis", 0);
        if (!d || d->rank <= 0 || dn < 0 || idx < 0)
            return -1;
        if (axis < 0)
            axis += d->rank;
        if (axis < 0 || axis >= d->rank || d->dims[axis] <= 0)
            return -1;
        return mul(idx, dn / d->dims[axis]);
    }
    case IR_OP_Concat: {
        int64_t s = 0;
        for (int i = 0; i < n->n_in; i++) {
            int64_t b = in_bound(n, i, depth);
            if (b < 0)
                return -1;
            s += b;
        }
        return s;
    }
    case IR_OP_Identity: case IR_OP_Cast: case IR_OP_Reshape: case IR_OP_Flatten: case IR_OP_Squeeze:
    case IR_OP_Unsqueeze: case IR_OP_Slice: case IR_OP_Transpose: case IR_OP_Sigmoid: case IR_OP_Relu:
    case IR_OP_Exp: case IR_OP_Neg: case IR_OP_Abs: case IR_OP_Not: case IR_OP_Clip: case IR_OP_GatherElements:
    case IR_OP_ReduceSum: case IR_OP_ReduceMax:
        return in_bound(n, 0, depth);
    default:
        return -1;
    }
}

uint64_t cc_dynamic_capacity(const ir_tensor *t, size_t es)
{
    int64_t b = bound(t, 0);
    uint64_t bytes = b < 0 ? DYN_DEFAULT_BYTES : (uint64_t)b * es;
    if (bytes < 64)
        bytes = 64;
    if (bytes > DYN_MAX_BYTES)
        bytes = DYN_MAX_BYTES;
    return bytes;
}

int cc_dynamic_shape(const ir_tensor *t, int64_t dims[LDB_MAX_RANK])
{
    const ir_node *n = t->producer;
    int r = t->rank;
    if (r < 0 && n && n->op == IR_OP_NonZero && n->in[0] && n->in[0]->rank >= 0) {
        r = 2;
        dims[0] = n->in[0]->rank;
        dims[1] = -1;
        return r;
    }
    if (r < 0 && n && n->op == IR_OP_NonMaxSuppression) {
        dims[0] = -1;
        dims[1] = 3;
        return 2;
    }
    if (r < 0 || r > LDB_MAX_RANK)
        return 0;
    for (int k = 0; k < r; k++)
        dims[k] = t->dims[k] >= 0 ? t->dims[k] : -1;
    return r;
}
