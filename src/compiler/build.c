/* cc_build: the placed graph -> a loadable.
 *
 * 1. Units: each DLA subgraph is one unit, each host node one; they are ordered topologically (Kahn), preferring
 *    to continue a run of host units, and consecutive host units merge into one host segment.
 * 2. Tensors: every tensor that crosses segments, and every network input/output, gets a descriptor and its own
 *    memory entry (tb.h says in which format). Network I/O a DLA task cannot bind directly (an FP32 NCHW input,
 *    an FP16 subgraph's tensor bound as int8, ...) gets a DLA-side copy "<name>/dla" and a reformat HOST task.
 * 3. Tasks in segment order: input reformats, then per segment its task (ir_graph_extract + serialize for host
 *    segments; cc_lower_task for DLA subgraphs) followed by the reformats of the network outputs it produces.
 * --buildDLAStandalone allows exactly one DLA task and DLA I/O formats, as trtexec's checkSafeDLAFormats. */
#include "compiler/partition.h"
#include "compiler/tb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- I/O formats ------------------------------------------------------------------------------------------ */

static const struct { const char *name; uint8_t dtype; } io_types[] = {
    {"fp32", LDB_DT_FLOAT}, {"fp16", LDB_DT_HALF}, {"int8", LDB_DT_INT8}, {"int32", LDB_DT_INT32},
    {"int64", LDB_DT_INT64}, {"uint8", LDB_DT_UINT8}, {"bool", LDB_DT_BOOL},
};
static const struct { const char *name; uint8_t format; } io_fmts[] = {
    {"chw", LDB_FMT_NCHW}, {"linear", LDB_FMT_NCHW}, {"chw16", LDB_FMT_CHW16}, {"chw32", LDB_FMT_CHW32},
    {"dla_linear", LDB_FMT_DLA_LINEAR}, {"dla_hwc4", LDB_FMT_DLA_HWC4}, {"hwc4", LDB_FMT_DLA_HWC4},
};

static const char *type_name(uint8_t dt)
{
    for (size_t i = 0; i < sizeof io_types / sizeof io_types[0]; i++)
        if (io_types[i].dtype == dt)
            return io_types[i].name;
    return "?";
}

static const char *fmt_name(uint8_t f)
{
    static const char *const n[LDB_FMT_COUNT] = {"chw", "dla_linear", "dla_hwc4", "chw16", "chw32"};
    return f < LDB_FMT_COUNT ? n[f] : "?";
}

static int is_dla_format(uint8_t f) { return f != LDB_FMT_NCHW; }

dla_status cc_parse_io_formats(const char *flag, const char *spec, cc_io_format *out, int max, int *n_out)
{
    *n_out = 0;
    for (const char *p = spec ? spec : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        p += len + (p[len] == ',');
        if (!len)
            continue;
        const char *colon = memchr(item, ':', len);
        size_t tl = colon ? (size_t)(colon - item) : 0, fl = colon ? strcspn(colon + 1, ",+") : 0;
        int ti = -1, fi = -1;
        for (int i = 0; colon && i < (int)(sizeof io_types / sizeof io_types[0]); i++)
            if (strlen(io_types[i].name) == tl && strncasecmp(io_types[i].name, item, tl) == 0)
                ti = i;
        for (int i = 0; colon && i < (int)(sizeof io_fmts / sizeof io_fmts[0]); i++)
            if (strlen(io_fmts[i].name) == fl && strncasecmp(io_fmts[i].name, colon + 1, fl) == 0)
                fi = i;
        if (ti < 0 || fi < 0)
            return base_error(DLA_ERR_INVALID_ARG, "%s: '%.*s' is not TYPE:FORMAT with TYPE fp32, fp16, int8, "
                              "int32, int64, uint8 or bool and FORMAT chw, chw16, chw32, dla_linear or dla_hwc4",
                              flag, (int)len, item);
        uint8_t dt = io_types[ti].dtype, f = io_fmts[fi].format;
        int ok = f == LDB_FMT_NCHW || (f == LDB_FMT_CHW16 && dt == LDB_DT_HALF) ||
                 (f == LDB_FMT_CHW32 && dt == LDB_DT_INT8) ||
                 ((f == LDB_FMT_DLA_LINEAR || f == LDB_FMT_DLA_HWC4) && (dt == LDB_DT_HALF || dt == LDB_DT_INT8));
        if (!ok)
            return base_error(DLA_ERR_INVALID_ARG, "%s: '%.*s': %s takes %s", flag, (int)len, item,
                              fmt_name(f), f == LDB_FMT_CHW16 ? "fp16" : f == LDB_FMT_CHW32 ? "int8" : "fp16 or int8");
        if (*n_out >= max)
            return base_error(DLA_ERR_INVALID_ARG, "%s: more than %d formats given", flag, max);
        out[(*n_out)++] = (cc_io_format){dt, f};
    }
    return DLA_OK;
}

/* The format of I/O tensor i of n (one format broadcasts to all; none: fp32:chw). */
static dla_status io_format(const char *flag, const cc_io_format *f, int n_f, int i, int n, cc_io_format *out)
{
    if (n_f == 0)
        *out = (cc_io_format){LDB_DT_FLOAT, LDB_FMT_NCHW};
    else if (n_f == 1)
        *out = f[0];
    else if (n_f != n)
        return base_error(DLA_ERR_INVALID_ARG, "%s: %d formats for %d tensors (give one per tensor, or one for all)",
                          flag, n_f, n);
    else
        *out = f[i];
    return DLA_OK;
}

/* ---- segments --------------------------------------------------------------------------------------------- */

typedef struct seg {
    int dla;      /* 1: DLA subgraph `sg`; 0: host nodes */
    int sg;
    int *ids, n;  /* node ids in topological order */
    int *post, n_post; /* reformat pairs (from, to) to emit after the segment */
} seg;

typedef struct build {
    cc_build_ctx bc;
    seg *segs;
    int n_segs;
    int *seg_of_node;  /* -1: build time */
    int *pre, n_pre;   /* input reformat pairs */
} build;

static dla_status nomem(void) { return base_error(DLA_ERR_NOMEM, "out of memory building the loadable"); }

static int unit_of(const build *B, int i)
{
    const cc_node_place *np = &B->bc.pl->nodes[i];
    if (np->subgraph == CC_SUBGRAPH_BUILD_TIME)
        return -1;
    return np->device == CC_DEV_DLA && np->subgraph >= 0 ? np->subgraph : B->bc.pl->n_subgraphs + i;
}

/* Kahn over the units; writes the emission order into order[] (n_units entries, -1 for absent units). */
static dla_status order_units(build *B, int *order, int *n_order)
{
    const ir_graph *g = B->bc.g;
    int n_sg = B->bc.pl->n_subgraphs, N = n_sg + g->n_nodes;
    int *indeg = calloc((size_t)N + 1, sizeof(int)), *key = malloc(sizeof(int) * ((size_t)N + 1));
    uint8_t *exists = calloc((size_t)N + 1, 1), *done = calloc((size_t)N + 1, 1);
    if (!indeg || !key || !exists || !done) {
        free(indeg), free(key), free(exists), free(done);
        return nomem();
    }
    for (int u = 0; u < N; u++)
        key[u] = g->n_nodes;
    for (int i = 0; i < g->n_nodes; i++) {
        int u = unit_of(B, i);
        if (u < 0)
            continue;
        exists[u] = 1;
        if (i < key[u])
            key[u] = i;
        const ir_node *n = g->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] && n->in[k]->producer && unit_of(B, n->in[k]->producer->id) >= 0 &&
                unit_of(B, n->in[k]->producer->id) != u)
                indeg[u]++;
    }
    int last_host = 0;
    *n_order = 0;
    for (;;) {
        int best = -1;
        for (int u = 0; u < N; u++) {
            if (!exists[u] || done[u] || indeg[u])
                continue;
            int hu = u >= n_sg, hb = best >= n_sg;
            if (best < 0 || (last_host && hu != hb ? hu : key[u] < key[best]))
                best = u;
        }
        if (best < 0)
            break;
        done[best] = 1;
        last_host = best >= n_sg;
        order[(*n_order)++] = best;
        for (int i = 0; i < g->n_nodes; i++) { /* release the edges out of `best` */
            int u = unit_of(B, i);
            if (u < 0 || u == best)
                continue;
            const ir_node *n = g->nodes[i];
            for (int k = 0; k < n->n_in; k++)
                if (n->in[k] && n->in[k]->producer && unit_of(B, n->in[k]->producer->id) == best)
                    indeg[u]--;
        }
    }
    int missing = 0;
    for (int u = 0; u < N; u++)
        missing += exists[u] && !done[u];
    free(indeg), free(key), free(exists), free(done);
    if (missing)
        return base_error(DLA_ERR_INTERNAL, "the DLA subgraphs and host layers form a cycle (%d units left)",
                          missing);
    return DLA_OK;
}

static dla_status add_seg(build *B, int dla, int sg)
{
    seg *s = realloc(B->segs, sizeof *s * ((size_t)B->n_segs + 1));
    if (!s)
        return nomem();
    B->segs = s;
    s = &B->segs[B->n_segs++];
    memset(s, 0, sizeof *s);
    s->dla = dla;
    s->sg = sg;
    s->ids = malloc(sizeof(int) * ((size_t)B->bc.g->n_nodes + 1));
    return s->ids ? DLA_OK : nomem();
}

static dla_status make_segments(build *B)
{
    const ir_graph *g = B->bc.g;
    int n_sg = B->bc.pl->n_subgraphs;
    int *order = malloc(sizeof(int) * ((size_t)n_sg + g->n_nodes + 1));
    B->seg_of_node = malloc(sizeof(int) * ((size_t)g->n_nodes + 1));
    if (!order || !B->seg_of_node) {
        free(order);
        return nomem();
    }
    int n_order;
    dla_status st = order_units(B, order, &n_order);
    for (int k = 0; st == DLA_OK && k < n_order; k++) {
        int u = order[k], host = u >= n_sg;
        if (!host || !B->n_segs || B->segs[B->n_segs - 1].dla)
            st = add_seg(B, !host, host ? -1 : u);
        if (st != DLA_OK)
            break;
        seg *s = &B->segs[B->n_segs - 1];
        for (int i = 0; i < g->n_nodes; i++)
            if (unit_of(B, i) == u)
                s->ids[s->n++] = i;
    }
    free(order);
    for (int i = 0; i < g->n_nodes; i++)
        B->seg_of_node[i] = -1;
    for (int k = 0; k < B->n_segs; k++)
        for (int j = 0; j < B->segs[k].n; j++)
            B->seg_of_node[B->segs[k].ids[j]] = k;
    return st;
}

/* ---- cross-segment tensors -------------------------------------------------------------------------------- */

typedef struct use {
    int prod;          /* producing segment; -1 network input / constant */
    int dla, host;     /* consumed by a DLA / host segment other than the producer's */
} use;

static void uses(const build *B, use *u)
{
    const ir_graph *g = B->bc.g;
    for (int t = 0; t < g->n_tensors; t++) {
        const ir_tensor *x = g->tensors[t];
        u[t].prod = x->producer ? B->seg_of_node[x->producer->id] : -1;
        u[t].dla = u[t].host = 0;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        int s = B->seg_of_node[i];
        if (s < 0)
            continue;
        const ir_node *n = g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            const ir_tensor *x = n->in[k];
            if (!x || x->data_kind == IR_DATA_CONST || u[x->id].prod == s)
                continue;
            if (x->producer && B->seg_of_node[x->producer->id] < 0)
                continue; /* a build-time value: the lowering / the host segment computes it */
            if (B->segs[s].dla)
                u[x->id].dla = 1;
            else
                u[x->id].host = 1;
        }
    }
}

static int native(cc_build_ctx *bc, const ir_tensor *t, const char *name)
{
    const cc_precision_plan *pp = bc->o->prec;
    int int8 = pp->tensor[t->id] == CC_PREC_INT8;
    return cc_xt_add(bc, t, name, int8 ? LDB_DT_INT8 : LDB_DT_HALF, int8 ? LDB_FMT_CHW32 : LDB_FMT_CHW16,
                     int8 ? CC_PREC_INT8 : CC_PREC_FP16, int8 ? pp->scale[t->id] : 0);
}

static char *dla_name(cc_build_ctx *bc, const ir_tensor *t)
{
    size_t n = strlen(t->name) + 5;
    char *s = base_arena_alloc(bc->strings, n);
    if (s)
        snprintf(s, n, "%s/dla", t->name);
    return s;
}

static dla_status push_pair(int **arr, int *n, int from, int to)
{
    int *a = realloc(*arr, sizeof(int) * (size_t)(*n + 2));
    if (!a)
        return nomem();
    a[*n] = from;
    a[*n + 1] = to;
    *arr = a;
    *n += 2;
    return DLA_OK;
}

/* The bound descriptor of network I/O tensor t in format f; checks an INT8 format has a scale. */
static int bound(cc_build_ctx *bc, const ir_tensor *t, cc_io_format f, const char *flag, int io, uint32_t bind)
{
    const cc_precision_plan *pp = bc->o->prec;
    float scale = 0;
    if (f.dtype == LDB_DT_INT8) {
        scale = pp->scale[t->id];
        if (!(scale > 0)) {
            base_error(DLA_ERR_UNSUPPORTED, "%s=int8:%s: tensor '%s' has no INT8 scale (it is not part of an INT8 "
                       "DLA subgraph: build with --int8 and a calibration that covers it)", flag, fmt_name(f.format),
                       t->name);
            return -1;
        }
    }
    cc_prec p = f.dtype == LDB_DT_INT8 ? CC_PREC_INT8 : CC_PREC_FP16;
    int x = cc_xt_add(bc, t, t->name, f.dtype, f.format, p, scale);
    if (x >= 0) {
        bc->xt[x].io = io;
        bc->xt[x].bind_id = bind;
    }
    return x;
}

/* 1 when a DLA task can use the bound format directly. */
static int dla_binds(const cc_build_ctx *bc, const ir_tensor *t, cc_io_format f)
{
    if (!is_dla_format(f.format))
        return 0;
    cc_prec p = bc->o->prec->tensor[t->id];
    return (f.dtype == LDB_DT_INT8) == (p == CC_PREC_INT8);
}

static dla_status standalone_io(const ir_tensor *t, cc_io_format f, int output)
{
    const char *flag = output ? "--outputIOFormats" : "--inputIOFormats";
    if (is_dla_format(f.format) && !(output && f.format == LDB_FMT_DLA_HWC4))
        return DLA_OK;
    return base_error(DLA_ERR_UNSUPPORTED, "--buildDLAStandalone: %s '%s' is %s:%s; a standalone loadable binds "
                      "DLA formats only (%s=fp16:chw16, int8:chw32, fp16|int8:dla_linear%s)",
                      output ? "output" : "input", t->name, type_name(f.dtype), fmt_name(f.format), flag,
                      output ? "" : ", fp16|int8:dla_hwc4");
}

static dla_status mismatch(const cc_build_ctx *bc, const ir_tensor *t, cc_io_format f, int output)
{
    return base_error(DLA_ERR_UNSUPPORTED, "--buildDLAStandalone: %s '%s' is bound as %s:%s but its DLA subgraph "
                      "runs %s, and a standalone loadable has no reformat tasks (%s)", output ? "output" : "input",
                      t->name, type_name(f.dtype), fmt_name(f.format),
                      bc->o->prec->tensor[t->id] == CC_PREC_INT8 ? "INT8" : "FP16",
                      output ? "--outputIOFormats" : "--inputIOFormats");
}

static dla_status network_inputs(build *B, const use *u, const cc_io_format *f, int n_f)
{
    cc_build_ctx *bc = &B->bc;
    const ir_graph *g = bc->g;
    for (int i = 0; i < g->n_inputs; i++) {
        const ir_tensor *t = g->inputs[i];
        cc_io_format fi = {0, 0};
        BASE_TRY(io_format("--inputIOFormats", f, n_f, i, g->n_inputs, &fi));
        if (bc->o->standalone)
            BASE_TRY(standalone_io(t, fi, 0));
        int x = bound(bc, t, fi, "--inputIOFormats", 1, (uint32_t)i);
        if (x < 0)
            return DLA_ERR_UNSUPPORTED;
        bc->xt_host[t->id] = x;
        if (!u[t->id].dla)
            continue;
        if (dla_binds(bc, t, fi)) {
            bc->xt_dla[t->id] = x;
            continue;
        }
        if (bc->o->standalone)
            return mismatch(bc, t, fi, 0);
        const char *nm = dla_name(bc, t);
        int y = nm ? native(bc, t, nm) : -1;
        if (y < 0)
            return nm ? DLA_ERR_UNSUPPORTED : nomem();
        bc->xt_dla[t->id] = y;
        BASE_TRY(push_pair(&B->pre, &B->n_pre, x, y));
    }
    return DLA_OK;
}

static dla_status network_outputs(build *B, const use *u, const cc_io_format *f, int n_f)
{
    cc_build_ctx *bc = &B->bc;
    const ir_graph *g = bc->g;
    for (int i = 0; i < g->n_outputs; i++) {
        const ir_tensor *t = g->outputs[i];
        cc_io_format fo = {0, 0};
        BASE_TRY(io_format("--outputIOFormats", f, n_f, i, g->n_outputs, &fo));
        if (bc->o->standalone)
            BASE_TRY(standalone_io(t, fo, 1));
        int p = u[t->id].prod;
        if (p < 0 || bc->xt_host[t->id] >= 0)
            return base_error(DLA_ERR_UNSUPPORTED, "network output '%s' is %s: no layer computes it at run time",
                              t->name, bc->xt_host[t->id] >= 0 ? "a network input (or listed twice)" : "a constant");
        int x = bound(bc, t, fo, "--outputIOFormats", 2, (uint32_t)i);
        if (x < 0)
            return DLA_ERR_UNSUPPORTED;
        bc->xt_host[t->id] = x;
        int dla_side = B->segs[p].dla || u[t->id].dla;
        if (!dla_side)
            continue;
        if (dla_binds(bc, t, fo)) {
            bc->xt_dla[t->id] = x;
            continue;
        }
        if (bc->o->standalone)
            return mismatch(bc, t, fo, 1);
        const char *nm = dla_name(bc, t);
        int y = nm ? native(bc, t, nm) : -1;
        if (y < 0)
            return nm ? DLA_ERR_UNSUPPORTED : nomem();
        bc->xt_dla[t->id] = y;
        seg *s = &B->segs[p];
        /* DLA-produced: the DLA writes the copy, a reformat fills the binding; host-produced: the reverse */
        BASE_TRY(s->dla ? push_pair(&s->post, &s->n_post, y, x) : push_pair(&s->post, &s->n_post, x, y));
    }
    return DLA_OK;
}

/* Tensors between segments that are not network I/O. */
static dla_status intermediates(build *B, const use *u)
{
    cc_build_ctx *bc = &B->bc;
    const ir_graph *g = bc->g;
    for (int i = 0; i < g->n_tensors; i++) {
        const ir_tensor *t = g->tensors[i];
        if (bc->xt_host[i] >= 0 || u[i].prod < 0 || (!u[i].dla && !u[i].host))
            continue;
        int dla_side = B->segs[u[i].prod].dla || u[i].dla;
        if (dla_side && !B->segs[u[i].prod].dla && t->dtype != IR_F32 && t->dtype != IR_F16) {
            /* a host-produced integer/bool tensor a DLA task reads (a logic op rewritten to float arithmetic):
             * the host side keeps its type, a reformat HOST task casts it into the DLA copy */
            int h = cc_xt_add(bc, t, t->name, (uint8_t)t->dtype, LDB_FMT_NCHW, CC_PREC_FP16, 0);
            const char *nm = h >= 0 ? dla_name(bc, t) : NULL;
            int y = nm ? native(bc, t, nm) : -1;
            if (h < 0 || y < 0)
                return h >= 0 && !nm ? nomem() : DLA_ERR_UNSUPPORTED;
            bc->xt_host[i] = h;
            bc->xt_dla[i] = y;
            seg *s = &B->segs[u[i].prod];
            BASE_TRY(push_pair(&s->post, &s->n_post, h, y));
            continue;
        }
        int x = dla_side ? native(bc, t, t->name)
                         : cc_xt_add(bc, t, t->name, (uint8_t)t->dtype, LDB_FMT_NCHW, CC_PREC_FP16, 0);
        if (x < 0)
            return DLA_ERR_UNSUPPORTED;
        if (!dla_side && !ldb_dtype_size(t->dtype))
            return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s' of type %s cannot cross a task boundary", t->name,
                              ir_dtype_name(t->dtype));
        bc->xt_host[i] = x;
        bc->xt_dla[i] = dla_side ? x : -1;
    }
    return DLA_OK;
}

/* ---- the build -------------------------------------------------------------------------------------------- */

static dla_status check_standalone(const build *B)
{
    const cc_build_ctx *bc = &B->bc;
    for (int k = 0; k < B->n_segs; k++)
        if (!B->segs[k].dla) {
            const ir_node *n = bc->g->nodes[B->segs[k].ids[0]];
            return base_error(DLA_ERR_UNSUPPORTED, "--buildDLAStandalone: %s '%s' runs on the host (%s); a "
                              "standalone loadable has DLA tasks only", n->op_type, n->name,
                              bc->pl->nodes[n->id].reason);
        }
    if (B->n_segs != 1)
        return base_error(DLA_ERR_UNSUPPORTED, "--buildDLAStandalone: the network makes %d DLA subgraphs; a "
                          "standalone loadable holds one", B->n_segs);
    return DLA_OK;
}

/* A host segment's nodes plus the build-time nodes whose values it reads but that are not constants yet. */
static dla_status host_nodes(const build *B, const seg *s, int **ids, int *n)
{
    const ir_graph *g = B->bc.g;
    uint8_t *in = calloc((size_t)g->n_nodes + 1, 1);
    *ids = malloc(sizeof(int) * ((size_t)g->n_nodes + 1));
    if (!in || !*ids) {
        free(in);
        return nomem();
    }
    for (int j = 0; j < s->n; j++)
        in[s->ids[j]] = 1;
    for (int i = g->n_nodes - 1; i >= 0; i--) { /* consumers come after producers: one backward sweep */
        if (!in[i])
            continue;
        const ir_node *nd = g->nodes[i];
        for (int k = 0; k < nd->n_in; k++) {
            const ir_tensor *t = nd->in[k];
            if (t && t->data_kind != IR_DATA_CONST && t->producer && B->seg_of_node[t->producer->id] < 0)
                in[t->producer->id] = 1;
        }
    }
    *n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (in[i])
            (*ids)[(*n)++] = i;
    free(in);
    return DLA_OK;
}

static dla_status emit_pairs(cc_build_ctx *bc, const int *p, int n)
{
    for (int k = 0; k < n; k += 2)
        BASE_TRY(cc_emit_reformat_task(bc, p[k], p[k + 1]));
    return DLA_OK;
}

static dla_status emit_tasks(build *B)
{
    cc_build_ctx *bc = &B->bc;
    BASE_TRY(cc_xt_emit_all(bc));
    BASE_TRY(emit_pairs(bc, B->pre, B->n_pre));
    int n_host = 0;
    for (int k = 0; k < B->n_segs; k++) {
        seg *s = &B->segs[k];
        if (s->dla) {
            BASE_TRY(cc_emit_dla_task(bc, s->sg, s->ids, s->n));
        } else {
            int *ids = NULL, n = 0;
            char name[32];
            snprintf(name, sizeof name, "host%d", n_host++);
            BASE_TRY(host_nodes(B, s, &ids, &n));
            dla_status st = cc_emit_host_task(bc, ids, n, name);
            free(ids);
            BASE_TRY(st);
        }
        BASE_TRY(emit_pairs(bc, s->post, s->n_post));
    }
    return DLA_OK;
}

static void set_info(build *B)
{
    cc_build_ctx *bc = &B->bc;
    const cc_build_options *o = bc->o;
    uint32_t prec = LDB_BUILD_FP16;
    if (o->target.precisions & CC_INT8)
        prec |= LDB_BUILD_INT8;
    if (o->allow_gpu_fallback)
        prec |= LDB_BUILD_GPU_FALLBACK;
    if (o->standalone)
        prec |= LDB_BUILD_STANDALONE;
    if (o->sparsity && o->target.platform == CC_ORIN) /* --sparsity=enable|force (sparsity.h) */
        prec |= LDB_BUILD_SPARSITY;
    ldb_set_build_info(bc->b, &(ldb_build_info){
        .dlakit_version = "0.1.0",
        .platform = o->target.platform == CC_XAVIER ? "xavier" : "orin",
        .model = o->model_name ? o->model_name : bc->g->name ? bc->g->name : "",
        .options = o->options_text ? o->options_text : "",
        .precision = prec});
    ldb_set_pool_limits(bc->b, bc->limit);
    if (o->standalone)
        ldb_set_flags(bc->b, LDB_FLAG_STANDALONE);
}

static dla_status run(build *B, void **bytes, size_t *size)
{
    cc_build_ctx *bc = &B->bc;
    const ir_graph *g = bc->g;
    const cc_build_options *o = bc->o;
    cc_io_format fi[64], fo[64];
    int n_fi, n_fo;
    BASE_TRY(cc_parse_io_formats("--inputIOFormats", o->input_formats, fi, 64, &n_fi));
    BASE_TRY(cc_parse_io_formats("--outputIOFormats", o->output_formats, fo, 64, &n_fo));
    BASE_TRY(cc_parse_mem_pools(o->mem_pool_size, bc->limit));
    if (!(bc->strings = base_arena_create()))
        return nomem();
    BASE_TRY(make_segments(B));
    if (o->standalone)
        BASE_TRY(check_standalone(B));
    use *u = malloc(sizeof *u * ((size_t)g->n_tensors + 1));
    bc->xt_host = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
    bc->xt_dla = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
    if (!u || !bc->xt_host || !bc->xt_dla) {
        free(u);
        return nomem();
    }
    for (int t = 0; t < g->n_tensors; t++)
        bc->xt_host[t] = bc->xt_dla[t] = -1;
    uses(B, u);
    dla_status st = network_inputs(B, u, fi, n_fi);
    if (st == DLA_OK)
        st = network_outputs(B, u, fo, n_fo);
    if (st == DLA_OK)
        st = intermediates(B, u);
    free(u);
    BASE_TRY(st);
    BASE_TRY(ldb_builder_create(&bc->b));
    set_info(B);
    BASE_TRY(emit_tasks(B));
    return ldb_finish(bc->b, bytes, size);
}

dla_status cc_build(const ir_graph *g, const cc_placement *pl, const cc_build_options *o, void **bytes,
                    size_t *size)
{
    *bytes = NULL;
    *size = 0;
    if (!o || !o->prec || o->prec->n_tensors != g->n_tensors || o->prec->n_subgraphs != pl->n_subgraphs ||
        pl->n_nodes != g->n_nodes)
        return base_error(DLA_ERR_INVALID_ARG, "cc_build: the precision plan and placement must be made for this "
                          "graph");
    build B;
    memset(&B, 0, sizeof B);
    B.bc.g = g;
    B.bc.pl = pl;
    B.bc.o = o;
    dla_status st = run(&B, bytes, size);
    ldb_builder_destroy(B.bc.b);
    for (int k = 0; k < B.n_segs; k++) {
        free(B.segs[k].ids);
        free(B.segs[k].post);
    }
    free(B.segs);
    free(B.seg_of_node);
    free(B.pre);
    free(B.bc.xt);
    free(B.bc.xt_host);
    free(B.bc.xt_dla);
    if (B.bc.strings)
        base_arena_destroy(B.bc.strings);
    return st;
}
