/* Matrix products on oneDNN's matmul primitive: Gemm-style 2-D products (transposes as strides, alpha as an
 * output scale, accumulation as a sum post-op) and numpy-style batched products with broadcast batch dims. */
#include "kernels/k_dnnl.h"

#include <string.h>

#define K_MM_MAX_RANK 8

typedef struct mm_key {
    int kind; /* 2: gemm, 3: batched matmul */
    int rank;
    int trans_a, trans_b, accumulate;
    float alpha;
    int64_t a[K_MM_MAX_RANK], b[K_MM_MAX_RANK];
} mm_key;

static dla_status make_attr(dnnl_primitive_attr_t *attr, float alpha, int accumulate)
{
    *attr = NULL;
    if (alpha == 1.0f && !accumulate)
        return DLA_OK;
    K_DNNL_TRY(dnnl_primitive_attr_create(attr), "attribute creation");
    dnnl_status_t st = dnnl_success;
    if (alpha != 1.0f)
        st = dnnl_primitive_attr_set_output_scales(*attr, 1, 0, &alpha);
    if (st == dnnl_success && accumulate) {
        dnnl_post_ops_t po;
        st = dnnl_post_ops_create(&po);
        if (st == dnnl_success) {
            st = dnnl_post_ops_append_sum(po, 1.0f);
            if (st == dnnl_success)
                st = dnnl_primitive_attr_set_post_ops(*attr, po);
            dnnl_post_ops_destroy(po);
        }
    }
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
        return k_dnnl_fail(st, "matmul attributes");
    }
    return DLA_OK;
}

static dla_status md_strided(dnnl_memory_desc_t *md, int nd, const int64_t *dims, const int64_t *strides)
{
    dnnl_dims_t d, s;
    for (int i = 0; i < nd; i++) {
        d[i] = dims[i];
        s[i] = strides[i];
    }
    K_DNNL_TRY(dnnl_memory_desc_init_by_strides(md, nd, d, dnnl_f32, s), "memory descriptor");
    return DLA_OK;
}

static dla_status create(k_state *s, const mm_key *key, const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b,
                         const dnnl_memory_desc_t *y, k_prim **out)
{
    BASE_TRY(k_dnnl_ready(s));
    dnnl_matmul_desc_t md;
    K_DNNL_TRY(dnnl_matmul_desc_init(&md, a, b, NULL, y), "matmul descriptor");
    dnnl_primitive_attr_t attr;
    BASE_TRY(make_attr(&attr, key->alpha, key->accumulate));
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_primitive_desc_create(&pd, &md, attr, s->eng, NULL);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success)
        return k_dnnl_fail(st, "matmul primitive descriptor");
    return k_prim_add(s, key, sizeof *key, pd, NULL, NULL, NULL, out);
}

static dla_status exec(k_state *s, k_prim *p, const float *a, const float *b, float *y)
{
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_src, (void *)a), "set data handle");
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_w, (void *)b), "set data handle");
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_dst, y), "set data handle");
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, p->m_src}, {DNNL_ARG_WEIGHTS, p->m_w}, {DNNL_ARG_DST, p->m_dst}};
    s->last_impl = p->impl;
    return k_exec(s, p->prim, 3, args);
}

dla_status k_f32_gemm(k_state *s, const k_gemm_desc *d, const float *a, const float *b, float *y)
{
    if (d->m <= 0 || d->n <= 0)
        return DLA_OK;
    if (d->k <= 0) { /* an empty sum */
        for (int64_t i = 0; i < d->m * d->n; i++)
            y[i] = d->accumulate ? y[i] : 0.0f;
        return DLA_OK;
    }
    mm_key key;
    memset(&key, 0, sizeof key);
    key.kind = 2;
    key.rank = 2;
    key.trans_a = !!d->trans_a;
    key.trans_b = !!d->trans_b;
    key.accumulate = !!d->accumulate;
    key.alpha = d->alpha;
    key.a[0] = d->m;
    key.a[1] = d->k;
    key.b[0] = d->k;
    key.b[1] = d->n;
    k_prim *p = k_prim_find(s, &key, sizeof key);
    if (!p) {
        dnnl_memory_desc_t am, bm, ym;
        int64_t ad[2] = {d->m, d->k}, as[2] = {d->trans_a ? 1 : d->k, d->trans_a ? d->m : 1};
        int64_t bd[2] = {d->k, d->n}, bs[2] = {d->trans_b ? 1 : d->n, d->trans_b ? d->k : 1};
        int64_t yd[2] = {d->m, d->n}, ys[2] = {d->n, 1};
        BASE_TRY(md_strided(&am, 2, ad, as));
        BASE_TRY(md_strided(&bm, 2, bd, bs));
        BASE_TRY(md_strided(&ym, 2, yd, ys));
        BASE_TRY(create(s, &key, &am, &bm, &ym, &p));
    }
    return exec(s, p, a, b, y);
}

static void dense_strides(int r, const int64_t *dims, int64_t *st)
{
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        st[i] = acc;
        acc *= dims[i];
    }
}

/* One 2-D product per output batch, with broadcast batch indices: the path for shapes the batched primitive
 * refuses. */
static dla_status per_batch(k_state *s, int r, const int64_t *ad, const int64_t *bd, const int64_t *yd,
                            const float *a, const float *b, float *y)
{
    int64_t as[K_MM_MAX_RANK], bs[K_MM_MAX_RANK], ys[K_MM_MAX_RANK], nb = 1;
    dense_strides(r, ad, as);
    dense_strides(r, bd, bs);
    dense_strides(r, yd, ys);
    for (int i = 0; i < r - 2; i++)
        nb *= yd[i];
    k_gemm_desc g = {.m = ad[r - 2], .n = bd[r - 1], .k = ad[r - 1], .alpha = 1.0f};
    for (int64_t bi = 0; bi < nb; bi++) {
        int64_t rem = bi, ao = 0, bo = 0;
        for (int i = r - 3; i >= 0; i--) {
            int64_t idx = rem % yd[i];
            rem /= yd[i];
            ao += (ad[i] == 1 ? 0 : idx) * as[i];
            bo += (bd[i] == 1 ? 0 : idx) * bs[i];
        }
        BASE_TRY(k_f32_gemm(s, &g, a + ao, b + bo, y + bi * ys[r - 3]));
    }
    return DLA_OK;
}

dla_status k_f32_matmul(k_state *s, int rank, const int64_t *a_dims, const int64_t *b_dims, const float *a,
                        const float *b, float *y)
{
    if (rank < 2 || rank > K_MM_MAX_RANK)
        return base_error(DLA_ERR_UNSUPPORTED, "matmul of rank %d: supported ranks are 2 to %d", rank,
                          K_MM_MAX_RANK);
    int64_t yd[K_MM_MAX_RANK];
    int b_batch_one = 1, same = 1;
    int64_t nb = 1;
    for (int i = 0; i < rank - 2; i++) {
        yd[i] = a_dims[i] > b_dims[i] ? a_dims[i] : b_dims[i];
        b_batch_one &= b_dims[i] == 1;
        same &= a_dims[i] == b_dims[i];
        nb *= yd[i];
    }
    int64_t m = a_dims[rank - 2], k = a_dims[rank - 1], n = b_dims[rank - 1];
    yd[rank - 2] = m;
    yd[rank - 1] = n;
    if (nb <= 0 || m <= 0 || n <= 0)
        return DLA_OK;
    if (b_batch_one) { /* a shared right operand: one tall 2-D product */
        int64_t ma = m;
        for (int i = 0; i < rank - 2; i++)
            ma *= a_dims[i];
        if (ma == nb * m) {
            k_gemm_desc g = {.m = ma, .n = n, .k = k, .alpha = 1.0f};
            return k_f32_gemm(s, &g, a, b, y);
        }
    }
    if (k <= 0)
        return per_batch(s, rank, a_dims, b_dims, yd, a, b, y);
    mm_key key;
    memset(&key, 0, sizeof key);
    key.kind = 3;
    key.alpha = 1.0f;
    /* equal batch dims collapse into one; broadcast ones keep their rank */
    int r = same ? 3 : rank;
    key.rank = r;
    if (same) {
        key.a[0] = key.b[0] = nb;
        key.a[1] = m;
        key.a[2] = key.b[1] = k;
        key.b[2] = n;
    } else {
        memcpy(key.a, a_dims, sizeof(int64_t) * (size_t)rank);
        memcpy(key.b, b_dims, sizeof(int64_t) * (size_t)rank);
    }
    k_prim *p = k_prim_find(s, &key, sizeof key);
    if (!p) {
        int64_t ys[K_MM_MAX_RANK], as[K_MM_MAX_RANK], bs[K_MM_MAX_RANK], ydk[K_MM_MAX_RANK];
        for (int i = 0; i < r - 2; i++)
            ydk[i] = key.a[i] > key.b[i] ? key.a[i] : key.b[i];
        ydk[r - 2] = m;
        ydk[r - 1] = n;
        dense_strides(r, key.a, as);
        dense_strides(r, key.b, bs);
        dense_strides(r, ydk, ys);
        dnnl_memory_desc_t am, bm, ym;
        BASE_TRY(md_strided(&am, r, key.a, as));
        BASE_TRY(md_strided(&bm, r, key.b, bs));
        BASE_TRY(md_strided(&ym, r, ydk, ys));
        dla_status st = create(s, &key, &am, &bm, &ym, &p);
        if (st == DLA_ERR_UNSUPPORTED) {
            base_clear_error();
            return per_batch(s, rank, a_dims, b_dims, yd, a, b, y);
        }
        BASE_TRY(st);
    }
    return exec(s, p, a, b, y);
}
