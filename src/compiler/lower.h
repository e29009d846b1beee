/* lowering (private): one DLA subgraph -> engine ops through the task builder (backend.h).
 *
 * Files: lower.c (cc_lower_task: walks the nodes, forms fusion groups, dispatches), lower_conv.c (CONV + fused SDP
 * [+ fused PDP], ConvTranspose as phase convolutions + RUBIK contract, Gemm/MatMul as 1x1 convolutions, weight
 * quantization), lower_sdp.c (the SDP program: ONNX nodes -> primitives -> X1/X2/Y stages, FP16 and INT8
 * arithmetic; standalone SDP groups), lower_lut.c (LUT tables), lower_pool.c (PDP), lower_layout.c (Concat,
 * Slice, Reshape/Transpose/Resize, copies), tile.c (convolution-buffer fit and partial-H bands).
 *
 * Tensor -> cube mapping (the task builder uses the same rule for the surfaces it allocates): a rank-r tensor
 * describes one image of (C, H, W) = rank 4: (d1, d2, d3); rank 3: (d1, d2, 1); rank 2: (d1, 1, 1); rank 1:
 * (d0, 1, 1); rank 0: (1, 1, 1). Axis 1 (axis 0 for rank 1) is the channel axis. The batch (d0 for rank >= 2)
 * is not part of a cube: the lowering describes one image (images lie `size` bytes apart, format.h).
 *
 * INT8 domains: an integer value x inside the SDP stands for x * s (s: its domain scale, per channel before the
 * first MUL stage, per tensor after it). Every INT8 group brings the data into the fine domain
 * s_fine = s_out * 2^-LW_FINE_BITS in its first MUL (the per-channel conv rescale or, for an SDP reading memory,
 * an upscale), so constants and second surfaces are added with sub-step precision; the output converter
 * (out_cvt: scale 1, truncate LW_FINE_BITS in the usual case) rounds once more to the output's scale.
 */
#ifndef DLA_COMPILER_LOWER_H
#define DLA_COMPILER_LOWER_H

#include "compiler/backend.h"
#include "engine/numerics.h"

#include <math.h>

#define LW_FINE_BITS 8
#define LW_CBUF_ORIN (512u * 1024u) /* Orin: taken as nv_full's 512 KB (16 banks x 32 KB); see tile.c */
#define LW_CBUF_BANKS 16

typedef struct lw_task {
    cc_task_builder *tb;
    const ir_graph *g;
    const int *ids;
    int n;
    unsigned char *in_task; /* [g->n_nodes]: node belongs to this subgraph */
    unsigned char *aliased; /* [g->n_nodes]: node done by aliasing alone (Concat, no-op reshape): no op */
    unsigned char *t_aliased; /* [g->n_tensors]: tensor made an alias of another by lw_plan_aliases */
    uint32_t cbuf_bytes;
} lw_task;

/* Lowers with an explicit convolution-buffer size (cc_lower_task uses LW_CBUF_ORIN). */
dla_status lw_lower_task(cc_task_builder *tb, const ir_graph *g, const int *node_ids, int n_nodes,
                         uint32_t cbuf_bytes);

/* ---- helpers (lower.c) ------------------------------------------------------------------------------- */

void lw_chw(const ir_tensor *t, int *c, int *h, int *w);
int lw_channel_axis(const ir_tensor *t);
int lw_in_task(const lw_task *k, const ir_node *n);
/* The node consuming x when it is x's only consumer, inside the task, not yet lowered, and x is not a graph
 * output; else NULL. */
ir_node *lw_sole_consumer(const lw_task *k, const ir_tensor *x);
/* 1 when x is produced inside the task and consumed only inside it (no graph output). */
int lw_internal(const lw_task *k, const ir_tensor *x);
/* 1 when x's data exists when the op being built runs: a task input, or produced by an already-lowered node. */
int lw_available(const lw_task *k, const ir_tensor *x);
static inline int lw_eprec(cc_prec p) { return p == CC_PREC_INT8 ? ENG_INT8 : ENG_FP16; }
/* A FEATURE cube of surface s restricted to channels [c0, c0+nc) (c0 a multiple of the atom) and rows
 * [h0, h0+nh) and columns [w0, w0+nw); nc/nh/nw 0 = the rest. */
eng_cube lw_cube(const cc_surface *s, int c0, int nc, int h0, int nh, int w0, int nw);
eng_cube lw_hw_cube(int prec, int c, int h, int w);
/* Fused layer names: "Conv_1 + Relu_2" (truncated with "..." past the buffer). */
void lw_names(const ir_node *const *nodes, int n, char *buf, size_t size);
/* Float data of a constant tensor (any float/int dtype) into a malloc'd double array; NULL if not constant. */
double *lw_const_f64(const ir_tensor *t);
/* double -> int64 rounded half away from zero */
int64_t lw_rhaz_slow(double v);
/* Round half away from zero: floor(|v| + 0.5) with v's sign. For t = |v| + 0.5 >= 0 the conversion to int64_t
 * truncates, which is floor, so this equals lw_rhaz_slow (libm floor) wherever the result fits int64_t; it runs once
 * per weight, so it is inline and branch-free on the sign (weights' signs are random). */
static inline int64_t lw_rhaz(double v)
{
    double a = fabs(v);
    if (!(a < 9.0e18))
        return lw_rhaz_slow(v);
    int64_t r = (int64_t)(a + 0.5), m = -(int64_t)(v < 0);
    return (r ^ m) - m;
}
/* Scale of a tensor for INT8 (>0), checked: error naming the tensor when missing. */
dla_status lw_scale(const lw_task *k, const ir_tensor *t, double *s);

/* ---- SDP program (lower_sdp.c) ----------------------------------------------------------------------- */

/* CSURF: a per-channel operand computed at run time (a C x 1 x 1 surface, e.g. squeeze-excitation weights): its
 * packed FEATURE bytes are exactly a PARAM array, so the SDP reads it PER_KERNEL. */
typedef enum lw_opd_kind { LW_OPD_NONE = 0, LW_OPD_LAYER, LW_OPD_CHANNEL, LW_OPD_POINT, LW_OPD_CSURF } lw_opd_kind;
typedef struct lw_opd {
    lw_opd_kind kind;
    double v;            /* LAYER */
    double *pc;          /* CHANNEL: C values (owned by the program) */
    const ir_tensor *t;  /* POINT / CSURF: the second surface */
    int neg;             /* POINT (INT path): operand enters negated (Y converter with a negative scale) */
} lw_opd;

/* LW_P_NEGOUT (FP16 only): negate the result in the output converter (scale -1); must be the last primitive. */
typedef enum lw_prim_type { LW_P_ALU = 0, LW_P_MUL, LW_P_RELU, LW_P_PRELU, LW_P_LUT, LW_P_NEGOUT } lw_prim_type;
typedef struct lw_prim {
    lw_prim_type type;
    int alu;             /* eng_sdp_alu */
    lw_opd opd;
    int rescale;         /* MUL that brings the data into the fine domain (INT front) */
    int fn;              /* LUT function (lower_lut.c) */
    double fa, fb;       /* its parameters */
    const ir_tensor *lut_in; /* tensor whose INT8 scale bounds the LUT input (may be NULL) */
} lw_prim;

#define LW_MAX_PRIMS 24
typedef struct lw_sdp_prog {
    int C;
    cc_prec prec;
    int no_point;        /* second surfaces not allowed (ConvTranspose phases) */
    int n;
    lw_prim p[LW_MAX_PRIMS];
} lw_sdp_prog;

void lw_prog_init(lw_sdp_prog *p, int C, cc_prec prec);
void lw_prog_free(lw_sdp_prog *p);
/* Appends the primitives of node n (an SDP-family node) fed by `chain` (the data flowing through the group).
 * Returns 1 when n can be expressed, else 0 (nothing appended; why in reason). */
int lw_node_prims(const lw_task *k, const ir_node *n, const ir_tensor *chain, lw_sdp_prog *p, char *reason,
                  size_t size);
/* 1 when the program's primitives fit the X1, X2, Y stages (greedy, in order). */
int lw_prog_fits(const lw_sdp_prog *p);
/* 1 when op is handled by lw_node_prims (the SDP family). */
int lw_is_sdp_op(int op);

/* Domains of an INT8 SDP (FP16: unused): the source is the conv accumulator (s_acc[k] per output channel) or a
 * memory cube (s_in per tensor); the result goes to scale s_out. Bias and the INT8 rescale MUL are primitives
 * (lw_prog_add_bias / lw_prog_add_rescale) at the front of the program. */
typedef struct lw_sdp_front {
    const double *s_acc; /* INT8 conv: [C]; NULL for a memory source */
    double s_in;         /* INT8 memory source scale */
    double s_out;        /* INT8 output scale */
} lw_sdp_front;

/* Front primitives: bias (ALU SUM per channel; takes ownership of the malloc'd array) and, for INT8, the MUL
 * that brings the data to the fine domain (per-channel conv rescale / memory upscale). */
void lw_prog_add_bias(lw_sdp_prog *p, double *bias);
void lw_prog_add_rescale(lw_sdp_prog *p);

/* Fills op->u.sdp's stages, converters and operand cubes (operand PARAM data goes into one cc_tb_const blob;
 * POINT operand cube = the full surface) and the LUT. src/dst cubes and precisions are the caller's. */
dla_status lw_sdp_build(const lw_task *k, const char *name, const lw_sdp_prog *p, const lw_sdp_front *f,
                        eng_sdp_op *sd);
/* Restricts the operand cubes of a built SDP op to output channels [c0, c0+nc) and rows [h0, h0+nh) (bands and
 * kernel splits). */
void lw_sdp_restrict(eng_sdp_op *sd, const lw_task *k, const lw_sdp_prog *p, int c0, int nc, int h0, int nh);

/* Collects the SDP followers of `start` (the chain tensor `t` flows out of the group's first node): appends
 * each follower's primitives while they fit; fills nodes[] (followers only) and returns their count; *last_out
 * receives the tensor the group ends with. */
int lw_collect_followers(const lw_task *k, const ir_tensor *t, lw_sdp_prog *p, const ir_node **nodes, int max,
                         const ir_tensor **last_out);
/* Standalone SDP group starting at node n (an SDP-family node reading memory). */
dla_status lw_lower_sdp_group(const lw_task *k, const ir_node *n);
/* A plain SDP copy/convert of src into dst (Identity, Cast, requantization). */
dla_status lw_emit_sdp_copy(const lw_task *k, const char *layer, const cc_surface *src, const cc_surface *dst,
                            const ir_tensor *dst_t);

/* ---- LUT (lower_lut.c) ------------------------------------------------------------------------------- */

enum {
    LW_FN_SIGMOID = 1, LW_FN_TANH, LW_FN_ELU, LW_FN_SELU, LW_FN_CELU, LW_FN_SOFTPLUS, LW_FN_SOFTSIGN, LW_FN_MISH,
    LW_FN_HARDSWISH, LW_FN_ERF, LW_FN_EXP, LW_FN_ABS, LW_FN_HARDSIGMOID, LW_FN_THRESHRELU, LW_FN_SIN, LW_FN_COS,
    LW_FN_ATAN, LW_FN_SINH, LW_FN_ASINH
};
/* The LUT function of an activation node (0 when n has none); fa/fb its parameters. */
int lw_lut_fn(const ir_node *n, double *fa, double *fb);
double lw_fn_eval(int fn, double a, double b, double x);
/* Default input range of a function (where the table holds its detail). */
void lw_fn_range(int fn, double *lo, double *hi);
/* FP16 table over [lo, hi]. */
dla_status lw_lut_fp(int fn, double a, double b, double lo, double hi, eng_lut *lut);
/* INT16 table for input domain s_in (x * s_in) over the real range [lo, hi]; output domain s_lut (>= s_target,
 * coarser when the function's range needs it). */
dla_status lw_lut_int(int fn, double a, double b, double s_in, double lo, double hi, double s_target, eng_lut *lut,
                      double *s_lut);

/* LRN tables f(s) = (bias + a*s)^-beta (CDP). FP16: linear LO over a*s in [0, 32] + exponential LE above. INT16 (input
 * scale s_in, s in units of s_in^2): RHAZ(2^k * f) with k the largest giving entries <= 32767. */
dla_status lw_lut_lrn_fp(double bias, double a, double beta, eng_lut *lut);
dla_status lw_lut_lrn_int(double bias, double a, double beta, double s_in, int local_size, eng_lut *lut, int *k);
dla_status lw_lower_lrn(const lw_task *k, const ir_node *n);

/* ---- CONV (lower_conv.c) and tiling (tile.c) --------------------------------------------------------- */

dla_status lw_lower_conv_group(const lw_task *k, const ir_node *n);
/* 1 when n is an INT8 average pooling whose output scale differs from its input's: the PDP cannot rescale (its
 * average would be rounded to the input's step, then requantized: up to ~20 output steps of error on a global
 * average), so it runs as a depthwise convolution with weights 1/window, rescaled once in the SDP. */
int lw_avgpool_as_conv(const lw_task *k, const ir_node *n);

typedef struct lw_tile {
    int n_bands;         /* partial-H bands (1: whole input) */
    int band_rows;       /* output rows per band (the last may have fewer) */
    int kg_stream;       /* weights do not stay resident: the hardware streams kernel groups (split-K) */
    int data_banks, weight_banks;
} lw_tile;

/* Convolution-buffer fit: input C x H x W (bytes per element bpe), K kernels of Cg x R x S, stride sy, dilated
 * kernel height ekh, OH output rows. Errors (UNSUPPORTED) when not even one output row and one kernel group fit. */
dla_status lw_tile_plan(const ir_node *n, uint32_t cbuf_bytes, int bpe, int C, int H, int W, int K, int Cg, int R,
                        int S, int sy, int ekh, int OH, lw_tile *t);
/* Input rows and pads of output band [o0, o1) for a conv with pad_top pt, stride sy, dilated kernel ekh, input H. */
void lw_band_rows(int o0, int o1, int pt, int sy, int ekh, int H, int *in0, int *in1, int *pad_t, int *pad_b);

/* ---- PDP (lower_pool.c) ------------------------------------------------------------------------------ */

/* 1 when n is a pooling node the PDP runs (limits), filling the op's pooling fields (cubes not set). */
int lw_pool_desc(const lw_task *k, const ir_node *n, cc_prec prec, eng_pdp_op *pd, char *reason, size_t size);
/* 1 when a PDP after a fused CONV+SDP fits on the fly (the 7 KB line buffer rule). */
int lw_pool_fusable(const eng_pdp_op *pd, int in_w, int channels, cc_prec prec);
dla_status lw_lower_pool(const lw_task *k, const ir_node *n);

/* ---- layout (lower_layout.c) ------------------------------------------------------------------------- */

/* Pre-pass: aliases (Concat inputs into the output, no-op reshapes). Call before any op is lowered. */
dla_status lw_plan_aliases(lw_task *k);
int lw_is_layout_op(int op);
dla_status lw_lower_layout(const lw_task *k, const ir_node *n);

#endif
