/* DLA rules for Resize and Upsample (dla-facts §2.2, Resize row): static scales, exactly 4 with N and C 1,
 * integer H,W scales in [1,32] (nearest) or [1,4] (linear), and TensorRT's mode combinations for DLA:
 * nearest (asymmetric, floor) or (half_pixel, round_prefer_floor / round_prefer_ceil); linear (half_pixel). */
#include "compiler/rules.h"

#include <math.h>
#include <string.h>

#define RESIZE_MAX_SCALE_NEAREST 32
#define RESIZE_MAX_SCALE_LINEAR 4

static const char *const axis_name[4] = {"N", "C", "height", "width"};

typedef struct resize_modes {
    const char *mode, *coord, *nearest;
    int scales_in, sizes_in; /* input indices, -1: none */
} resize_modes;

static void read_modes(const ir_node *n, resize_modes *m)
{
    int legacy = n->op == IR_OP_Upsample || n->opset < 11; /* Upsample and Resize-10: asymmetric, floor */
    m->mode = ir_attr_str(n, "mode", "nearest");
    m->coord = legacy ? "asymmetric" : ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    m->nearest = legacy ? "floor" : ir_attr_str(n, "nearest_mode", "round_prefer_floor");
    m->scales_in = legacy ? (n->op == IR_OP_Upsample && n->opset < 9 ? -1 : 1) : 2;
    m->sizes_in = legacy ? -1 : 3;
}

static int check_modes(const resize_modes *m, char *reason, size_t size)
{
    int half = !strcmp(m->coord, "half_pixel") || !strcmp(m->coord, "pytorch_half_pixel");
    if (!strcmp(m->mode, "nearest")) {
        if (!strcmp(m->coord, "asymmetric") && !strcmp(m->nearest, "floor"))
            return 1;
        if (half && (!strcmp(m->nearest, "round_prefer_floor") || !strcmp(m->nearest, "round_prefer_ceil")))
            return 1;
        return cc_fail(reason, size,
                       "nearest resize with coordinate_transformation_mode '%s' and nearest_mode '%s' is not a DLA "
                       "combination (asymmetric + floor, or half_pixel + round_prefer_floor/round_prefer_ceil)",
                       m->coord, m->nearest);
    }
    if (!strcmp(m->mode, "linear") || !strcmp(m->mode, "bilinear")) {
        if (half)
            return 1;
        return cc_fail(reason, size,
                       "linear resize with coordinate_transformation_mode '%s' is not a DLA combination (half_pixel)",
                       m->coord);
    }
    return cc_fail(reason, size, "mode '%s': DLA resizes with nearest or linear only", m->mode);
}

/* Constant scales, when given, must be exact integers (the dims then agree with them). */
static int check_const_scales(const ir_node *n, const resize_modes *m, char *reason, size_t size)
{
    const float *fs = NULL;
    const ir_tensor *st = NULL;
    int cnt = 0;
    if (m->scales_in < 0) {
        fs = ir_attr_floats(n, "scales", &cnt);
    } else if (cc_has_in(n, m->scales_in) && ir_tensor_numel(n->in[m->scales_in]) > 0) {
        st = n->in[m->scales_in];
        if (!cc_is_const(st))
            return cc_fail(reason, size, "scales are not a build-time constant (DLA needs static scales)");
        cnt = (int)ir_tensor_numel(st);
    }
    if (m->sizes_in >= 0 && cc_has_in(n, m->sizes_in) && ir_tensor_numel(n->in[m->sizes_in]) != 0 &&
        !cc_is_const(n->in[m->sizes_in]))
        return cc_fail(reason, size, "sizes are not a build-time constant (DLA needs static scales)");
    if (!fs && !st)
        return 1;
    if (ir_node_attr(n, "axes"))
        return 1; /* opset 18 per-axis scales: the dims below carry the rule */
    if (cnt != 4)
        return cc_fail(reason, size, "%d scales; DLA resize needs exactly 4 (N, C, H, W)", cnt);
    for (int i = 0; i < 4; i++) {
        double v = fs ? fs[i] : ir_get_f64(st->dtype, st->data, (size_t)i);
        if (i < 2 && v != 1.0)
            return cc_fail(reason, size, "scale %g on %s: DLA resizes only H and W (the first two scales must be 1)",
                           v, axis_name[i]);
        if (i >= 2 && v < 1.0)
            return cc_fail(reason, size, "scale %g (%s) is below the DLA minimum of 1 (upsampling only)", v,
                           axis_name[i]);
        if (i >= 2 && v != floor(v))
            return cc_fail(reason, size, "scale %g (%s) is not an integer; DLA resize needs integer H,W scales", v,
                           axis_name[i]);
    }
    return 1;
}

int cc_check_resize(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    const ir_tensor *x = n->in[0], *y = n->out[0];
    resize_modes m;
    if (x->rank != 4)
        return cc_fail(reason, size, "DLA only supports resizing 4-D tensors; input 0 is %d-D", x->rank);
    read_modes(n, &m);
    if (!check_modes(&m, reason, size) || !check_const_scales(n, &m, reason, size))
        return 0;
    int linear = strcmp(m.mode, "nearest") != 0;
    int64_t limit = linear ? RESIZE_MAX_SCALE_LINEAR : RESIZE_MAX_SCALE_NEAREST;
    for (int i = 0; i < 4; i++) {
        int64_t a = x->dims[i], b = y->dims[i];
        if (i < 2 && a != b)
            return cc_fail(reason, size, "scale %lld/%lld on %s: DLA resizes only H and W (the first two scales "
                           "must be 1)", (long long)b, (long long)a, axis_name[i]);
        if (i < 2)
            continue;
        if (b < a)
            return cc_fail(reason, size, "scale %lld/%lld (%s) is below the DLA minimum of 1 (upsampling only)",
                           (long long)b, (long long)a, axis_name[i]);
        if (b % a)
            return cc_fail(reason, size, "scale %lld/%lld (%s) is not an integer; DLA resize needs integer H,W scales",
                           (long long)b, (long long)a, axis_name[i]);
        if (b / a > limit)
            return cc_fail(reason, size, "scale %lld (%s) exceeds the DLA limit of %lld for %s resize",
                           (long long)(b / a), axis_name[i], (long long)limit, linear ? "linear" : "nearest");
    }
    return 1;
}
