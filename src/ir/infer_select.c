/* Shape and type inference for the selection ops of the reduce family: ArgMax/ArgMin, TopK,
 * NonMaxSuppression, NonZero, CumSum (listed in infer_reduce.c's table), and the NonMaxSuppression selection
 * shared with the host executor. */
#include "ir/reduce.h"

#include <stdlib.h>
#include <string.h>

dla_status ir_infer_argminmax(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    y->dtype = IR_I64;
    if (x->rank < 0) {
        y->rank = -1;
        return DLA_OK;
    }
    if (x->rank == 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input is a scalar; %s needs rank >= 1", ir_op_name(n->op));
    int axis = 0;
    BASE_TRY(ir_norm_axis(n, "axis", ir_attr_int(n, "axis", 0), x->rank, &axis));
    int keep = ir_attr_int(n, "keepdims", 1) != 0;
    int64_t dims[IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (i != axis)
            dims[r++] = x->dims[i];
        else if (keep)
            dims[r++] = 1;
    }
    ir_tensor_set_shape(y, r, dims);
    return DLA_OK;
}

dla_status ir_infer_topk(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *vals = n->out[0], *idx = n->out[1];
    if (vals)
        vals->dtype = x->dtype;
    if (idx)
        idx->dtype = IR_I64;
    int64_t k = -1;
    if (n->n_in >= 2 && n->in[1]) {
        if (n->in[1]->data) {
            if (ir_tensor_numel(n->in[1]) != 1)
                return ir_node_error(n, DLA_ERR_INVALID_ARG, "K has %lld values; it must hold exactly 1",
                                     (long long)ir_tensor_numel(n->in[1]));
            k = ir_get_i64(n->in[1]->dtype, n->in[1]->data, 0);
        }
    } else if (ir_node_attr(n, "k")) {
        k = ir_attr_int(n, "k", 0);
    } else {
        return ir_node_error(n, DLA_ERR_FORMAT, "has neither the K input nor the k attribute (opset %d)", n->opset);
    }
    if (x->rank < 0 || k < 0) {
        if (k < -1 || (k == -1 && n->n_in >= 2 && n->in[1] && n->in[1]->data))
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "K = %lld is negative", (long long)k);
        if (vals)
            vals->rank = -1;
        if (idx)
            idx->rank = -1;
        return DLA_OK;
    }
    if (x->rank == 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "input is a scalar; TopK needs rank >= 1");
    int axis = 0;
    BASE_TRY(ir_norm_axis(n, "axis", ir_attr_int(n, "axis", -1), x->rank, &axis));
    if (x->dims[axis] >= 0 && k > x->dims[axis])
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "K = %lld exceeds the size %lld of axis %d", (long long)k,
                             (long long)x->dims[axis], axis);
    int64_t dims[IR_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = k;
    if (vals)
        ir_tensor_set_shape(vals, x->rank, dims);
    if (idx)
        ir_tensor_set_shape(idx, x->rank, dims);
    return DLA_OK;
}

dla_status ir_infer_nonzero(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    y->dtype = IR_I64;
    int64_t numel = ir_tensor_numel(x);
    if (!x->data || numel < 0) {
        y->rank = -1;
        return DLA_OK;
    }
    int64_t count = 0;
    for (int64_t i = 0; i < numel; i++)
        count += ir_get_f64(x->dtype, x->data, (size_t)i) != 0;
    int64_t dims[2] = {x->rank, count};
    ir_tensor_set_shape(y, 2, dims);
    return DLA_OK;
}

dla_status ir_infer_cumsum(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    y->dtype = x->dtype;
    if (x->rank < 0) {
        y->rank = -1;
        return DLA_OK;
    }
    if (n->in[1]->data) {
        if (ir_tensor_numel(n->in[1]) != 1)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "axis input has %lld values; it must hold exactly 1",
                                 (long long)ir_tensor_numel(n->in[1]));
        int axis = 0;
        BASE_TRY(ir_norm_axis(n, "axis", ir_get_i64(n->in[1]->dtype, n->in[1]->data, 0), x->rank, &axis));
    }
    ir_tensor_set_shape(y, x->rank, x->dims);
    return DLA_OK;
}

/* ---- NonMaxSuppression ---------------------------------------------------------------------------------- */

typedef struct nms_cand {
    float score;
    int64_t box;
} nms_cand;

static int cand_cmp(const void *pa, const void *pb)
{
    const nms_cand *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->box > b->box) - (a->box < b->box); /* ties: the lower index first */
}

/* Box `i` as (y1, x1, y2, x2) with y1 <= y2, x1 <= x2. */
static void nms_box(const ir_tensor *boxes, size_t i, int center, float c[4])
{
    float v[4];
    for (int j = 0; j < 4; j++)
        v[j] = (float)ir_get_f64(boxes->dtype, boxes->data, i * 4 + (size_t)j);
    if (center) { /* [x_center, y_center, width, height] */
        c[0] = v[1] - v[3] / 2;
        c[2] = v[1] + v[3] / 2;
        c[1] = v[0] - v[2] / 2;
        c[3] = v[0] + v[2] / 2;
        return;
    }
    c[0] = v[0] < v[2] ? v[0] : v[2];
    c[2] = v[0] < v[2] ? v[2] : v[0];
    c[1] = v[1] < v[3] ? v[1] : v[3];
    c[3] = v[1] < v[3] ? v[3] : v[1];
}

static int nms_suppress(const float a[4], const float b[4], float thr)
{
    float iy1 = a[0] > b[0] ? a[0] : b[0], ix1 = a[1] > b[1] ? a[1] : b[1];
    float iy2 = a[2] < b[2] ? a[2] : b[2], ix2 = a[3] < b[3] ? a[3] : b[3];
    if (iy2 <= iy1 || ix2 <= ix1)
        return 0;
    float inter = (iy2 - iy1) * (ix2 - ix1);
    float area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
    float uni = area_a + area_b - inter;
    if (area_a <= 0 || area_b <= 0 || uni <= 0)
        return 0;
    return inter / uni > thr;
}

static dla_status nms_check(const ir_node *n, const ir_tensor *boxes, const ir_tensor *scores)
{
    if (boxes->rank != 3 || boxes->dims[2] != 4)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "boxes must be [batches, boxes, 4]; got rank %d",
                             boxes->rank);
    if (scores->rank != 3 || scores->dims[0] != boxes->dims[0] || scores->dims[2] != boxes->dims[1])
        return ir_node_error(n, DLA_ERR_INVALID_ARG,
                             "scores must be [batches=%lld, classes, boxes=%lld]; got rank %d",
                             (long long)boxes->dims[0], (long long)boxes->dims[1], scores->rank);
    if (!ir_dtype_is_float(boxes->dtype) || !ir_dtype_is_float(scores->dtype))
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "boxes (%s) and scores (%s) must be floating-point",
                             ir_dtype_name(boxes->dtype), ir_dtype_name(scores->dtype));
    return DLA_OK;
}

/* An optional scalar input's first value, or `dflt` when omitted. */
static double opt_scalar(const ir_node *n, int i, double dflt, int *present)
{
    const ir_tensor *t = i < n->n_in ? n->in[i] : NULL;
    if (present)
        *present = t && t->data && ir_tensor_numel(t) > 0;
    if (!t || !t->data || ir_tensor_numel(t) < 1)
        return dflt;
    return ir_dtype_is_float(t->dtype) ? ir_get_f64(t->dtype, t->data, 0) : (double)ir_get_i64(t->dtype, t->data, 0);
}

dla_status ir_nms_select(const ir_node *n, int64_t *sel, int64_t cap, int64_t *count)
{
    const ir_tensor *boxes = n->in[0], *scores = n->in[1];
    BASE_TRY(nms_check(n, boxes, scores));
    *count = 0;
    int64_t nb = boxes->dims[0], nbox = boxes->dims[1], ncls = scores->dims[1];
    double max_out = opt_scalar(n, 2, 0, NULL);
    float iou_thr = (float)opt_scalar(n, 3, 0, NULL);
    int has_st;
    float score_thr = (float)opt_scalar(n, 4, 0, &has_st);
    int center = ir_attr_int(n, "center_point_box", 0) != 0;
    if (max_out <= 0 || nbox == 0)
        return DLA_OK;
    int64_t keep_max = max_out < (double)nbox ? (int64_t)max_out : nbox;
    nms_cand *cand = malloc(sizeof *cand * (size_t)nbox);
    float(*kept)[4] = malloc(sizeof *kept * (size_t)keep_max);
    if (!cand || !kept) {
        free(cand);
        free(kept);
        return ir_node_error(n, DLA_ERR_NOMEM, "cannot allocate NMS work space for %lld boxes", (long long)nbox);
    }
    int64_t total = 0;
    for (int64_t b = 0; b < nb; b++) {
        for (int64_t c = 0; c < ncls; c++) {
            size_t srow = (size_t)((b * ncls + c) * nbox);
            int64_t nc = 0;
            for (int64_t i = 0; i < nbox; i++) {
                float s = (float)ir_get_f64(scores->dtype, scores->data, srow + (size_t)i);
                if (!has_st || s > score_thr)
                    cand[nc++] = (nms_cand){s, i};
            }
            qsort(cand, (size_t)nc, sizeof *cand, cand_cmp);
            int64_t nk = 0;
            for (int64_t j = 0; j < nc && nk < keep_max; j++) {
                float bx[4];
                nms_box(boxes, (size_t)(b * nbox + cand[j].box), center, bx);
                int drop = 0;
                for (int64_t k = 0; k < nk && !drop; k++)
                    drop = nms_suppress(kept[k], bx, iou_thr);
                if (drop)
                    continue;
                memcpy(kept[nk++], bx, sizeof bx);
                if (sel && total < cap) {
                    sel[total * 3 + 0] = b;
                    sel[total * 3 + 1] = c;
                    sel[total * 3 + 2] = cand[j].box;
                }
                total++;
            }
        }
    }
    free(cand);
    free(kept);
    *count = total;
    return DLA_OK;
}

dla_status ir_infer_nms(ir_node *n)
{
    ir_tensor *y = n->out[0];
    y->dtype = IR_I64;
    y->rank = -1;
    const ir_tensor *boxes = n->in[0], *scores = n->in[1];
    if (!boxes->data || !scores->data || !ir_tensor_shape_known(boxes) || !ir_tensor_shape_known(scores))
        return DLA_OK;
    for (int i = 2; i < n->n_in; i++)
        if (n->in[i] && !n->in[i]->data)
            return DLA_OK;
    int64_t count;
    BASE_TRY(ir_nms_select(n, NULL, 0, &count));
    int64_t dims[2] = {count, 3};
    ir_tensor_set_shape(y, 2, dims);
    return DLA_OK;
}
