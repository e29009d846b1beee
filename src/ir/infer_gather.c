/* Shape inference for the indexing and generator ops of the shape family: Gather, GatherElements, GatherND,
 * ScatterElements, ScatterND, OneHot, Expand, Tile, Range, ConstantOfShape. */
#include "ir/ir.h"
#include "ir/shape_ops.h"

#include <math.h>
#include <string.h>

static int any_unknown_rank(const ir_node *n, int k)
{
    for (int i = 0; i < k; i++)
        if (n->in[i] && n->in[i]->rank < 0)
            return 1;
    return 0;
}

static dla_status check_index_type(const ir_node *n, int idx)
{
    ir_dtype t = n->in[idx]->dtype;
    if (t != IR_UNDEFINED && t != IR_I32 && t != IR_I64)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "indices (input %d) are %s; they must be int32 or int64", idx,
                             ir_dtype_name(t));
    return DLA_OK;
}

dla_status ir_shp_infer_gather(ir_node *n)
{
    const ir_tensor *x = n->in[0], *idx = n->in[1];
    BASE_TRY(check_index_type(n, 1));
    if (any_unknown_rank(n, 2)) {
        ir_shp_set_out(n->out[0], x->dtype, -1, NULL);
        return DLA_OK;
    }
    int64_t a = ir_attr_int(n, "axis", 0);
    int axis = ir_norm_axis(a, x->rank);
    if (axis < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a, x->rank,
                             x->rank);
    int r = x->rank + idx->rank - 1;
    if (r > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "output rank %d exceeds the limit of %d", r, IR_MAX_RANK);
    int64_t d[IR_MAX_RANK];
    int k = 0;
    for (int i = 0; i < axis; i++)
        d[k++] = x->dims[i];
    for (int i = 0; i < idx->rank; i++)
        d[k++] = idx->dims[i];
    for (int i = axis + 1; i < x->rank; i++)
        d[k++] = x->dims[i];
    ir_shp_set_out(n->out[0], x->dtype, r, d);
    return DLA_OK;
}

dla_status ir_shp_infer_gather_elements(ir_node *n)
{
    const ir_tensor *x = n->in[0], *idx = n->in[1];
    BASE_TRY(check_index_type(n, 1));
    if (any_unknown_rank(n, 2)) {
        ir_shp_set_out(n->out[0], x->dtype, -1, NULL);
        return DLA_OK;
    }
    if (idx->rank != x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "indices have rank %d but data has rank %d; they must match",
                             idx->rank, x->rank);
    int64_t a = ir_attr_int(n, "axis", 0);
    if (ir_norm_axis(a, x->rank) < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a, x->rank,
                             x->rank);
    ir_shp_set_out(n->out[0], x->dtype, idx->rank, idx->dims);
    return DLA_OK;
}

dla_status ir_shp_infer_gather_nd(ir_node *n)
{
    const ir_tensor *x = n->in[0], *idx = n->in[1];
    BASE_TRY(check_index_type(n, 1));
    if (any_unknown_rank(n, 2) || (idx->rank > 0 && idx->dims[idx->rank - 1] < 0)) {
        ir_shp_set_out(n->out[0], x->dtype, -1, NULL);
        return DLA_OK;
    }
    int64_t b = ir_attr_int(n, "batch_dims", 0);
    int q = idx->rank, r = x->rank;
    if (q < 1 || r < 1 || b < 0 || b >= (q < r ? q : r))
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "batch_dims %lld must be below both the data rank %d and the indices rank %d",
                             (long long)b, r, q);
    int64_t m = idx->dims[q - 1];
    if (m < 1 || b + m > r)
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "index tuples have %lld entries; with batch_dims %lld they must be 1..%lld",
                             (long long)m, (long long)b, (long long)(r - b));
    int out_r = q - 1 + r - (int)(b + m);
    if (out_r > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "output rank %d exceeds the limit of %d", out_r, IR_MAX_RANK);
    int64_t d[IR_MAX_RANK];
    int k = 0;
    for (int i = 0; i < q - 1; i++)
        d[k++] = idx->dims[i];
    for (int i = (int)(b + m); i < r; i++)
        d[k++] = x->dims[i];
    ir_shp_set_out(n->out[0], x->dtype, out_r, d);
    return DLA_OK;
}

dla_status ir_shp_infer_scatter(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    BASE_TRY(check_index_type(n, 1));
    const char *red = ir_attr_str(n, "reduction", "none");
    if (strcmp(red, "none") && strcmp(red, "add") && strcmp(red, "mul") && strcmp(red, "max") && strcmp(red, "min"))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "reduction '%s' is not one of none, add, mul, max, min", red);
    const ir_tensor *ind = n->in[1], *upd = n->in[2];
    if (n->op != IR_OP_ScatterND && x->rank >= 0) {
        int64_t a = ir_attr_int(n, "axis", 0);
        if (ir_norm_axis(a, x->rank) < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a, x->rank,
                                 x->rank);
        if ((ind->rank >= 0 && ind->rank != x->rank) || (upd->rank >= 0 && upd->rank != x->rank))
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "data, indices and updates have ranks %d, %d, %d; they must match", x->rank,
                                 ind->rank, upd->rank);
    }
    ir_shp_set_out(n->out[0], x->dtype, x->rank, x->dims);
    if (x->rank > 0)
        memcpy(n->out[0]->dim_param, x->dim_param, sizeof(x->dim_param[0]) * (size_t)x->rank);
    return DLA_OK;
}

dla_status ir_shp_infer_onehot(ir_node *n)
{
    const ir_tensor *idx = n->in[0], *depth = n->in[1], *values = n->in[2];
    ir_tensor *y = n->out[0];
    if (values->rank >= 0 && ir_tensor_numel(values) >= 0 && ir_tensor_numel(values) != 2)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "values has %lld elements; it must be [off, on]",
                             (long long)ir_tensor_numel(values));
    if (idx->rank < 0) {
        ir_shp_set_out(y, values->dtype, -1, NULL);
        return DLA_OK;
    }
    int r = idx->rank + 1;
    if (r > IR_MAX_RANK)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "output rank %d exceeds the limit of %d", r, IR_MAX_RANK);
    int64_t a = ir_attr_int(n, "axis", -1);
    int axis = ir_norm_axis(a, r);
    if (axis < 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %lld is outside [-%d, %d)", (long long)a, r, r);
    int64_t dep = -1;
    if (depth->data) {
        if (ir_tensor_numel(depth) != 1)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "depth has %lld elements; it must be a scalar",
                                 (long long)ir_tensor_numel(depth));
        dep = ir_get_i64(depth->dtype, depth->data, 0);
        if (dep < 1 || dep > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "depth is %lld; it must be in [1, %lld]", (long long)dep,
                                 (long long)IR_MAX_NUMEL);
    }
    int64_t d[IR_MAX_RANK];
    for (int i = 0, s = 0; i < r; i++)
        d[i] = i == axis ? dep : idx->dims[s++];
    ir_shp_set_out(y, values->dtype, r, d);
    return DLA_OK;
}

/* A 1-D shape-like input (shape / repeats): count read into v, -1 without data, error past the rank limit. */
static int shape_input(const ir_node *n, int i, int64_t *v, dla_status *st)
{
    *st = DLA_OK;
    const ir_tensor *t = n->in[i];
    if (!t->data)
        return -1;
    if (ir_tensor_numel(t) > IR_MAX_RANK) {
        *st = ir_node_error(n, DLA_ERR_UNSUPPORTED, "input %d has %lld values; the rank limit is %d", i,
                            (long long)ir_tensor_numel(t), IR_MAX_RANK);
        return -1;
    }
    return ir_input_ints(n, i, v, IR_MAX_RANK);
}

dla_status ir_shp_infer_expand(ir_node *n)
{
    const ir_tensor *x = n->in[0], *s = n->in[1];
    ir_tensor *y = n->out[0];
    int64_t shape[IR_MAX_RANK];
    dla_status st;
    int k = shape_input(n, 1, shape, &st);
    BASE_TRY(st);
    if (x->rank < 0 || k < 0) {
        if (x->rank >= 0 && s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= IR_MAX_RANK) {
            int r = x->rank > (int)s->dims[0] ? x->rank : (int)s->dims[0];
            int64_t d[IR_MAX_RANK];
            for (int i = 0; i < r; i++)
                d[i] = -1;
            ir_shp_set_out(y, x->dtype, r, d);
        } else {
            ir_shp_set_out(y, x->dtype, -1, NULL);
        }
        return DLA_OK;
    }
    for (int i = 0; i < k; i++)
        if (shape[i] < 0 || shape[i] > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "shape[%d] is %lld; dims must be in [0, %lld]", i,
                                 (long long)shape[i], (long long)IR_MAX_NUMEL);
    int64_t d[IR_MAX_RANK];
    int r;
    BASE_TRY(ir_broadcast(n, x->rank, x->dims, k, shape, &r, d));
    ir_shp_set_out(y, x->dtype, r, d);
    return DLA_OK;
}

dla_status ir_shp_infer_tile(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t rep[IR_MAX_RANK];
    dla_status st;
    int k = shape_input(n, 1, rep, &st);
    BASE_TRY(st);
    if (x->rank < 0) {
        ir_shp_set_out(y, x->dtype, -1, NULL);
        return DLA_OK;
    }
    int64_t d[IR_MAX_RANK];
    if (k < 0) {
        for (int i = 0; i < x->rank; i++)
            d[i] = -1;
        ir_shp_set_out(y, x->dtype, x->rank, d);
        return DLA_OK;
    }
    if (k != x->rank)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "repeats has %d values for a rank-%d input", k, x->rank);
    for (int i = 0; i < k; i++) {
        if (rep[i] < 0)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "repeats[%d] is %lld; it must be >= 0", i,
                                 (long long)rep[i]);
        d[i] = -1;
        if (x->dims[i] >= 0 && (__builtin_mul_overflow(x->dims[i], rep[i], &d[i]) || d[i] > IR_MAX_NUMEL))
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis %d: %lld x %lld repeats exceeds %lld elements", i,
                                 (long long)x->dims[i], (long long)rep[i], (long long)IR_MAX_NUMEL);
    }
    ir_shp_set_out(y, x->dtype, x->rank, d);
    return DLA_OK;
}

dla_status ir_shp_infer_range(ir_node *n)
{
    const ir_tensor *s = n->in[0], *l = n->in[1], *dl = n->in[2];
    ir_tensor *y = n->out[0];
    int64_t cnt = -1;
    if (s->data && l->data && dl->data) {
        for (int i = 0; i < 3; i++)
            if (ir_tensor_numel(n->in[i]) != 1)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "input %d has %lld elements; it must be a scalar", i,
                                     (long long)ir_tensor_numel(n->in[i]));
        if (ir_dtype_is_float(s->dtype)) {
            double a = ir_get_f64(s->dtype, s->data, 0), b = ir_get_f64(l->dtype, l->data, 0);
            double d = ir_get_f64(dl->dtype, dl->data, 0);
            if (d == 0 || d != d)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "delta is %g; it must be non-zero", d);
            double c = ceil((b - a) / d);
            if (!(c < (double)IR_MAX_NUMEL))
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "range has %g elements; the limit is %lld", c,
                                     (long long)IR_MAX_NUMEL);
            cnt = c > 0 ? (int64_t)c : 0;
        } else {
            int64_t a = ir_get_i64(s->dtype, s->data, 0), b = ir_get_i64(l->dtype, l->data, 0);
            int64_t d = ir_get_i64(dl->dtype, dl->data, 0);
            if (d == 0)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "delta is 0; it must be non-zero");
            /* spans in unsigned arithmetic: limit - start may exceed INT64_MAX */
            uint64_t span = d > 0 ? (uint64_t)b - (uint64_t)a : (uint64_t)a - (uint64_t)b;
            uint64_t step = d > 0 ? (uint64_t)d : (uint64_t)0 - (uint64_t)d;
            int ahead = d > 0 ? b > a : a > b;
            uint64_t c = ahead ? (span - 1) / step + 1 : 0;
            cnt = c > (uint64_t)IR_MAX_NUMEL ? IR_MAX_NUMEL + 1 : (int64_t)c;
            if (cnt > IR_MAX_NUMEL)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "range has %lld elements; the limit is %lld",
                                     (long long)cnt, (long long)IR_MAX_NUMEL);
        }
    }
    ir_shp_set_out(y, s->dtype, 1, &cnt);
    return DLA_OK;
}

dla_status ir_shp_infer_constant_of_shape(ir_node *n)
{
    const ir_tensor *s = n->in[0];
    const ir_attr *v = ir_node_attr(n, "value");
    ir_dtype dt = IR_F32;
    if (v) {
        if (v->type != IR_ATTR_TENSOR || !v->t || ir_tensor_numel(v->t) != 1)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "'value' must be a one-element tensor");
        dt = v->t->dtype;
    }
    int64_t shape[IR_MAX_RANK];
    dla_status st;
    int k = shape_input(n, 0, shape, &st);
    BASE_TRY(st);
    if (k < 0) {
        if (s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= IR_MAX_RANK) {
            int64_t d[IR_MAX_RANK];
            for (int i = 0; i < (int)s->dims[0]; i++)
                d[i] = -1;
            ir_shp_set_out(n->out[0], dt, (int)s->dims[0], d);
        } else {
            ir_shp_set_out(n->out[0], dt, -1, NULL);
        }
        return DLA_OK;
    }
    for (int i = 0; i < k; i++)
        if (shape[i] < 0 || shape[i] > IR_MAX_NUMEL)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "shape[%d] is %lld; dims must be in [0, %lld]", i,
                                 (long long)shape[i], (long long)IR_MAX_NUMEL);
    ir_shp_set_out(n->out[0], dt, k, shape);
    return DLA_OK;
}
