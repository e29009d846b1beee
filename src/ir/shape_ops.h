/* Private to the shape/data-movement op family: the rules that both shape inference (src/ir/infer_*.c) and the
 * host executor (src/host/op_*.c) need, so the two sides compute slice windows, pads, split sizes and resize
 * coordinates from one definition.
 *
 * Every *_plan function reads attributes and, where the op takes them as inputs, input data. When a needed input
 * has no data yet it sets *known = 0 and returns DLA_OK; errors name the node, the rule and the value. */
#ifndef DLA_IR_SHAPE_OPS_H
#define DLA_IR_SHAPE_OPS_H

#include "ir/ir.h"

/* A possibly negative axis normalised against rank; -1 when it is outside [-rank, rank). */
static inline int ir_norm_axis(int64_t axis, int rank)
{
    if (axis < -rank || axis >= rank)
        return -1;
    return (int)(axis < 0 ? axis + rank : axis);
}

/* ---- Slice (infer_slice.c) ------------------------------------------------------------------------------ */

/* Per axis of x (rank x->rank, which must be known): first index, step and element count. Axes not sliced get
 * start 0, step 1, count dims[i]. A count is -1 when that dim of x is unknown. */
dla_status ir_slice_plan(const ir_node *n, const ir_tensor *x, int64_t *start, int64_t *step, int64_t *count,
                         int *known);

/* ---- Pad (infer_slice.c) -------------------------------------------------------------------------------- */

typedef enum ir_pad_mode { IR_PAD_CONSTANT, IR_PAD_REFLECT, IR_PAD_EDGE, IR_PAD_WRAP } ir_pad_mode;

/* pads[0..2*rank): all begins, then all ends (ONNX order), negative to crop; from the attribute (opset < 11) or
 * the pads/axes inputs. */
dla_status ir_pad_plan(const ir_node *n, int rank, int64_t *pads, int *known);
dla_status ir_pad_mode_of(const ir_node *n, ir_pad_mode *mode);

/* ---- Split (infer_shape.c) ------------------------------------------------------------------------------ */

/* The normalised axis and each output's size along it (sizes has n->n_out entries). x's rank must be known;
 * the dim along axis must be known unless the split sizes come from an attribute or input. */
dla_status ir_split_plan(const ir_node *n, const ir_tensor *x, int *axis, int64_t *sizes, int *known);

/* ---- Resize and Upsample (infer_resize.c) --------------------------------------------------------------- */

typedef enum ir_resize_mode { IR_RESIZE_NEAREST, IR_RESIZE_LINEAR, IR_RESIZE_CUBIC } ir_resize_mode;
typedef enum ir_coord_mode {
    IR_CT_HALF_PIXEL,
    IR_CT_PYTORCH_HALF_PIXEL,
    IR_CT_ALIGN_CORNERS,
    IR_CT_ASYMMETRIC,
    IR_CT_TF_HALF_PIXEL_FOR_NN,
    IR_CT_TF_CROP_AND_RESIZE,
    IR_CT_HALF_PIXEL_SYMMETRIC,
} ir_coord_mode;
typedef enum ir_nearest_mode {
    IR_NEAREST_ROUND_PREFER_FLOOR,
    IR_NEAREST_ROUND_PREFER_CEIL,
    IR_NEAREST_FLOOR,
    IR_NEAREST_CEIL,
    IR_NEAREST_SIMPLE, /* Upsample and Resize-10 (as onnxruntime): ceil when downsampling, else floor */
} ir_nearest_mode;

typedef struct ir_resize_plan {
    int rank;
    ir_resize_mode mode;
    ir_coord_mode coord;
    ir_nearest_mode nearest;
    double cubic_a;
    int exclude_outside;
    double extrapolation;
    double scale[IR_MAX_RANK];      /* output/input, as the spec's coordinate formulas use it */
    double roi_start[IR_MAX_RANK];  /* tf_crop_and_resize: normalised region per axis */
    double roi_end[IR_MAX_RANK];
    int64_t in_dims[IR_MAX_RANK];
    int64_t out_dims[IR_MAX_RANK];  /* -1 where the input dim is unknown */
    double resized_len[IR_MAX_RANK]; /* input dim x scale (the reference's "output width"), or the given size */
} ir_resize_plan;

/* Resize (any opset) and Upsample: modes, scales and output dims. */
dla_status ir_resize_plan_make(const ir_node *n, ir_resize_plan *p, int *known);
/* The input coordinate that output index x on `axis` maps to; *outside = 1 when tf_crop_and_resize puts it
 * outside the input (the output is then the extrapolation value). */
double ir_resize_coord(const ir_resize_plan *p, int axis, int64_t x, int *outside);

/* ---- shape inference functions of the family, gathered into ir_infer_shape[] in infer_shape.c ------------- */

/* Sets an output's type and shape (rank -1: unknown), clearing stale symbolic names. */
static inline void ir_shp_set_out(ir_tensor *t, ir_dtype dt, int rank, const int64_t *dims)
{
    if (!t)
        return;
    t->dtype = dt;
    if (rank < 0) {
        t->rank = -1;
        return;
    }
    ir_tensor_set_shape(t, rank, dims);
    for (int i = 0; i < rank; i++)
        t->dim_param[i] = NULL;
}

dla_status ir_shp_infer_slice(ir_node *n);
dla_status ir_shp_infer_pad(ir_node *n);
dla_status ir_shp_infer_depth_to_space(ir_node *n);
dla_status ir_shp_infer_space_to_depth(ir_node *n);
dla_status ir_shp_infer_resize(ir_node *n);
dla_status ir_shp_infer_gather(ir_node *n);
dla_status ir_shp_infer_gather_elements(ir_node *n);
dla_status ir_shp_infer_gather_nd(ir_node *n);
dla_status ir_shp_infer_scatter(ir_node *n);
dla_status ir_shp_infer_onehot(ir_node *n);
dla_status ir_shp_infer_expand(ir_node *n);
dla_status ir_shp_infer_tile(ir_node *n);
dla_status ir_shp_infer_range(ir_node *n);
dla_status ir_shp_infer_constant_of_shape(ir_node *n);

#endif
