/* kernels: arithmetic by family. The host FP32 executor's heavy ops run on oneDNN (libdnnl) through the
 * wrappers declared here; the engine's integer and FP16 kernels will join them (portable _ref first).
 *
 * k_state holds what is worth keeping between calls (the oneDNN engine and stream, cached primitives and
 * reordered constant weights); one state per executor, used from one thread at a time (each call may use
 * n_threads threads inside, through OpenMP).
 *
 *     k_state *ks;
 *     k_state_create(2, &ks);
 *     k_conv_desc d = {.nsp = 2, .n = 1, .c_in = 64, .c_out = 64, .group = 1, .in = {56, 56}, .out = {56, 56},
 *                      .k = {3, 3}, .stride = {1, 1}, .dil = {1, 1}, .pad_l = {1, 1}, .pad_r = {1, 1}};
 *     k_f32_conv(ks, &d, x, w, 1, bias, y);   // w constant: its oneDNN reorder is cached by pointer
 *     k_state_destroy(ks);
 *
 * Tensors are plain row-major (N, C, spatial...) as the executor stores them, except where a call says
 * channels-last (k_f32_conv_post, the *_nhwc pools: the executor keeps activations that only travel between
 * convolutions channels-last, see host/exec_plan.h); other layouts oneDNN prefers
 * internally are private to the wrappers: weights are reordered once (cached), activations are reordered in
 * and out per call where a blocked-layout implementation wins despite that (see dnnl_conv.c). The environment
 * variable DLA_CONV_LAYOUT=plain|blocked, read by k_state_create, forces one policy (debugging, benchmarks).
 *
 * Threads: oneDNN runs on OpenMP; callers set omp_set_num_threads() before calling. */
#ifndef DLA_KERNELS_H
#define DLA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

typedef struct k_state k_state;
dla_status k_state_create(int n_threads, k_state **out);
void k_state_destroy(k_state *s); /* NULL is a no-op */

/* The oneDNN implementation name of the last primitive k_* ran ("brg:avx512_core", "ref:any", ...), for
 * tests and benchmarks; "" before any call. Valid until the state is destroyed. */
const char *k_state_last_impl(const k_state *s);

/* ---- convolution and transposed convolution (dnnl_conv.c, dnnl_deconv.c, ref_conv.c) ------------------ */

#define K_MAX_SPATIAL 3

typedef struct k_conv_desc {
    int nsp;                        /* spatial dims: 1, 2 or 3 */
    int64_t n, c_in, c_out, group;  /* c_in and c_out are divisible by group */
    int64_t in[K_MAX_SPATIAL];      /* input spatial sizes */
    int64_t out[K_MAX_SPATIAL];     /* output spatial sizes */
    int64_t k[K_MAX_SPATIAL];       /* kernel spatial sizes */
    int64_t stride[K_MAX_SPATIAL];  /* >= 1 */
    int64_t dil[K_MAX_SPATIAL];     /* ONNX dilation: 1 = dense */
    int64_t pad_l[K_MAX_SPATIAL];   /* begin pads */
    int64_t pad_r[K_MAX_SPATIAL];   /* end pads */
} k_conv_desc;

/* Convolution: y = conv(x, w) + b with ONNX Conv semantics.
 * x: n x c_in x in..., w: c_out x c_in/group x k... (ONNX layout), b: c_out values or NULL, y: n x c_out x out...
 * where out = floor((in + pad_l + pad_r - dil*(k-1) - 1) / stride) + 1 and pads >= 0.
 * w_const != 0 promises w's contents never change while the state lives: the weights' reorder into oneDNN's
 * preferred layout is then done once and cached (keyed by the pointer and the shape). Pointers are not kept
 * past the call except as cache keys. */
dla_status k_f32_conv(k_state *s, const k_conv_desc *d, const float *x, const float *w, int w_const, const float *b,
                      float *y);

/* Convolution with a fused epilogue and optional channels-last activations (the host executor's conv fusion):
 *     y = act(conv(x, w) + b + (sum ? y_on_entry : 0))
 * act is K_ACT_NONE, K_ACT_RELU (max(v, 0)), K_ACT_CLIP (min(max(v, lo), hi)) or K_ACT_SWISH (v * sigmoid(v),
 * a.k.a. SiLU). src_nhwc / dst_nhwc say that x
 * / y (and the addend already in y) are stored channels-last (N, spatial..., C) instead of (N, C, spatial...);
 * shapes in d stay logical. post == NULL is k_f32_conv. */
enum { K_ACT_NONE = 0, K_ACT_RELU = 1, K_ACT_CLIP = 2, K_ACT_SWISH = 3 };
typedef struct k_conv_post {
    int sum;
    int act;
    float lo, hi;
    int src_nhwc, dst_nhwc;
} k_conv_post;
dla_status k_f32_conv_post(k_state *s, const k_conv_desc *d, const k_conv_post *post, const float *x,
                           const float *w, int w_const, const float *b, float *y);

/* Profiling counters (only kept while DLA_PROFILE is set in the environment when the state is created):
 * seconds spent in activation reorders around convolutions (src in, dst out, addend in; not the cached weight
 * reorders) since the state was created. */
double k_state_reorder_seconds(const k_state *s);

/* Transposed convolution (ONNX ConvTranspose). x: n x c_in x in..., w: c_in x c_out/group x k... (ONNX layout),
 * b: c_out values or NULL, y: n x c_out x out... where out = (in-1)*stride + dil*(k-1) + 1 - pad_l - pad_r
 * (output_padding is folded into pad_r by the caller; pads may be negative: outputs beyond the full result
 * are b). */
dla_status k_f32_deconv(k_state *s, const k_conv_desc *d, const float *x, const float *w, int w_const,
                        const float *b, float *y);

/* Plain C references (the specification; slow): same contracts as above. */
void k_f32_conv_ref(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y);
void k_f32_deconv_ref(const k_conv_desc *d, const float *x, const float *w, const float *b, float *y);

/* ---- pooling on channels-last activations (dnnl_pool.c): the host executor's NHWC chains ------------------- */

typedef struct k_pool_desc {
    int nsp;                       /* spatial dims: 1, 2 or 3 */
    int64_t n, c;
    int64_t in[K_MAX_SPATIAL], out[K_MAX_SPATIAL], k[K_MAX_SPATIAL], stride[K_MAX_SPATIAL];
    int64_t dil[K_MAX_SPATIAL];    /* ONNX dilation: 1 = dense */
    int64_t pad_l[K_MAX_SPATIAL];  /* begin pads */
    int64_t pad_r[K_MAX_SPATIAL];  /* end pads such that out = (in + pad_l + pad_r - dil*(k-1) - 1) / stride + 1 */
} k_pool_desc;
/* Max pooling, x and y channels-last (N, spatial..., C); padding never wins the max. */
dla_status k_f32_maxpool_nhwc(k_state *s, const k_pool_desc *d, const float *x, float *y);
/* Global average pooling: x channels-last (N, spatial..., C) -> y (N, C) (the same bytes as N x C x 1 x 1). */
void k_f32_global_avgpool_nhwc(int64_t n, int64_t c, int64_t spatial, const float *x, float *y);

/* ---- matrix products (dnnl_matmul.c) ------------------------------------------------------------------- */

/* y (m x n) = alpha * op(a) * op(b) + (accumulate ? y : 0), op(a) = trans_a ? a^T : a (a stored k x m when
 * transposed, m x k otherwise), likewise b (n x k when trans_b, k x n otherwise). Row-major, dense. */
typedef struct k_gemm_desc {
    int64_t m, n, k;
    int trans_a, trans_b;
    float alpha;
    int accumulate;
} k_gemm_desc;
dla_status k_f32_gemm(k_state *s, const k_gemm_desc *d, const float *a, const float *b, float *y);

/* Batched matrix product with numpy broadcasting of the batch dims: a is a_dims (rank >= 2: batch..., m, k),
 * b is b_dims (batch..., k, n), both of the same rank (callers pad with leading 1s); each batch dim of a and b
 * is 1 or the output's. y is (max batch..., m, n), dense row-major. */
dla_status k_f32_matmul(k_state *s, int rank, const int64_t *a_dims, const int64_t *b_dims, const float *a,
                        const float *b, float *y);

/* ---- exact int8 convolution for the software DLA engine (dnnl_conv_s8.c) -------------------------------- */

/* One image, no padding (the caller pads the input itself): x is h x w x c int8 channels-last, exactly the rows
 * and columns the outputs read (h = (oh-1)*sy + (r-1)*dy + 1, likewise w); weights [k][c/groups][r][s] int8
 * (kernel k in group k / (k/groups)); y is oh x ow x k int32 channels-last, the plain sums with no scale. Exact
 * whenever every output's true sum fits in int32 (the caller's promise). Process-wide state (primitives by
 * shape, reordered weights by content), thread-safe. DLA_ERR_UNSUPPORTED when this CPU/shape has no exact fast
 * oneDNN implementation (the caller keeps its own loop): see k_s8_conv_supported. */
typedef struct k_s8_conv_desc {
    int64_t c, h, w, k, groups, r, s;
    int64_t sy, sx, dy, dx; /* strides; dilation as the step (1 = dense) */
    int64_t oh, ow;
} k_s8_conv_desc;
int k_s8_conv_supported(const k_s8_conv_desc *d);
dla_status k_s8_conv_nhwc(const k_s8_conv_desc *d, const int8_t *x, const int8_t *w, int32_t *y);
/* The oneDNN implementation chosen for d ("" before its first use), for tests and benchmarks. */
const char *k_s8_conv_impl(const k_s8_conv_desc *d);

#endif
