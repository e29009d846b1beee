/* Convolution and transposed convolution on oneDNN. The executor's tensors are plain (N, C, spatial...);
 * oneDNN chooses the weights' layout (reordered once per constant weight tensor and cached) and, when its
 * plain-layout implementation would be a slow one, the activations' blocked layout too (reordered in and out
 * around each call through scratch buffers). */
#include "kernels/k_dnnl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_key {
    int kind;      /* 0 conv, 1 deconv */
    int layout;    /* K_LAYOUT_PLAIN or K_LAYOUT_BLOCKED after the policy ran; AUTO in lookups */
    int has_bias;
    int pad_;
    k_conv_desc d;
    k_conv_post post; /* normalised: zeros when none */
} conv_key;

typedef struct conv_mds {
    dnnl_memory_desc_t src, w, b, dst;    /* the user's plain layouts */
} conv_mds;

/* An activation descriptor: plain (N, C, spatial...) or channels-last (N, spatial..., C). */
static dla_status act_md(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, int nhwc)
{
    if (!nhwc)
        return k_md_plain(md, ndims, dims);
    dnnl_dims_t d;
    for (int i = 0; i < ndims; i++)
        d[i] = dims[i];
    dnnl_format_tag_t tag = ndims == 3 ? dnnl_acb : ndims == 4 ? dnnl_acdb : dnnl_acdeb;
    K_DNNL_TRY(dnnl_memory_desc_init_by_tag(md, ndims, d, dnnl_f32, tag), "channels-last descriptor");
    return DLA_OK;
}

static dla_status user_mds(const k_conv_desc *d, int deconv, const k_conv_post *post, conv_mds *m)
{
    int64_t dims[2 + K_MAX_SPATIAL];
    dims[0] = d->n;
    dims[1] = d->c_in;
    for (int i = 0; i < d->nsp; i++)
        dims[2 + i] = d->in[i];
    BASE_TRY(act_md(&m->src, 2 + d->nsp, dims, post->src_nhwc));
    dims[1] = d->c_out;
    for (int i = 0; i < d->nsp; i++)
        dims[2 + i] = d->out[i];
    BASE_TRY(act_md(&m->dst, 2 + d->nsp, dims, post->dst_nhwc));
    BASE_TRY(k_md_plain(&m->b, 1, &d->c_out));

    /* weights as oneDNN's logical (g,) o, i, k...; ONNX stores conv as [o][i][k] (per group contiguous) and
     * transposed conv as [g][i][o][k] */
    int g = d->group > 1, nd = g + 2 + d->nsp;
    dnnl_dims_t wd, ws;
    int64_t ksz = 1;
    for (int i = d->nsp - 1; i >= 0; i--) {
        wd[g + 2 + i] = d->k[i];
        ws[g + 2 + i] = ksz;
        ksz *= d->k[i];
    }
    int64_t og = d->c_out / d->group, ig = d->c_in / d->group;
    if (g) {
        wd[0] = d->group;
        ws[0] = og * ig * ksz;
    }
    wd[g] = og;
    wd[g + 1] = ig;
    ws[g] = deconv ? ksz : ig * ksz;
    ws[g + 1] = deconv ? og * ksz : ksz;
    K_DNNL_TRY(dnnl_memory_desc_init_by_strides(&m->w, nd, wd, dnnl_f32, ws), "weights descriptor");
    return DLA_OK;
}

static dla_status any_md(dnnl_memory_desc_t *out, const dnnl_memory_desc_t *like)
{
    K_DNNL_TRY(dnnl_memory_desc_init_by_tag(out, like->ndims, like->dims, dnnl_f32, dnnl_format_tag_any),
               "memory descriptor");
    return DLA_OK;
}

/* Primitive attributes carrying post's epilogue (*out stays NULL when there is none). */
static dla_status post_attr(const k_conv_post *post, dnnl_primitive_attr_t *out)
{
    *out = NULL;
    if (!post->sum && post->act == K_ACT_NONE)
        return DLA_OK;
    dnnl_post_ops_t po;
    K_DNNL_TRY(dnnl_post_ops_create(&po), "post-ops creation");
    dnnl_status_t st = dnnl_success;
    if (post->sum)
        st = dnnl_post_ops_append_sum(po, 1.0f);
    if (st == dnnl_success && post->act == K_ACT_RELU)
        st = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    if (st == dnnl_success && post->act == K_ACT_SWISH)
        st = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_swish, 1.0f, 0.0f);
    if (st == dnnl_success && post->act == K_ACT_CLIP)
        st = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, post->lo, post->hi);
    if (st == dnnl_success)
        st = dnnl_primitive_attr_create(out);
    if (st == dnnl_success)
        st = dnnl_primitive_attr_set_post_ops(*out, po);
    dnnl_post_ops_destroy(po);
    if (st != dnnl_success) {
        if (*out)
            dnnl_primitive_attr_destroy(*out);
        *out = NULL;
        return k_dnnl_fail(st, "convolution post-ops");
    }
    return DLA_OK;
}

/* A primitive descriptor for d with plain or oneDNN-chosen activation layouts (weights always chosen;
 * channels-last activations are the caller's and stay fixed). */
static dla_status make_pd(k_state *s, const k_conv_desc *d, int deconv, int blocked, int has_bias,
                          const k_conv_post *post, const conv_mds *u, dnnl_primitive_desc_t *pd)
{
    dnnl_memory_desc_t src = u->src, dst = u->dst, w;
    BASE_TRY(any_md(&w, &u->w));
    if (blocked && !post->src_nhwc)
        BASE_TRY(any_md(&src, &u->src));
    if (blocked && !post->dst_nhwc)
        BASE_TRY(any_md(&dst, &u->dst));
    dnnl_dims_t strides, dil, pl, pr;
    for (int i = 0; i < d->nsp; i++) {
        strides[i] = d->stride[i];
        dil[i] = d->dil[i] - 1; /* oneDNN counts the gaps, ONNX the step */
        pl[i] = d->pad_l[i];
        pr[i] = d->pad_r[i];
    }
    const dnnl_memory_desc_t *b = has_bias ? &u->b : NULL;
    dnnl_deconvolution_desc_t dd;
    dnnl_convolution_desc_t cd;
    if (deconv)
        K_DNNL_TRY(dnnl_dilated_deconvolution_forward_desc_init(&dd, dnnl_forward_inference,
                                                                 dnnl_deconvolution_direct, &src, &w, b, &dst,
                                                                 strides, dil, pl, pr),
                   "deconvolution descriptor");
    else
        K_DNNL_TRY(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                               dnnl_convolution_direct, &src, &w, b, &dst,
                                                               strides, dil, pl, pr),
                   "convolution descriptor");
    dnnl_primitive_attr_t attr;
    BASE_TRY(post_attr(post, &attr));
    dnnl_status_t st = deconv ? dnnl_primitive_desc_create(pd, &dd, attr, s->eng, NULL)
                              : dnnl_primitive_desc_create(pd, &cd, attr, s->eng, NULL);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success)
        return k_dnnl_fail(st, deconv ? "deconvolution primitive descriptor" : "convolution primitive descriptor");
    return DLA_OK;
}

static int is_ref(dnnl_primitive_desc_t pd)
{
    const char *impl = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    return !strncmp(impl, "ref", 3);
}

/* Whether plain NCHW suits d better than a blocked layout with reorders around it. Measured on ResNet-50
 * shapes (avx512_core, oneDNN 2.6): a dense 1x1 stride-1 convolution over >= 14x14 outputs is one sgemm on
 * NCHW and beats brgconv_1x1 plus its two reorders by 5-45%; everything else (3x3, strided, 7x7 maps, the
 * stem) runs 1.2-1.9x faster blocked even counting the reorders. */
static int plain_preferred(const k_conv_desc *d, int deconv)
{
    if (deconv || d->group != 1)
        return 0;
    int64_t spatial = 1;
    for (int i = 0; i < d->nsp; i++) {
        if (d->k[i] != 1 || d->stride[i] != 1 || d->pad_l[i] || d->pad_r[i])
            return 0;
        spatial *= d->out[i];
    }
    return spatial >= 196;
}

/* Finds or creates the cached primitive for d under the state's layout policy. */
static dla_status get_prim(k_state *s, const k_conv_desc *d, int deconv, int has_bias, const k_conv_post *post,
                          k_prim **out)
{
    conv_key key;
    memset(&key, 0, sizeof key);
    key.kind = deconv;
    key.has_bias = has_bias;
    key.d = *d;
    key.post.sum = post->sum != 0;
    key.post.act = post->act;
    key.post.src_nhwc = post->src_nhwc != 0;
    key.post.dst_nhwc = post->dst_nhwc != 0;
    if (post->act == K_ACT_CLIP) {
        key.post.lo = post->lo;
        key.post.hi = post->hi;
    }
    for (int i = d->nsp; i < K_MAX_SPATIAL; i++)
        key.d.in[i] = key.d.out[i] = key.d.k[i] = key.d.stride[i] = key.d.dil[i] = key.d.pad_l[i] =
            key.d.pad_r[i] = 0;
    if ((*out = k_prim_find(s, &key, sizeof key)))
        return DLA_OK;
    BASE_TRY(k_dnnl_ready(s));
    conv_mds u;
    BASE_TRY(user_mds(d, deconv, &key.post, &u));
    /* the policy's first choice, then the other layout if the first is refused or only has a ref:any; a
     * channels-last side is fixed, and its plain partner (if any) is left to oneDNN so the two can agree */
    int nhwc = key.post.src_nhwc || key.post.dst_nhwc;
    int blocked = s->layout == K_LAYOUT_BLOCKED ||
                  (s->layout == K_LAYOUT_AUTO && (nhwc || !plain_preferred(d, deconv)));
    dnnl_primitive_desc_t pd = NULL, alt = NULL;
    dla_status st = make_pd(s, d, deconv, blocked, has_bias, &key.post, &u, &pd);
    if (st != DLA_OK || is_ref(pd)) {
        dla_status st2 = make_pd(s, d, deconv, !blocked, has_bias, &key.post, &u, &alt);
        if (st2 == DLA_OK && (st != DLA_OK || !is_ref(alt))) {
            if (pd)
                dnnl_primitive_desc_destroy(pd);
            pd = alt;
            st = DLA_OK;
        } else if (st2 == DLA_OK) {
            dnnl_primitive_desc_destroy(alt);
        }
        if (st != DLA_OK)
            return st;
        base_clear_error();
    }
    return k_prim_add(s, &key, sizeof key, pd, &u.src, &u.w, &u.dst, out);
}

static dla_status set_handle(dnnl_memory_t m, const void *p)
{
    K_DNNL_TRY(dnnl_memory_set_data_handle(m, (void *)p), "set data handle");
    return DLA_OK;
}

static size_t weights_bytes(const k_conv_desc *d)
{
    size_t n = (size_t)d->c_out * (size_t)(d->c_in / d->group);
    for (int i = 0; i < d->nsp; i++)
        n *= (size_t)d->k[i];
    return n * sizeof(float);
}

static const k_conv_post no_post;

static dla_status run(k_state *s, const k_conv_desc *d, int deconv, const k_conv_post *post, const float *x,
                      const float *w, int w_const, const float *b, float *y)
{
    k_prim *p;
    BASE_TRY(get_prim(s, d, deconv, b != NULL, post, &p));
    s->last_impl = p->impl;
    dnnl_memory_t wm;
    BASE_TRY(k_weights(s, p, w, weights_bytes(d), w_const, &wm));
    if (p->rd_src) {
        void *buf = k_scratch(s, K_SCRATCH_SRC, p->src_bytes);
        if (!buf)
            return base_error(DLA_ERR_NOMEM, "out of memory reordering a convolution input (%zu bytes)",
                              p->src_bytes);
        BASE_TRY(set_handle(p->m_src_u, x));
        BASE_TRY(set_handle(p->m_src, buf));
        BASE_TRY(k_reorder(s, p->rd_src, p->m_src_u, p->m_src));
    } else {
        BASE_TRY(set_handle(p->m_src, x));
    }
    if (p->rd_dst) {
        void *buf = k_scratch(s, K_SCRATCH_DST, p->dst_bytes);
        if (!buf)
            return base_error(DLA_ERR_NOMEM, "out of memory for a convolution output (%zu bytes)", p->dst_bytes);
        BASE_TRY(set_handle(p->m_dst, buf));
        if (post->sum) { /* the addend goes into the primitive's layout first */
            if (!p->rd_dst_in) {
                const dnnl_memory_desc_t *pm = dnnl_primitive_desc_query_md(p->pd, dnnl_query_dst_md, 0);
                const dnnl_memory_desc_t *um;
                K_DNNL_TRY(dnnl_memory_get_memory_desc(p->m_dst_u, &um), "query");
                BASE_TRY(k_reorder_new(s, um, pm, &p->rd_dst_in));
            }
            BASE_TRY(set_handle(p->m_dst_u, y));
            BASE_TRY(k_reorder(s, p->rd_dst_in, p->m_dst_u, p->m_dst));
        }
    } else {
        BASE_TRY(set_handle(p->m_dst, y));
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->m_src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, p->m_dst}};
    int nargs = 3;
    if (b) {
        BASE_TRY(set_handle(p->m_b, b));
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, p->m_b};
    }
    BASE_TRY(k_exec(s, p->prim, nargs, args));
    if (p->rd_dst) {
        BASE_TRY(set_handle(p->m_dst_u, y));
        BASE_TRY(k_reorder(s, p->rd_dst, p->m_dst, p->m_dst_u));
    }
    return DLA_OK;
}

static int empty(const k_conv_desc *d)
{
    if (d->n <= 0 || d->c_out <= 0)
        return 1;
    for (int i = 0; i < d->nsp; i++)
        if (d->out[i] <= 0)
            return 1;
    return 0;
}

/* The reference path for d with an epilogue and channels-last layouts (shapes oneDNN refuses, empty inputs). */
static dla_status ref_post(const k_conv_desc *d, const k_conv_post *post, const float *x, const float *w,
                           const float *b, float *y)
{
    size_t in_sp = 1, out_sp = 1;
    for (int i = 0; i < d->nsp; i++) {
        in_sp *= (size_t)(d->in[i] > 0 ? d->in[i] : 0);
        out_sp *= (size_t)d->out[i];
    }
    size_t nx = (size_t)d->n * (size_t)(d->c_in > 0 ? d->c_in : 0) * in_sp;
    size_t ny = (size_t)d->n * (size_t)d->c_out * out_sp;
    float *xs = NULL, *tmp = malloc(ny * sizeof(float) + 1);
    if (post->src_nhwc && !(xs = malloc(nx * sizeof(float) + 1))) {
        free(tmp);
        tmp = NULL;
    }
    if (!tmp)
        return base_error(DLA_ERR_NOMEM, "out of memory for a reference convolution (%zu values)", ny);
    if (xs) /* channels-last -> plain */
        for (int64_t n = 0; n < d->n; n++)
            for (int64_t c = 0; c < d->c_in; c++)
                for (size_t p = 0; p < in_sp; p++)
                    xs[((size_t)n * (size_t)d->c_in + (size_t)c) * in_sp + p] =
                        x[((size_t)n * in_sp + p) * (size_t)d->c_in + (size_t)c];
    k_f32_conv_ref(d, xs ? xs : x, w, b, tmp);
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t c = 0; c < d->c_out; c++)
            for (size_t p = 0; p < out_sp; p++) {
                size_t i = ((size_t)n * (size_t)d->c_out + (size_t)c) * out_sp + p;
                size_t o = post->dst_nhwc ? ((size_t)n * out_sp + p) * (size_t)d->c_out + (size_t)c : i;
                float v = tmp[i] + (post->sum ? y[o] : 0.0f);
                if (post->act == K_ACT_RELU)
                    v = v > 0.0f ? v : 0.0f;
                else if (post->act == K_ACT_CLIP)
                    v = v < post->lo ? post->lo : v > post->hi ? post->hi : v;
                else if (post->act == K_ACT_SWISH)
                    v = v / (1.0f + expf(-v));
                y[o] = v;
            }
    free(xs);
    free(tmp);
    return DLA_OK;
}

dla_status k_f32_conv_post(k_state *s, const k_conv_desc *d, const k_conv_post *post, const float *x,
                           const float *w, int w_const, const float *b, float *y)
{
    if (!post)
        post = &no_post;
    if (empty(d))
        return DLA_OK;
    int zero_in = d->c_in <= 0;
    for (int i = 0; i < d->nsp; i++)
        zero_in |= d->in[i] <= 0;
    if (zero_in) /* nothing to sum: the bias alone */
        return ref_post(d, post, x, w, b, y);
    dla_status st = run(s, d, 0, post, x, w, w_const, b, y);
    if (st == DLA_ERR_UNSUPPORTED) { /* a shape oneDNN refuses: the reference still answers */
        base_clear_error();
        s->last_impl = "dla:ref";
        return ref_post(d, post, x, w, b, y);
    }
    return st;
}

dla_status k_f32_conv(k_state *s, const k_conv_desc *d, const float *x, const float *w, int w_const, const float *b,
                      float *y)
{
    return k_f32_conv_post(s, d, NULL, x, w, w_const, b, y);
}

/* Copies tmp (spatial tin, computed with clamped pads) into y (spatial d->out) with y[o] = tmp[o + off],
 * filling positions tmp does not cover with the bias (or 0). */
static void crop_into(const k_conv_desc *d, const int64_t *tin, const int64_t *off, const float *tmp,
                      const float *b, float *y)
{
    int64_t o[K_MAX_SPATIAL] = {1, 1, 1}, t[K_MAX_SPATIAL] = {1, 1, 1}, f[K_MAX_SPATIAL] = {0, 0, 0};
    for (int i = 0; i < d->nsp; i++) {
        o[K_MAX_SPATIAL - d->nsp + i] = d->out[i];
        t[K_MAX_SPATIAL - d->nsp + i] = tin[i];
        f[K_MAX_SPATIAL - d->nsp + i] = off[i];
    }
    int64_t planes = d->n * d->c_out, osz = o[0] * o[1] * o[2], tsz = t[0] * t[1] * t[2];
    for (int64_t pc = 0; pc < planes; pc++) {
        float bias = b ? b[pc % d->c_out] : 0.0f;
        float *yp = y + pc * osz;
        const float *tp = tmp + pc * tsz;
        for (int64_t i0 = 0; i0 < o[0]; i0++)
            for (int64_t i1 = 0; i1 < o[1]; i1++)
                for (int64_t i2 = 0; i2 < o[2]; i2++) {
                    int64_t j0 = i0 + f[0], j1 = i1 + f[1], j2 = i2 + f[2];
                    int in = j0 >= 0 && j0 < t[0] && j1 >= 0 && j1 < t[1] && j2 >= 0 && j2 < t[2];
                    yp[(i0 * o[1] + i1) * o[2] + i2] = in ? tp[(j0 * t[1] + j1) * t[2] + j2] : bias;
                }
    }
}

dla_status k_f32_deconv(k_state *s, const k_conv_desc *d, const float *x, const float *w, int w_const,
                        const float *b, float *y)
{
    if (empty(d))
        return DLA_OK;
    int neg = 0, zero_in = d->c_in <= 0;
    for (int i = 0; i < d->nsp; i++) {
        neg |= d->pad_l[i] < 0 || d->pad_r[i] < 0;
        zero_in |= d->in[i] <= 0;
    }
    if (zero_in) {
        k_f32_deconv_ref(d, x, w, b, y);
        return DLA_OK;
    }
    if (!neg) {
        dla_status st = run(s, d, 1, &no_post, x, w, w_const, b, y);
        if (st != DLA_ERR_UNSUPPORTED)
            return st;
        base_clear_error();
        k_f32_deconv_ref(d, x, w, b, y);
        s->last_impl = "dla:ref";
        return DLA_OK;
    }
    /* negative pads (output_padding past the end pad, or output_shape larger than the full result): compute
     * with the pads clamped at 0, then place the result and fill the rest with the bias */
    k_conv_desc c = *d;
    int64_t off[K_MAX_SPATIAL];
    size_t tsz = (size_t)d->n * (size_t)d->c_out;
    for (int i = 0; i < d->nsp; i++) {
        c.pad_l[i] = d->pad_l[i] > 0 ? d->pad_l[i] : 0;
        c.pad_r[i] = d->pad_r[i] > 0 ? d->pad_r[i] : 0;
        c.out[i] = d->out[i] + d->pad_l[i] + d->pad_r[i] - c.pad_l[i] - c.pad_r[i];
        off[i] = d->pad_l[i] - c.pad_l[i];
        tsz *= (size_t)(c.out[i] > 0 ? c.out[i] : 0);
    }
    if (empty(&c)) {
        crop_into(d, c.out, off, NULL, b, y);
        return DLA_OK;
    }
    float *tmp = k_scratch(s, K_SCRATCH_TMP, tsz * sizeof(float));
    if (!tmp)
        return base_error(DLA_ERR_NOMEM, "out of memory for a transposed convolution (%zu bytes)",
                          tsz * sizeof(float));
    BASE_TRY(k_f32_deconv(s, &c, x, w, w_const, b, tmp));
    crop_into(d, c.out, off, tmp, b, y);
    return DLA_OK;
}
