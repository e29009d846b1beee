/* Shape and type inference: shape family (see ir.h, ir_infer_entry).
 *
 * This file holds the table and the ops that only rearrange dims: Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Concat, Split, Shape, Size. The others live in infer_slice.c (Slice, Pad, DepthToSpace,
 * SpaceToDepth), infer_resize.c (Resize, Upsample) and infer_gather.c (indexing and generators). Every output
 * keeps its input's type unless the op defines another. */
#include "ir/ir.h"
#include "ir/shape_ops.h"

#include <string.h>

/* ---- Reshape -------------------------------------------------------------------------------------------- */

static dla_status infer_reshape(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t shape[IR_MAX_RANK];
    int k;
    if (n->opset < 5) {
        const int64_t *a = ir_attr_ints(n, "shape", &k);
        if (!a)
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Reshape needs the 'shape' attribute", n->opset);
        if (k > IR_MAX_RANK)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "target rank %d exceeds the limit of %d", k, IR_MAX_RANK);
        memcpy(shape, a, sizeof(int64_t) * (size_t)k);
    } else {
        if (n->n_in < 2 || !n->in[1])
            return ir_node_error(n, DLA_ERR_FORMAT, "opset %d Reshape needs the 'shape' input", n->opset);
        const ir_tensor *s = n->in[1];
        if (s->data && ir_tensor_numel(s) > IR_MAX_RANK)
            return ir_node_error(n, DLA_ERR_UNSUPPORTED, "target rank %lld exceeds the limit of %d",
                                 (long long)ir_tensor_numel(s), IR_MAX_RANK);
        k = ir_input_ints(n, 1, shape, IR_MAX_RANK);
        if (k < 0) {
            /* the rank alone is known from the shape tensor's length */
            if (s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= IR_MAX_RANK) {
                int64_t d[IR_MAX_RANK];
                for (int i = 0; i < (int)s->dims[0]; i++)
                    d[i] = -1;
                ir_shp_set_out(y, x->dtype, (int)s->dims[0], d);
            } else {
                ir_shp_set_out(y, x->dtype, -1, NULL);
            }
            return DLA_OK;
        }
    }
    int allowzero = (int)ir_attr_int(n, "allowzero", 0);
    int infer_at = -1;
    int64_t known_prod = 1;
    int all_known = 1;
    const char *params[IR_MAX_RANK] = {0};
    for (int i = 0; i < k; i++) {
        if (shape[i] < -1 || shape[i] > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "shape[%d] is %lld; dims must be in [-1, %lld]", i,
                                 (long long)shape[i], (long long)IR_MAX_NUMEL);
        if (shape[i] == -1) {
            if (infer_at >= 0)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "shape has -1 at both %d and %d; at most one allowed",
                                     infer_at, i);
            infer_at = i;
            continue;
        }
        if (shape[i] == 0 && !allowzero) {
            if (x->rank >= 0 && i >= x->rank)
                return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                     "shape[%d] is 0 (copy the input dim) but the input has rank %d", i, x->rank);
            shape[i] = x->rank >= 0 ? x->dims[i] : -1;
            if (x->rank >= 0)
                params[i] = x->dim_param[i];
        }
        if (shape[i] < 0)
            all_known = 0;
        else if (__builtin_mul_overflow(known_prod, shape[i], &known_prod) || known_prod > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "target shape has more than %lld elements",
                                 (long long)IR_MAX_NUMEL);
    }
    int64_t numel = ir_tensor_numel(x);
    if (infer_at >= 0) {
        if (numel >= 0 && all_known) {
            if (known_prod == 0)
                return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                     "cannot infer the -1 dim: the other dims multiply to 0 (input has %lld elements)",
                                     (long long)numel);
            if (numel % known_prod)
                return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                     "cannot reshape %lld elements: not a multiple of %lld (the known dims)",
                                     (long long)numel, (long long)known_prod);
            shape[infer_at] = numel / known_prod;
        }
    } else if (numel >= 0 && all_known && numel != known_prod) {
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "cannot reshape %lld elements into a shape of %lld elements",
                             (long long)numel, (long long)known_prod);
    }
    ir_shp_set_out(y, x->dtype, k, shape);
    for (int i = 0; i < k; i++)
        y->dim_param[i] = shape[i] < 0 ? params[i] : NULL;
    return DLA_OK;
}

/* ---- Flatten -------------------------------------------------------------------------------------------- */

static int64_t dims_prod(const int64_t *d, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++) {
        if (d[i] < 0 || __builtin_mul_overflow(p, d[i], &p))
            return -1;
    }
    return p;
}

static dla_status infer_flatten(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    int64_t d[2] = {-1, -1};
    if (x->rank < 0) {
        ir_shp_set_out(n->out[0], x->dtype, 2, d);
        return DLA_OK;
    }
    int64_t axis = ir_attr_int(n, "axis", 1);
    if (axis < -x->rank || axis > x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d] for a rank-%d input",
                             (long long)axis, x->rank, x->rank, x->rank);
    if (axis < 0)
        axis += x->rank;
    d[0] = dims_prod(x->dims, 0, (int)axis);
    d[1] = dims_prod(x->dims, (int)axis, x->rank);
    ir_shp_set_out(n->out[0], x->dtype, 2, d);
    return DLA_OK;
}

/* ---- Squeeze / Unsqueeze -------------------------------------------------------------------------------- */

/* The axes list from the attribute (opset < 13) or input 1: count, -1 when the input has no data, -2 when no
 * axes were given at all. */
static int read_axes(const ir_node *n, int64_t *axes, int max, dla_status *st)
{
    *st = DLA_OK;
    if (n->opset < 13) {
        int k;
        const int64_t *a = ir_attr_ints(n, "axes", &k);
        if (!a)
            return -2;
        if (k > max) {
            *st = ir_node_error(n, DLA_ERR_UNSUPPORTED, "%d axes exceed the rank limit of %d", k, max);
            return -1;
        }
        memcpy(axes, a, sizeof(int64_t) * (size_t)k);
        return k;
    }
    if (n->n_in < 2 || !n->in[1])
        return -2;
    if (n->in[1]->data && ir_tensor_numel(n->in[1]) > max) {
        *st = ir_node_error(n, DLA_ERR_UNSUPPORTED, "%lld axes exceed the rank limit of %d",
                            (long long)ir_tensor_numel(n->in[1]), max);
        return -1;
    }
    return ir_input_ints(n, 1, axes, max);
}

static dla_status infer_squeeze(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t axes[IR_MAX_RANK];
    dla_status st;
    int k = read_axes(n, axes, IR_MAX_RANK, &st);
    BASE_TRY(st);
    if (k == 0)
        k = -2; /* an empty axes list squeezes every unit dim, as no list does */
    if (x->rank < 0 || k == -1) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    int drop[IR_MAX_RANK] = {0};
    if (k == -2) {
        for (int i = 0; i < x->rank; i++) {
            if (x->dims[i] < 0) {
                ir_shp_set_out(y, x->dtype, -1, NULL);
                return DLA_OK;
            }
            drop[i] = x->dims[i] == 1;
        }
    } else {
        for (int j = 0; j < k; j++) {
            int a = ir_norm_axis(axes[j], x->rank);
            if (a < 0)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)axes[j],
                                     x->rank, x->rank);
            if (x->dims[a] >= 0 && x->dims[a] != 1)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "cannot squeeze axis %d of size %lld; it must be 1", a,
                                     (long long)x->dims[a]);
            drop[a] = 1;
        }
    }
    int64_t d[IR_MAX_RANK];
    const char *p[IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++)
        if (!drop[i]) {
            p[r] = x->dim_param[i];
            d[r++] = x->dims[i];
        }
    ir_shp_set_out(y, x->dtype, r, d);
    for (int i = 0; i < r; i++)
        y->dim_param[i] = p[i];
    return DLA_OK;
}

static dla_status infer_unsqueeze(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t axes[IR_MAX_RANK];
    dla_status st;
    int k = read_axes(n, axes, IR_MAX_RANK, &st);
    BASE_TRY(st);
    if (k == -2)
        return ir_node_error(n, DLA_ERR_FORMAT, "Unsqueeze needs axes (an %s at opset %d)",
                             n->opset < 13 ? "attribute" : "input", n->opset);
    if (x->rank < 0 || k < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    int r = x->rank + k;
    if (r > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "output rank %d exceeds the limit of %d", r, IR_MAX_RANK);
    int ins[IR_MAX_RANK] = {0};
    for (int j = 0; j < k; j++) {
        int a = ir_norm_axis(axes[j], r);
        if (a < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)axes[j], r, r);
        if (ins[a])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d is repeated", a);
        ins[a] = 1;
    }
    int64_t d[IR_MAX_RANK];
    const char *p[IR_MAX_RANK] = {0};
    for (int i = 0, s = 0; i < r; i++) {
        if (ins[i]) {
            d[i] = 1;
        } else {
            p[i] = x->dim_param[s];
            d[i] = x->dims[s++];
        }
    }
    ir_shp_set_out(y, x->dtype, r, d);
    for (int i = 0; i < r; i++)
        y->dim_param[i] = p[i];
    return DLA_OK;
}

/* ---- Transpose ------------------------------------------------------------------------------------------ */

static dla_status infer_transpose(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    if (x->rank < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    int k;
    const int64_t *perm = ir_attr_ints(n, "perm", &k);
    if (perm && k != x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "perm has %d entries for a rank-%d input", k, x->rank);
    int seen[IR_MAX_RANK] = {0};
    int64_t d[IR_MAX_RANK];
    const char *p[IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        int64_t a = perm ? perm[i] : x->rank - 1 - i;
        if (a < 0 || a >= x->rank || seen[a])
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "perm[%d] = %lld is not a permutation of 0..%d", i,
                                 (long long)a, x->rank - 1);
        seen[a] = 1;
        d[i] = x->dims[a];
        p[i] = x->dim_param[a];
    }
    ir_shp_set_out(y, x->dtype, x->rank, d);
    for (int i = 0; i < x->rank; i++)
        y->dim_param[i] = p[i];
    return DLA_OK;
}

/* ---- Concat --------------------------------------------------------------------------------------------- */

static dla_status infer_concat(ir_node *n)
{
    ir_tensor *y = n->out[0];
    const ir_tensor *first = NULL;
    for (int i = 0; i < n->n_in && !first; i++)
        first = n->in[i];
    if (!first)
        return ir_node_error(n, DLA_ERR_FORMAT, "Concat has no inputs");
    const ir_attr *aa = ir_node_attr(n, "axis");
    if (!aa && n->opset >= 4)
        return ir_node_error(n, DLA_ERR_FORMAT, "Concat needs the 'axis' attribute");
    int64_t axis_attr = aa ? aa->i : 1;
    int rank = -1;
    for (int i = 0; i < n->n_in; i++) {
        const ir_tensor *t = n->in[i];
        if (!t)
            continue;
        if (t->rank < 0) {
            ir_shp_set_out(y, first->dtype, -1, NULL);
            return DLA_OK;
        }
        if (rank >= 0 && t->rank != rank)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d has rank %d but input 0 has rank %d", i, t->rank,
                                 rank);
        rank = t->rank;
        if (t->dtype != IR_UNDEFINED && first->dtype != IR_UNDEFINED && t->dtype != first->dtype)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d is %s but input 0 is %s", i,
                                 ir_dtype_name(t->dtype), ir_dtype_name(first->dtype));
    }
    int axis = ir_norm_axis(axis_attr, rank);
    if (axis < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)axis_attr, rank,
                             rank);
    int64_t d[IR_MAX_RANK];
    const char *p[IR_MAX_RANK] = {0};
    for (int j = 0; j < rank; j++) {
        d[j] = j == axis ? 0 : -1;
        for (int i = 0; i < n->n_in; i++) {
            const ir_tensor *t = n->in[i];
            if (!t)
                continue;
            if (j == axis) {
                if (d[j] < 0 || t->dims[j] < 0 || __builtin_add_overflow(d[j], t->dims[j], &d[j]))
                    d[j] = -1;
            } else if (t->dims[j] >= 0) {
                if (d[j] >= 0 && d[j] != t->dims[j])
                    return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                         "input %d has dim %d = %lld but another input has %lld", i, j,
                                         (long long)t->dims[j], (long long)d[j]);
                d[j] = t->dims[j];
            } else if (!p[j]) {
                p[j] = t->dim_param[j];
            }
        }
    }
    ir_shp_set_out(y, first->dtype, rank, d);
    for (int j = 0; j < rank; j++)
        y->dim_param[j] = d[j] < 0 ? p[j] : NULL;
    return DLA_OK;
}

/* ---- Split ---------------------------------------------------------------------------------------------- */

dla_status ir_split_plan(const ir_node *n, const ir_tensor *x, int *axis, int64_t *sizes, int *known)
{
    *known = 1;
    int64_t a = ir_attr_int(n, "axis", 0);
    *axis = ir_norm_axis(a, x->rank);
    if (*axis < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a, x->rank,
                             x->rank);
    int64_t dim = x->dims[*axis];
    int k = -2; /* -2: no explicit sizes */
    if (n->opset < 13) {
        int c;
        const int64_t *s = ir_attr_ints(n, "split", &c);
        if (s) {
            if (c != n->n_out)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "'split' has %d sizes for %d outputs", c, n->n_out);
            memcpy(sizes, s, sizeof(int64_t) * (size_t)c);
            k = c;
        }
    } else if (n->n_in > 1 && n->in[1]) {
        const ir_tensor *s = n->in[1];
        if (!s->data) {
            *known = 0;
            return DLA_OK;
        }
        if (ir_tensor_numel(s) != n->n_out)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "the split input has %lld sizes for %d outputs",
                                 (long long)ir_tensor_numel(s), n->n_out);
        for (int i = 0; i < n->n_out; i++)
            sizes[i] = ir_get_i64(s->dtype, s->data, (size_t)i);
        k = n->n_out;
    }
    if (k >= 0) {
        int64_t sum = 0;
        for (int i = 0; i < k; i++) {
            if (sizes[i] < 0 || sizes[i] > IR_MAX_NUMEL)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "split size %d is %lld; sizes must be in [0, %lld]", i,
                                     (long long)sizes[i], (long long)IR_MAX_NUMEL);
            sum += sizes[i];
        }
        if (dim >= 0 && sum != dim)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "split sizes add up to %lld but axis %d has %lld",
                                 (long long)sum, *axis, (long long)dim);
        return DLA_OK;
    }
    int64_t parts = ir_attr_int(n, "num_outputs", n->n_out);
    if (parts != n->n_out || parts < 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "num_outputs is %lld but the node has %d outputs",
                             (long long)parts, n->n_out);
    if (dim < 0) {
        *known = 0;
        return DLA_OK;
    }
    /* equal parts; from opset 18 the last one may be smaller */
    int64_t chunk = (dim + parts - 1) / parts;
    if (chunk * (parts - 1) > dim)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "cannot split a dim of %lld into %lld parts", (long long)dim,
                             (long long)parts);
    for (int i = 0; i < n->n_out; i++)
        sizes[i] = i < n->n_out - 1 ? chunk : dim - chunk * (parts - 1);
    return DLA_OK;
}

static dla_status infer_split(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    if (x->rank < 0) {
        for (int i = 0; i < n->n_out; i++)
            ir_shp_set_out(n->out[i], x->dtype, -1, NULL);
        return DLA_OK;
    }
    int64_t sizes[256];
    if (n->n_out > 256)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%d outputs exceed the limit of 256", n->n_out);
    int axis, known;
    BASE_TRY(ir_split_plan(n, x, &axis, sizes, &known));
    for (int i = 0; i < n->n_out; i++) {
        int64_t d[IR_MAX_RANK];
        memcpy(d, x->dims, sizeof(int64_t) * (size_t)x->rank);
        d[axis] = known ? sizes[i] : -1;
        ir_shp_set_out(n->out[i], x->dtype, x->rank, d);
        if (n->out[i])
            for (int j = 0; j < x->rank; j++)
                n->out[i]->dim_param[j] = j == axis ? NULL : x->dim_param[j];
    }
    return DLA_OK;
}

/* ---- Shape / Size --------------------------------------------------------------------------------------- */

static dla_status infer_shape_op(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    if (x->rank < 0) {
        int64_t d = -1;
        ir_shp_set_out(n->out[0], IR_I64, 1, &d);
        return DLA_OK;
    }
    int64_t start = ir_attr_int(n, "start", 0), end = ir_attr_int(n, "end", x->rank);
    if (start < 0)
        start += x->rank;
    if (end < 0)
        end += x->rank;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < 0 ? 0 : end > x->rank ? x->rank : end;
    int64_t d = end > start ? end - start : 0;
    ir_shp_set_out(n->out[0], IR_I64, 1, &d);
    return DLA_OK;
}

static dla_status infer_size(ir_node *n)
{
    ir_shp_set_out(n->out[0], IR_I64, 0, NULL);
    return DLA_OK;
}

const ir_infer_entry ir_infer_shape[] = {
    {IR_OP_Reshape, infer_reshape, 1, 2, 1, 1},
    {IR_OP_Flatten, infer_flatten, 1, 1, 1, 1},
    {IR_OP_Squeeze, infer_squeeze, 1, 2, 1, 1},
    {IR_OP_Unsqueeze, infer_unsqueeze, 1, 2, 1, 1},
    {IR_OP_Transpose, infer_transpose, 1, 1, 1, 1},
    {IR_OP_Concat, infer_concat, 1, -1, 1, 1},
    {IR_OP_Split, infer_split, 1, 2, 1, -1},
    {IR_OP_Slice, ir_shp_infer_slice, 1, 5, 1, 1},
    {IR_OP_Pad, ir_shp_infer_pad, 1, 4, 1, 1},
    {IR_OP_Resize, ir_shp_infer_resize, 1, 4, 1, 1},
    {IR_OP_Upsample, ir_shp_infer_resize, 1, 2, 1, 1},
    {IR_OP_DepthToSpace, ir_shp_infer_depth_to_space, 1, 1, 1, 1},
    {IR_OP_SpaceToDepth, ir_shp_infer_space_to_depth, 1, 1, 1, 1},
    {IR_OP_Gather, ir_shp_infer_gather, 2, 2, 1, 1},
    {IR_OP_GatherElements, ir_shp_infer_gather_elements, 2, 2, 1, 1},
    {IR_OP_GatherND, ir_shp_infer_gather_nd, 2, 2, 1, 1},
    {IR_OP_ScatterElements, ir_shp_infer_scatter, 3, 3, 1, 1},
    {IR_OP_ScatterND, ir_shp_infer_scatter, 3, 3, 1, 1},
    {IR_OP_Scatter, ir_shp_infer_scatter, 3, 3, 1, 1},
    {IR_OP_Shape, infer_shape_op, 1, 1, 1, 1},
    {IR_OP_Size, infer_size, 1, 1, 1, 1},
    {IR_OP_ConstantOfShape, ir_shp_infer_constant_of_shape, 1, 1, 1, 1},
    {IR_OP_Expand, ir_shp_infer_expand, 2, 2, 1, 1},
    {IR_OP_Tile, ir_shp_infer_tile, 2, 3, 1, 1},
    {IR_OP_Range, ir_shp_infer_range, 3, 3, 1, 1},
    {IR_OP_OneHot, ir_shp_infer_onehot, 3, 3, 1, 1},
    {-1, NULL, 0, 0, 0, 0},
};
