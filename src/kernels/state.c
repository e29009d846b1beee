/* Kernel state: the oneDNN engine and stream, the primitive cache, cached weight reorders, scratch buffers. */
#include "kernels/k_dnnl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K_PRIM_CACHE_MAX 1024

dla_status k_state_create(int n_threads, k_state **out)
{
    *out = calloc(1, sizeof(k_state));
    if (!*out)
        return base_error(DLA_ERR_NOMEM, "out of memory creating kernel state");
    (*out)->n_threads = n_threads;
    (*out)->last_impl = "";
    /* DLA_CONV_LAYOUT=plain|blocked forces the convolution layout policy (debugging and benchmarks) */
    const char *lay = getenv("DLA_CONV_LAYOUT");
    if (lay && !strcmp(lay, "plain"))
        (*out)->layout = K_LAYOUT_PLAIN;
    else if (lay && !strcmp(lay, "blocked"))
        (*out)->layout = K_LAYOUT_BLOCKED;
    const char *prof = getenv("DLA_PROFILE");
    (*out)->profile = prof && *prof && strcmp(prof, "0");
    return DLA_OK;
}

static void prim_free(k_prim *p)
{
    dnnl_memory_t mems[] = {p->m_src, p->m_src_u, p->m_w, p->m_w_u, p->m_b, p->m_dst, p->m_dst_u};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    dnnl_primitive_t prims[] = {p->prim, p->rd_src, p->rd_dst, p->rd_w, p->rd_dst_in};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    if (p->pd)
        dnnl_primitive_desc_destroy(p->pd);
    free(p->key);
    free(p);
}

/* Drops every cached primitive and weight reorder (both caches hold only what can be rebuilt). */
static void flush(k_state *s)
{
    for (int i = 0; i < s->n_w; i++)
        dnnl_memory_destroy(s->w[i].mem);
    s->n_w = 0;
    for (int i = 0; i < s->n_prims; i++)
        prim_free(s->prims[i]);
    s->n_prims = 0;
}

void k_state_destroy(k_state *s)
{
    if (!s)
        return;
    flush(s);
    free(s->w);
    free(s->prims);
    for (int i = 0; i < K_SCRATCH_COUNT; i++)
        free(s->scratch[i]);
    if (s->strm)
        dnnl_stream_destroy(s->strm);
    if (s->eng)
        dnnl_engine_destroy(s->eng);
    free(s);
}

const char *k_state_last_impl(const k_state *s) { return s->last_impl; }

double k_state_reorder_seconds(const k_state *s) { return s ? s->reorder_s : 0.0; }

dla_status k_dnnl_fail(dnnl_status_t st, const char *what)
{
    const char *why = st == dnnl_out_of_memory    ? "out of memory"
                      : st == dnnl_invalid_arguments ? "invalid arguments"
                      : st == dnnl_unimplemented     ? "unimplemented"
                                                     : "runtime error";
    return base_error(st == dnnl_out_of_memory ? DLA_ERR_NOMEM
                      : st == dnnl_unimplemented ? DLA_ERR_UNSUPPORTED
                                                 : DLA_ERR_INTERNAL,
                      "oneDNN %s failed: %s (status %d)", what, why, (int)st);
}

dla_status k_dnnl_ready(k_state *s)
{
    if (s->strm)
        return DLA_OK;
    if (!s->eng)
        K_DNNL_TRY(dnnl_engine_create(&s->eng, dnnl_cpu, 0), "engine creation");
    K_DNNL_TRY(dnnl_stream_create(&s->strm, s->eng, dnnl_stream_default_flags), "stream creation");
    return DLA_OK;
}

static uint64_t fnv1a(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

k_prim *k_prim_find(k_state *s, const void *key, size_t len)
{
    uint64_t h = fnv1a(key, len);
    for (int i = s->n_prims - 1; i >= 0; i--) {
        k_prim *p = s->prims[i];
        if (p->hash == h && p->key_len == len && !memcmp(p->key, key, len))
            return p;
    }
    return NULL;
}

static dla_status mem_new(k_state *s, const dnnl_memory_desc_t *md, dnnl_memory_t *out)
{
    K_DNNL_TRY(dnnl_memory_create(out, md, s->eng, DNNL_MEMORY_NONE), "memory creation");
    return DLA_OK;
}

dla_status k_reorder_new(k_state *s, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                              dnnl_primitive_t *out)
{
    dnnl_primitive_desc_t rpd;
    K_DNNL_TRY(dnnl_reorder_primitive_desc_create(&rpd, from, s->eng, to, s->eng, NULL), "reorder creation");
    dnnl_status_t st = dnnl_primitive_create(out, rpd);
    dnnl_primitive_desc_destroy(rpd);
    if (st != dnnl_success)
        return k_dnnl_fail(st, "reorder creation");
    return DLA_OK;
}

static dla_status prim_fill(k_state *s, k_prim *p, const dnnl_memory_desc_t *src_u, const dnnl_memory_desc_t *w_u,
                            const dnnl_memory_desc_t *dst_u)
{
    K_DNNL_TRY(dnnl_primitive_create(&p->prim, p->pd), "primitive creation");
    K_DNNL_TRY(dnnl_primitive_desc_query(p->pd, dnnl_query_impl_info_str, 0, &p->impl), "query");
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(p->pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w = dnnl_primitive_desc_query_md(p->pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *b = dnnl_primitive_desc_query_md(p->pd, dnnl_query_weights_md, 1);
    const dnnl_memory_desc_t *dst = dnnl_primitive_desc_query_md(p->pd, dnnl_query_dst_md, 0);
    BASE_TRY(mem_new(s, src, &p->m_src));
    if (w && w->ndims > 0) /* pooling has none */
        BASE_TRY(mem_new(s, w, &p->m_w));
    BASE_TRY(mem_new(s, dst, &p->m_dst));
    if (b && b->ndims > 0)
        BASE_TRY(mem_new(s, b, &p->m_b));
    p->src_bytes = dnnl_memory_desc_get_size(src);
    p->dst_bytes = dnnl_memory_desc_get_size(dst);
    p->w_bytes = w ? dnnl_memory_desc_get_size(w) : 0;
    if (src_u && !dnnl_memory_desc_equal(src_u, src)) {
        BASE_TRY(k_reorder_new(s, src_u, src, &p->rd_src));
        BASE_TRY(mem_new(s, src_u, &p->m_src_u));
    }
    if (w_u && !dnnl_memory_desc_equal(w_u, w)) {
        BASE_TRY(k_reorder_new(s, w_u, w, &p->rd_w));
        BASE_TRY(mem_new(s, w_u, &p->m_w_u));
    }
    if (dst_u && !dnnl_memory_desc_equal(dst_u, dst)) {
        BASE_TRY(k_reorder_new(s, dst, dst_u, &p->rd_dst));
        BASE_TRY(mem_new(s, dst_u, &p->m_dst_u));
    }
    return DLA_OK;
}

dla_status k_prim_add(k_state *s, const void *key, size_t len, dnnl_primitive_desc_t pd,
                      const dnnl_memory_desc_t *src_u, const dnnl_memory_desc_t *w_u,
                      const dnnl_memory_desc_t *dst_u, k_prim **out)
{
    /* a model whose shapes keep changing would grow the cache without bound: start over past the limit
     * (callers hold no entry across calls) */
    if (s->n_prims >= K_PRIM_CACHE_MAX)
        flush(s);
    k_prim *p = calloc(1, sizeof *p);
    if (!p) {
        dnnl_primitive_desc_destroy(pd);
        return base_error(DLA_ERR_NOMEM, "out of memory caching a oneDNN primitive");
    }
    p->pd = pd;
    p->key = malloc(len);
    dla_status st = p->key ? DLA_OK : base_error(DLA_ERR_NOMEM, "out of memory caching a oneDNN primitive");
    if (st == DLA_OK) {
        memcpy(p->key, key, len);
        p->key_len = len;
        p->hash = fnv1a(key, len);
        st = prim_fill(s, p, src_u, w_u, dst_u);
    }
    if (st == DLA_OK && s->n_prims == s->cap_prims) {
        int cap = s->cap_prims ? 2 * s->cap_prims : 32;
        k_prim **np = realloc(s->prims, sizeof *np * (size_t)cap);
        if (!np)
            st = base_error(DLA_ERR_NOMEM, "out of memory caching a oneDNN primitive");
        else {
            s->prims = np;
            s->cap_prims = cap;
        }
    }
    if (st != DLA_OK) {
        prim_free(p);
        return st;
    }
    s->prims[s->n_prims++] = p;
    *out = p;
    return DLA_OK;
}

void *k_scratch(k_state *s, int slot, size_t bytes)
{
    if (bytes > s->scratch_size[slot]) {
        free(s->scratch[slot]);
        /* 64-byte aligned for the vector kernels; rounded up so small growth does not reallocate every call */
        size_t sz = (bytes + bytes / 8 + 4095) & ~(size_t)4095;
        s->scratch[slot] = aligned_alloc(64, sz);
        s->scratch_size[slot] = s->scratch[slot] ? sz : 0;
    }
    return s->scratch[slot];
}

dla_status k_exec(k_state *s, dnnl_primitive_t p, int nargs, const dnnl_exec_arg_t *args)
{
    K_DNNL_TRY(dnnl_primitive_execute(p, s->strm, nargs, args), "execution");
    K_DNNL_TRY(dnnl_stream_wait(s->strm), "stream wait");
    return DLA_OK;
}

/* A weights reorder (not counted in reorder_s: cached, done once per constant) */
static dla_status reorder_weights(k_state *s, dnnl_primitive_t rd, dnnl_memory_t src, dnnl_memory_t dst)
{
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    return k_exec(s, rd, 2, args);
}

dla_status k_reorder(k_state *s, dnnl_primitive_t rd, dnnl_memory_t src, dnnl_memory_t dst)
{
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    if (!s->profile)
        return k_exec(s, rd, 2, args);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dla_status st = k_exec(s, rd, 2, args);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->reorder_s += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}

static uint64_t fingerprint(const void *w, size_t bytes)
{
    const unsigned char *b = w;
    uint64_t h = bytes;
    size_t step = bytes / 64 + 1;
    for (size_t i = 0; i < bytes; i += step)
        h = (h ^ b[i]) * 1099511628211ull;
    return h ^ fnv1a(b + (bytes >= 16 ? bytes - 16 : 0), bytes >= 16 ? 16 : bytes);
}

dla_status k_weights(k_state *s, k_prim *p, const void *w, size_t user_bytes, int w_const, dnnl_memory_t *out)
{
    if (!p->rd_w) {
        K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_w, (void *)w), "set data handle");
        *out = p->m_w;
        return DLA_OK;
    }
    K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_w_u, (void *)w), "set data handle");
    if (!w_const) {
        void *buf = k_scratch(s, K_SCRATCH_W, p->w_bytes);
        if (!buf)
            return base_error(DLA_ERR_NOMEM, "out of memory reordering weights (%zu bytes)", p->w_bytes);
        K_DNNL_TRY(dnnl_memory_set_data_handle(p->m_w, buf), "set data handle");
        BASE_TRY(reorder_weights(s, p->rd_w, p->m_w_u, p->m_w));
        *out = p->m_w;
        return DLA_OK;
    }
    uint64_t print = fingerprint(w, user_bytes);
    for (int i = s->n_w - 1; i >= 0; i--)
        if (s->w[i].prim == p && s->w[i].w == w && s->w[i].print == print) {
            *out = s->w[i].mem;
            return DLA_OK;
        }
    if (s->n_w == s->cap_w) {
        int cap = s->cap_w ? 2 * s->cap_w : 64;
        k_wcache *nw = realloc(s->w, sizeof *nw * (size_t)cap);
        if (!nw)
            return base_error(DLA_ERR_NOMEM, "out of memory caching weights");
        s->w = nw;
        s->cap_w = cap;
    }
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(p->pd, dnnl_query_weights_md, 0);
    dnnl_memory_t mem;
    K_DNNL_TRY(dnnl_memory_create(&mem, md, s->eng, DNNL_MEMORY_ALLOCATE), "weights memory creation");
    dla_status st = reorder_weights(s, p->rd_w, p->m_w_u, mem);
    if (st != DLA_OK) {
        dnnl_memory_destroy(mem);
        return st;
    }
    s->w[s->n_w++] = (k_wcache){p, w, print, mem};
    *out = mem;
    return DLA_OK;
}

dla_status k_md_plain(dnnl_memory_desc_t *md, int ndims, const int64_t *dims)
{
    dnnl_dims_t d, strides;
    int64_t st = 1;
    for (int i = ndims - 1; i >= 0; i--) {
        d[i] = dims[i];
        strides[i] = st;
        st *= dims[i] > 0 ? dims[i] : 1;
    }
    K_DNNL_TRY(dnnl_memory_desc_init_by_strides(md, ndims, d, dnnl_f32, strides), "memory descriptor");
    return DLA_OK;
}
