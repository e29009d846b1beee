/* Pooling on channels-last activations for the host executor's NHWC chains (a CNN's stem MaxPool between two
 * convolutions, the GlobalAveragePool after the last one): no reorders around them. */
#include "kernels/k_dnnl.h"

#include <string.h>

typedef struct pool_key {
    int kind; /* 10: max pooling, channels-last */
    int pad_;
    k_pool_desc d;
} pool_key;

static dla_status nhwc_md(dnnl_memory_desc_t *md, int nsp, int64_t n, int64_t c, const int64_t *sp)
{
    dnnl_dims_t d;
    d[0] = n;
    d[1] = c;
    for (int i = 0; i < nsp; i++)
        d[2 + i] = sp[i];
    dnnl_format_tag_t tag = nsp == 1 ? dnnl_acb : nsp == 2 ? dnnl_acdb : dnnl_acdeb;
    K_DNNL_TRY(dnnl_memory_desc_init_by_tag(md, 2 + nsp, d, dnnl_f32, tag), "channels-last descriptor");
    return DLA_OK;
}

dla_status k_f32_maxpool_nhwc(k_state *s, const k_pool_desc *d, const float *x, float *y)
{
    if (d->nsp < 1 || d->nsp > K_MAX_SPATIAL)
        return base_error(DLA_ERR_UNSUPPORTED, "channels-last max pooling over %d spatial dims (1..%d)", d->nsp,
                          K_MAX_SPATIAL);
    pool_key key;
    memset(&key, 0, sizeof key);
    key.kind = 10;
    key.d = *d;
    for (int i = d->nsp; i < K_MAX_SPATIAL; i++)
        key.d.in[i] = key.d.out[i] = key.d.k[i] = key.d.stride[i] = key.d.dil[i] = key.d.pad_l[i] =
            key.d.pad_r[i] = 0;
    k_prim *p = k_prim_find(s, &key, sizeof key);
    if (!p) {
        BASE_TRY(k_dnnl_ready(s));
        dnnl_memory_desc_t src, dst;
        BASE_TRY(nhwc_md(&src, d->nsp, d->n, d->c, d->in));
        BASE_TRY(nhwc_md(&dst, d->nsp, d->n, d->c, d->out));
        dnnl_dims_t st, k, dil, pl, pr;
        for (int i = 0; i < d->nsp; i++) {
            st[i] = d->stride[i];
            k[i] = d->k[i];
            dil[i] = d->dil[i] - 1; /* oneDNN counts the gaps */
            pl[i] = d->pad_l[i];
            pr[i] = d->pad_r[i];
        }
        dnnl_pooling_v2_desc_t pd_desc;
        K_DNNL_TRY(dnnl_pooling_v2_forward_desc_init(&pd_desc, dnnl_forward_inference, dnnl_pooling_max, &src, &dst,
                                                     st, k, dil, pl, pr),
                   "pooling descriptor");
        dnnl_primitive_desc_t pd;
        K_DNNL_TRY(dnnl_primitive_desc_create(&pd, &pd_desc, NULL, s->eng, NULL), "pooling primitive descriptor");
        BASE_TRY(k_prim_add(s, &key, sizeof key, pd, NULL, NULL, NULL, &p));
    }
    s->last_impl = p->impl;
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_src, (void *)x), "set data handle");
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_dst, y), "set data handle");
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, p->m_src}, {DNNL_ARG_DST, p->m_dst}};
    return k_exec(s, p->prim, 2, args);
}

void k_f32_global_avgpool_nhwc(int64_t n, int64_t c, int64_t spatial, const float *x, float *y)
{
    float inv = spatial > 0 ? 1.0f / (float)spatial : 0.0f;
    for (int64_t b = 0; b < n; b++) {
        float *o = y + b * c;
        const float *xb = x + b * spatial * c;
        for (int64_t k = 0; k < c; k++)
            o[k] = 0.0f;
        for (int64_t p = 0; p < spatial; p++) /* rows of C contiguous values: vectorises */
            for (int64_t k = 0; k < c; k++)
                o[k] += xb[p * c + k];
        for (int64_t k = 0; k < c; k++)
            o[k] *= inv;
    }
}
