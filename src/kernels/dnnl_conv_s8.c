/* Exact int8 convolution on oneDNN for the software DLA engine (src/engine/conv.c's INT8 fast path).
 *
 * s8 src x s8 weights -> s32 dst, no scales, no post-ops, no padding (the engine pads the input itself, with its
 * pad value). oneDNN accumulates in int32 with wrap-around arithmetic on VNNI (vpdpbusd, s8 src shifted to u8 with
 * a precomputed weight compensation) and AMX (tdpbssd): every intermediate is exact modulo 2^32, so whenever the
 * true sum fits in int32 (the caller's condition) the result is the exact sum. On CPUs without VNNI oneDNN's int8
 * kernels use vpmaddubsw, which saturates pairs of products to int16, and its s8s8 weights reorder halves the
 * weights: those ISAs are refused (DLA_ERR_UNSUPPORTED), as are oneDNN's reference implementations (slower than
 * the engine's own loop).
 *
 * State is process-wide: one oneDNN engine, a cache of primitives by shape and of reordered weights by content,
 * all behind one mutex. Primitives run with user-managed scratchpads, so two threads may run the same primitive
 * at once (the runtime drives two engine cores from two threads). */
#include "kernels/kernels.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S8_PRIM_MAX 4096                           /* shapes cached (beyond: built and dropped per call) */
#define S8_WCACHE_BYTES ((size_t)512 << 20)        /* reordered weights kept (copies of the originals too) */

typedef struct s8_prim {
    k_s8_conv_desc d;
    int ok;                      /* 0: no exact fast implementation for this shape */
    const char *impl;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim, rd_w; /* rd_w: user weights -> the primitive's layout (with compensation) */
    dnnl_memory_desc_t src_md, dst_md, wu_md;
    const dnnl_memory_desc_t *w_md; /* owned by pd */
    size_t w_bytes, scratch, rd_scratch;
} s8_prim;

typedef struct s8_wentry {
    const s8_prim *p;
    const void *user;     /* the caller's pointer (a hint: content decides) */
    void *orig;           /* a copy of the user's weights, compared on every hit */
    void *packed;         /* the reordered weights */
    size_t user_bytes, packed_bytes;
    int refs;             /* callers using `packed` now */
    uint64_t last_use;
} s8_wentry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t g_eng;
static int g_isa_ok = -1;
static s8_prim **g_prims;
static int g_nprims, g_capprims;
static s8_wentry *g_w;
static int g_nw, g_capw;
static size_t g_wbytes;
static uint64_t g_clock;

static dla_status fail(dnnl_status_t st, const char *what)
{
    return base_error(st == dnnl_out_of_memory ? DLA_ERR_NOMEM : DLA_ERR_INTERNAL,
                      "oneDNN int8 convolution: %s failed (status %d)", what, (int)st);
}

#define S8_TRY(call, what)                                                                                    \
    do {                                                                                                      \
        dnnl_status_t st_ = (call);                                                                           \
        if (st_ != dnnl_success)                                                                              \
            return fail(st_, what);                                                                           \
    } while (0)

/* Only ISAs whose int8 dot products cannot saturate (see the header comment). */
static int isa_exact(void)
{
    if (g_isa_ok < 0) {
        dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
        g_isa_ok = isa == dnnl_cpu_isa_avx512_core_vnni || isa == dnnl_cpu_isa_avx512_core_bf16 ||
                   isa == dnnl_cpu_isa_avx512_core_amx || isa == dnnl_cpu_isa_avx2_vnni;
    }
    return g_isa_ok;
}

static void prim_free(s8_prim *p)
{
    if (!p)
        return;
    if (p->prim)
        dnnl_primitive_destroy(p->prim);
    if (p->rd_w)
        dnnl_primitive_destroy(p->rd_w);
    if (p->pd)
        dnnl_primitive_desc_destroy(p->pd);
    free(p);
}

static dla_status md_tag(dnnl_memory_desc_t *md, int nd, const int64_t *dims, dnnl_data_type_t dt,
                         dnnl_format_tag_t tag)
{
    dnnl_dims_t d;
    for (int i = 0; i < nd; i++)
        d[i] = dims[i];
    S8_TRY(dnnl_memory_desc_init_by_tag(md, nd, d, dt, tag), "memory descriptor");
    return DLA_OK;
}

static dla_status user_attr(dnnl_primitive_attr_t *a)
{
    S8_TRY(dnnl_primitive_attr_create(a), "attribute creation");
    dnnl_status_t st = dnnl_primitive_attr_set_scratchpad_mode(*a, dnnl_scratchpad_mode_user);
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(*a);
        return fail(st, "scratchpad mode");
    }
    return DLA_OK;
}

static size_t scratch_size(dnnl_primitive_desc_t pd)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    return md ? dnnl_memory_desc_get_size(md) : 0;
}

/* Builds p (p->d set): p->ok = 0 when there is no exact fast implementation. */
static dla_status prim_build(s8_prim *p)
{
    const k_s8_conv_desc *d = &p->d;
    int64_t Cg = d->c / d->groups, Kg = d->k / d->groups;
    int64_t src[4] = {1, d->c, d->h, d->w}, dst[4] = {1, d->k, d->oh, d->ow};
    BASE_TRY(md_tag(&p->src_md, 4, src, dnnl_s8, dnnl_nhwc));
    BASE_TRY(md_tag(&p->dst_md, 4, dst, dnnl_s32, dnnl_nhwc));
    dnnl_memory_desc_t w_any;
    if (d->groups > 1) {
        int64_t wd[5] = {d->groups, Kg, Cg, d->r, d->s};
        BASE_TRY(md_tag(&p->wu_md, 5, wd, dnnl_s8, dnnl_goihw));
        BASE_TRY(md_tag(&w_any, 5, wd, dnnl_s8, dnnl_format_tag_any));
    } else {
        int64_t wd[4] = {d->k, Cg, d->r, d->s};
        BASE_TRY(md_tag(&p->wu_md, 4, wd, dnnl_s8, dnnl_oihw));
        BASE_TRY(md_tag(&w_any, 4, wd, dnnl_s8, dnnl_format_tag_any));
    }
    dnnl_dims_t strides = {d->sy, d->sx}, dil = {d->dy - 1, d->dx - 1}, pad = {0, 0};
    dnnl_convolution_desc_t cd;
    S8_TRY(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                      &p->src_md, &w_any, NULL, &p->dst_md, strides, dil, pad, pad),
           "convolution descriptor");
    dnnl_primitive_attr_t attr;
    BASE_TRY(user_attr(&attr));
    dnnl_status_t st = dnnl_primitive_desc_create(&p->pd, &cd, attr, g_eng, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (st == dnnl_unimplemented) {
        p->pd = NULL;
        return DLA_OK; /* p->ok stays 0 */
    }
    if (st != dnnl_success) {
        p->pd = NULL;
        return fail(st, "convolution primitive descriptor");
    }
    S8_TRY(dnnl_primitive_desc_query(p->pd, dnnl_query_impl_info_str, 0, &p->impl), "query");
    if (!strncmp(p->impl, "ref", 3))
        return DLA_OK;
    p->w_md = dnnl_primitive_desc_query_md(p->pd, dnnl_query_weights_md, 0);
    p->w_bytes = dnnl_memory_desc_get_size(p->w_md);
    p->scratch = scratch_size(p->pd);
    S8_TRY(dnnl_primitive_create(&p->prim, p->pd), "convolution primitive");
    dnnl_primitive_desc_t rpd;
    BASE_TRY(user_attr(&attr));
    st = dnnl_reorder_primitive_desc_create(&rpd, &p->wu_md, g_eng, p->w_md, g_eng, attr);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success)
        return fail(st, "weights reorder descriptor");
    p->rd_scratch = scratch_size(rpd);
    st = dnnl_primitive_create(&p->rd_w, rpd);
    dnnl_primitive_desc_destroy(rpd);
    if (st != dnnl_success)
        return fail(st, "weights reorder");
    p->ok = 1;
    return DLA_OK;
}

/* The cached primitive for d (created on first use). Called with g_lock held. *owned = 1: not cached, the
 * caller frees it. */
static dla_status prim_get(const k_s8_conv_desc *d, s8_prim **out, int *owned)
{
    *owned = 0;
    if (!g_eng)
        S8_TRY(dnnl_engine_create(&g_eng, dnnl_cpu, 0), "engine creation");
    for (int i = g_nprims - 1; i >= 0; i--)
        if (!memcmp(&g_prims[i]->d, d, sizeof *d)) {
            *out = g_prims[i];
            return DLA_OK;
        }
    s8_prim *p = calloc(1, sizeof *p);
    if (!p)
        return base_error(DLA_ERR_NOMEM, "out of memory caching an int8 convolution");
    p->d = *d;
    dla_status st = prim_build(p);
    if (st != DLA_OK) {
        prim_free(p);
        return st;
    }
    if (g_nprims == g_capprims && g_nprims < S8_PRIM_MAX) {
        int cap = g_capprims ? 2 * g_capprims : 64;
        s8_prim **np = realloc(g_prims, sizeof *np * (size_t)cap);
        if (np) {
            g_prims = np;
            g_capprims = cap;
        }
    }
    if (g_nprims < g_capprims)
        g_prims[g_nprims++] = p;
    else
        *owned = 1;
    *out = p;
    return DLA_OK;
}

static int desc_valid(const k_s8_conv_desc *d)
{
    if (d->c < 1 || d->k < 1 || d->groups < 1 || d->c % d->groups || d->k % d->groups || d->r < 1 || d->s < 1 ||
        d->sy < 1 || d->sx < 1 || d->dy < 1 || d->dx < 1 || d->oh < 1 || d->ow < 1)
        return 0;
    /* no padding: the input is exactly the rows and columns the outputs read */
    return d->h == (d->oh - 1) * d->sy + (d->r - 1) * d->dy + 1 && d->w == (d->ow - 1) * d->sx + (d->s - 1) * d->dx + 1;
}

/* A copy used as a cache key (all int64_t fields: no padding bytes). */
static void k_desc_norm(const k_s8_conv_desc *in, k_s8_conv_desc *out) { *out = *in; }

int k_s8_conv_supported(const k_s8_conv_desc *d_in)
{
    k_s8_conv_desc d;
    k_desc_norm(d_in, &d);
    if (!desc_valid(&d))
        return 0;
    pthread_mutex_lock(&g_lock);
    int ok = 0;
    if (isa_exact()) {
        s8_prim *p;
        int owned;
        if (prim_get(&d, &p, &owned) == DLA_OK) {
            ok = p->ok;
            if (owned)
                prim_free(p);
        } else {
            base_clear_error();
        }
    }
    pthread_mutex_unlock(&g_lock);
    return ok;
}

/* Evicts unused weight entries (least recently used first) until `need` more bytes fit. g_lock held. */
static void wcache_evict(size_t need)
{
    while (g_wbytes + need > S8_WCACHE_BYTES) {
        int best = -1;
        for (int i = 0; i < g_nw; i++)
            if (!g_w[i].refs && (best < 0 || g_w[i].last_use < g_w[best].last_use))
                best = i;
        if (best < 0)
            return;
        g_wbytes -= g_w[best].user_bytes + g_w[best].packed_bytes;
        free(g_w[best].orig);
        free(g_w[best].packed);
        g_w[best] = g_w[--g_nw];
    }
}

static dla_status run_reorder(const s8_prim *p, dnnl_stream_t strm, const void *w, void *packed)
{
    dnnl_memory_t mu = NULL, mp = NULL, ms = NULL;
    void *scratch = p->rd_scratch ? malloc(p->rd_scratch) : NULL;
    dnnl_status_t st = p->rd_scratch && !scratch ? dnnl_out_of_memory : dnnl_success;
    if (st == dnnl_success)
        st = dnnl_memory_create(&mu, &p->wu_md, g_eng, (void *)w);
    if (st == dnnl_success)
        st = dnnl_memory_create(&mp, p->w_md, g_eng, packed);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, mu}, {DNNL_ARG_TO, mp}, {0, NULL}};
    int nargs = 2;
    if (st == dnnl_success && p->rd_scratch) {
        const_dnnl_primitive_desc_t rpd;
        st = dnnl_primitive_get_primitive_desc(p->rd_w, &rpd);
        if (st == dnnl_success)
            st = dnnl_memory_create(&ms, dnnl_primitive_desc_query_md(rpd, dnnl_query_scratchpad_md, 0), g_eng,
                                    scratch);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, ms};
    }
    if (st == dnnl_success)
        st = dnnl_primitive_execute(p->rd_w, strm, nargs, args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(strm);
    if (mu)
        dnnl_memory_destroy(mu);
    if (mp)
        dnnl_memory_destroy(mp);
    if (ms)
        dnnl_memory_destroy(ms);
    free(scratch);
    return st == dnnl_success ? DLA_OK : fail(st, "weights reorder");
}

/* The reordered weights for w: a cache hit (the same bytes seen before with this shape) or a new reorder,
 * cached when it fits. *entry >= 0: a cache entry the caller must release; else *tmp is the caller's to free. */
static dla_status weights_get(const s8_prim *p, int cacheable, dnnl_stream_t strm, const void *w, size_t wbytes,
                              void **packed, int *entry, void **tmp)
{
    *entry = -1;
    *tmp = NULL;
    pthread_mutex_lock(&g_lock);
    g_clock++;
    for (int pass = 0; pass < 2; pass++) /* the same pointer first (the usual hit), then any entry */
        for (int i = g_nw - 1; i >= 0; i--) {
            s8_wentry *e = &g_w[i];
            if (e->p != p || e->user_bytes != wbytes || (pass == 0) != (e->user == w))
                continue;
            if (memcmp(e->orig, w, wbytes))
                continue;
            e->refs++;
            e->last_use = g_clock;
            *packed = e->packed;
            *entry = i;
            pthread_mutex_unlock(&g_lock);
            return DLA_OK;
        }
    pthread_mutex_unlock(&g_lock);
    void *buf = aligned_alloc(64, (p->w_bytes + 63) & ~(size_t)63);
    void *orig = malloc(wbytes);
    if (!buf || !orig) {
        free(buf);
        free(orig);
        return base_error(DLA_ERR_NOMEM, "out of memory reordering int8 weights (%zu bytes)", p->w_bytes);
    }
    dla_status st = run_reorder(p, strm, w, buf);
    if (st != DLA_OK) {
        free(buf);
        free(orig);
        return st;
    }
    memcpy(orig, w, wbytes);
    *packed = buf;
    size_t bytes = wbytes + p->w_bytes;
    pthread_mutex_lock(&g_lock);
    int cached = 0;
    if (cacheable && bytes <= S8_WCACHE_BYTES / 4) {
        wcache_evict(bytes);
        if (g_wbytes + bytes <= S8_WCACHE_BYTES) {
            if (g_nw == g_capw) {
                int cap = g_capw ? 2 * g_capw : 64;
                s8_wentry *nw = realloc(g_w, sizeof *nw * (size_t)cap);
                if (nw) {
                    g_w = nw;
                    g_capw = cap;
                }
            }
            if (g_nw < g_capw) {
                g_w[g_nw] = (s8_wentry){p, w, orig, buf, wbytes, p->w_bytes, 1, g_clock};
                *entry = g_nw++;
                g_wbytes += bytes;
                cached = 1;
            }
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (!cached) {
        free(orig);
        *tmp = buf;
    }
    return DLA_OK;
}

/* Entries move on eviction (g_w[best] = last): release by packed pointer, which stays with its entry. */
static void weights_put(void *packed)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < g_nw; i++)
        if (g_w[i].packed == packed) {
            g_w[i].refs--;
            break;
        }
    pthread_mutex_unlock(&g_lock);
}

static dla_status run_conv(const s8_prim *p, dnnl_stream_t strm, const int8_t *x, const void *packed, int32_t *y)
{
    dnnl_memory_t ms = NULL, mw = NULL, md = NULL, mscr = NULL;
    void *scratch = p->scratch ? aligned_alloc(64, (p->scratch + 63) & ~(size_t)63) : NULL;
    dnnl_status_t st = p->scratch && !scratch ? dnnl_out_of_memory : dnnl_success;
    if (st == dnnl_success)
        st = dnnl_memory_create(&ms, &p->src_md, g_eng, (void *)x);
    if (st == dnnl_success)
        st = dnnl_memory_create(&mw, p->w_md, g_eng, (void *)packed);
    if (st == dnnl_success)
        st = dnnl_memory_create(&md, &p->dst_md, g_eng, y);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, md}, {0, NULL}};
    int nargs = 3;
    if (st == dnnl_success && p->scratch) {
        st = dnnl_memory_create(&mscr, dnnl_primitive_desc_query_md(p->pd, dnnl_query_scratchpad_md, 0), g_eng,
                                scratch);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, mscr};
    }
    if (st == dnnl_success)
        st = dnnl_primitive_execute(p->prim, strm, nargs, args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(strm);
    dnnl_memory_t mems[] = {ms, mw, md, mscr};
    for (int i = 0; i < 4; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    free(scratch);
    return st == dnnl_success ? DLA_OK : fail(st, "convolution execution");
}

dla_status k_s8_conv_nhwc(const k_s8_conv_desc *d_in, const int8_t *x, const int8_t *w, int32_t *y)
{
    k_s8_conv_desc d;
    k_desc_norm(d_in, &d);
    if (!desc_valid(&d))
        return base_error(DLA_ERR_INVALID_ARG,
                          "int8 convolution: inconsistent shape (C %lld, %lldx%lld input, K %lld, groups %lld, "
                          "kernel %lldx%lld, output %lldx%lld): the input must be exactly the rows and columns read",
                          (long long)d.c, (long long)d.h, (long long)d.w, (long long)d.k, (long long)d.groups,
                          (long long)d.r, (long long)d.s, (long long)d.oh, (long long)d.ow);
    pthread_mutex_lock(&g_lock);
    s8_prim *p = NULL;
    int owned = 0;
    dla_status st = isa_exact() ? prim_get(&d, &p, &owned)
                                : base_error(DLA_ERR_UNSUPPORTED, "int8 convolution: this CPU has no VNNI/AMX "
                                                                  "(oneDNN's int8 products could saturate)");
    pthread_mutex_unlock(&g_lock);
    BASE_TRY(st);
    if (!p->ok) {
        if (owned)
            prim_free(p);
        return base_error(DLA_ERR_UNSUPPORTED, "int8 convolution: oneDNN has no exact fast implementation for C %lld "
                          "K %lld groups %lld kernel %lldx%lld", (long long)d.c, (long long)d.k, (long long)d.groups,
                          (long long)d.r, (long long)d.s);
    }
    dnnl_stream_t strm;
    dnnl_status_t dst = dnnl_stream_create(&strm, g_eng, dnnl_stream_default_flags);
    if (dst != dnnl_success) {
        if (owned)
            prim_free(p);
        return fail(dst, "stream creation");
    }
    size_t wbytes = (size_t)(d.k * (d.c / d.groups) * d.r * d.s);
    void *packed = NULL, *tmp = NULL;
    int entry;
    st = weights_get(p, !owned, strm, w, wbytes, &packed, &entry, &tmp);
    if (st == DLA_OK)
        st = run_conv(p, strm, x, packed, y);
    if (entry >= 0)
        weights_put(packed);
    free(tmp);
    dnnl_stream_destroy(strm);
    if (owned) /* never cached: no weight entry refers to it */
        prim_free(p);
    return st;
}

const char *k_s8_conv_impl(const k_s8_conv_desc *d_in)
{
    k_s8_conv_desc d;
    k_desc_norm(d_in, &d);
    const char *impl = "";
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < g_nprims; i++)
        if (!memcmp(&g_prims[i]->d, &d, sizeof d) && g_prims[i]->ok)
            impl = g_prims[i]->impl;
    pthread_mutex_unlock(&g_lock);
    return impl;
}
