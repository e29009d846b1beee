/* Private to kernels/: the k_state layout and the oneDNN plumbing shared by the dnnl_*.c wrappers. */
#ifndef DLA_K_DNNL_H
#define DLA_K_DNNL_H

#include "kernels/kernels.h"

#include <oneapi/dnnl/dnnl.h>

/* One cached primitive with everything needed to run it again: created once per distinct key (the op kind
 * plus its shape descriptor), executed many times with new data handles. */
typedef struct k_prim {
    uint64_t hash;
    size_t key_len;
    unsigned char *key;
    const char *impl;                /* oneDNN implementation name (owned by the primitive descriptor) */
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    /* reorders between the user's plain layout and the primitive's (NULL when they are the same) */
    dnnl_primitive_t rd_src, rd_dst, rd_w;
    dnnl_primitive_t rd_dst_in; /* user layout -> primitive's dst layout: the addend of a sum post-op */
    /* memory objects; data handles are set before each run. *_u: the user's layout */
    dnnl_memory_t m_src, m_src_u, m_w, m_w_u, m_b, m_dst, m_dst_u;
    size_t src_bytes, dst_bytes, w_bytes; /* sizes in the primitive's layouts (for scratch buffers) */
} k_prim;

/* Weights reordered into a primitive's layout, kept while the state lives (weights are constants). */
typedef struct k_wcache {
    const k_prim *prim;
    const void *w;      /* the user's weight pointer */
    uint64_t print;     /* a fingerprint of sampled values: guards against a pointer reused for new data */
    dnnl_memory_t mem;  /* owns its buffer (DNNL_MEMORY_ALLOCATE) */
} k_wcache;

enum { K_SCRATCH_SRC, K_SCRATCH_DST, K_SCRATCH_W, K_SCRATCH_TMP, K_SCRATCH_COUNT };

struct k_state {
    int n_threads;
    int layout;  /* K_LAYOUT_*: how convolutions choose src/dst layouts */
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    k_prim **prims;
    int n_prims, cap_prims;
    k_wcache *w;
    int n_w, cap_w;
    void *scratch[K_SCRATCH_COUNT];
    size_t scratch_size[K_SCRATCH_COUNT];
    const char *last_impl;
    int profile;       /* DLA_PROFILE was set: time the activation reorders */
    double reorder_s;  /* seconds in activation reorders (profile only) */
};

enum {
    K_LAYOUT_AUTO = 0,    /* per shape, as measured (see plain_preferred() in dnnl_conv.c) */
    K_LAYOUT_PLAIN = 1,   /* run oneDNN on the executor's NCHW tensors directly */
    K_LAYOUT_BLOCKED = 2, /* let oneDNN pick (nChw16c ...), reorder in and out around each call */
};

/* Creates the engine and stream on first use. */
dla_status k_dnnl_ready(k_state *s);
/* Maps a failed oneDNN call to a dla_status with a message naming `what`. */
dla_status k_dnnl_fail(dnnl_status_t st, const char *what);
#define K_DNNL_TRY(call, what)                                                                                \
    do {                                                                                                      \
        dnnl_status_t kst_ = (call);                                                                          \
        if (kst_ != dnnl_success)                                                                             \
            return k_dnnl_fail(kst_, what);                                                                   \
    } while (0)

/* The cached primitive with this key, or NULL. */
k_prim *k_prim_find(k_state *s, const void *key, size_t len);
/* Finishes a new entry: takes ownership of pd (creates the primitive, memory objects for the mds the
 * primitive wants, reorders from/to the user's layouts given; any user md may be NULL: no reorder) and adds it
 * under key. On error pd is destroyed. */
dla_status k_prim_add(k_state *s, const void *key, size_t len, dnnl_primitive_desc_t pd,
                      const dnnl_memory_desc_t *src_u, const dnnl_memory_desc_t *w_u,
                      const dnnl_memory_desc_t *dst_u, k_prim **out);
/* A scratch buffer of at least `bytes` for slot, kept and grown across calls; NULL on exhaustion. */
void *k_scratch(k_state *s, int slot, size_t bytes);
/* Runs p on the state's stream and waits. */
dla_status k_exec(k_state *s, dnnl_primitive_t p, int nargs, const dnnl_exec_arg_t *args);
/* A reorder primitive between two layouts. */
dla_status k_reorder_new(k_state *s, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                         dnnl_primitive_t *out);
/* Runs a reorder primitive from src to dst memory (timed into reorder_s when profiling). */
dla_status k_reorder(k_state *s, dnnl_primitive_t rd, dnnl_memory_t src, dnnl_memory_t dst);
/* The weights memory p's primitive should read: the user's pointer when no reorder is needed, else the
 * cached reorder of w (w_const) or a fresh reorder into scratch. */
dla_status k_weights(k_state *s, k_prim *p, const void *w, size_t user_bytes, int w_const, dnnl_memory_t *out);

/* Plain row-major memory descriptor of an f32 tensor. */
dla_status k_md_plain(dnnl_memory_desc_t *md, int ndims, const int64_t *dims);

#endif
