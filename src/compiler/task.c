/* The task builder: what the lowering of one DLA subgraph talks to (backend.h's cc_tb_* functions). It hands out
 * surfaces (address-list entries for tensors), takes constants, LUTs and engine ops, and at the end plans the
 * activation arena by liveness and adds the task to the loadable (cc_tb_finish). */
#include "compiler/sparsity.h"
#include "compiler/tb.h"
#include "engine/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ADDR_ACT = 0, ADDR_CONST = 1, ADDR_XT = 2 };

typedef struct tb_addr {
    int kind;
    uint64_t size;
    uint64_t offset; /* CONST: inside the weights; ACT: planned */
    int xt;          /* XT: descriptor index in bc->xt */
    int first, last; /* ACT: ops touching it (-1: none yet) */
} tb_addr;

typedef struct tb_layer {
    char *name;
    const char *precision;
    uint32_t first, count, units;
} tb_layer;

struct cc_task_builder {
    cc_build_ctx *bc;
    const ir_graph *g;
    char *name;
    const int *node_ids;
    int n_nodes;
    uint32_t batch;   /* images per tensor (scratch cubes are allocated for all of them) */
    uint8_t *member;  /* per node id: in this task */
    uint8_t *marked;  /* per node id: lowered */
    uint8_t *has;     /* per tensor id: surface made */
    cc_surface *surf; /* per tensor id */
    int *alias_of;    /* per tensor id: -1, or the tensor whose storage it shares */
    uint32_t *alias_off;
    tb_addr *addr;
    int n_addr, cap_addr;
    uint8_t *w;       /* the task's constants */
    size_t w_size, w_cap;
    eng_lut *luts;
    int n_luts, cap_luts;
    eng_op *ops;
    int n_ops, cap_ops;
    tb_layer *layers;
    int n_layers, cap_layers;
};

static dla_status nomem(void) { return base_error(DLA_ERR_NOMEM, "out of memory in the task builder"); }

/* Grows *p (n elements used, *cap allocated, elem bytes each) to hold one more. */
static int grow(void **p, int n, int *cap, size_t elem)
{
    if (n < *cap)
        return 1;
    int nc = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return 0;
    *p = q;
    *cap = nc;
    return 1;
}

dla_status cc_tb_create(cc_build_ctx *bc, const int *node_ids, int n, const char *name, cc_task_builder **out)
{
    *out = NULL;
    const ir_graph *g = bc->g;
    cc_task_builder *tb = calloc(1, sizeof *tb);
    if (!tb)
        return nomem();
    size_t nt = (size_t)g->n_tensors + 1, nn = (size_t)g->n_nodes + 1;
    tb->bc = bc;
    tb->g = g;
    tb->node_ids = node_ids;
    tb->n_nodes = n;
    tb->name = strdup(name);
    tb->member = calloc(nn, 1);
    tb->marked = calloc(nn, 1);
    tb->has = calloc(nt, 1);
    tb->surf = calloc(nt, sizeof *tb->surf);
    tb->alias_of = malloc(nt * sizeof(int));
    tb->alias_off = calloc(nt, sizeof(uint32_t));
    if (!tb->name || !tb->member || !tb->marked || !tb->has || !tb->surf || !tb->alias_of || !tb->alias_off) {
        cc_tb_destroy(tb);
        return nomem();
    }
    for (size_t i = 0; i < nt; i++)
        tb->alias_of[i] = -1;
    tb->batch = 1;
    for (int i = 0; i < n; i++) {
        const ir_node *nd = g->nodes[node_ids[i]];
        uint32_t v[4];
        tb->member[node_ids[i]] = 1;
        if (nd->n_out && nd->out[0] && ir_tensor_shape_known(nd->out[0]) && cc_tensor_nchw(nd->out[0], v) == DLA_OK &&
            v[0] > tb->batch)
            tb->batch = v[0];
    }
    *out = tb;
    return DLA_OK;
}

void cc_tb_destroy(cc_task_builder *tb)
{
    if (!tb)
        return;
    for (int i = 0; i < tb->n_layers; i++)
        free(tb->layers[i].name);
    free(tb->layers);
    free(tb->ops);
    free(tb->luts);
    free(tb->w);
    free(tb->addr);
    free(tb->alias_off);
    free(tb->alias_of);
    free(tb->surf);
    free(tb->has);
    free(tb->marked);
    free(tb->member);
    free(tb->name);
    free(tb);
}

/* ---- surfaces --------------------------------------------------------------------------------------------- */

static int new_addr(cc_task_builder *tb, int kind, uint64_t size, uint64_t offset, int xt)
{
    if (tb->n_addr >= INT16_MAX || !grow((void **)&tb->addr, tb->n_addr, &tb->cap_addr, sizeof *tb->addr))
        return -1;
    tb->addr[tb->n_addr] = (tb_addr){kind, size, offset, xt, -1, -1};
    return tb->n_addr++;
}

/* The surface of a tensor that lives in its own cross-task memory entry. */
static dla_status xt_surface(cc_task_builder *tb, const ir_tensor *t, int x, cc_surface *s)
{
    cc_xt *d = &tb->bc->xt[x];
    if (d->format == LDB_FMT_NCHW)
        return base_error(DLA_ERR_INTERNAL, "task '%s': tensor '%s' has no DLA-side descriptor", tb->name,
                          t->name);
    int a = -1;
    for (int i = 0; i < tb->n_addr; i++) /* one address entry per descriptor */
        if (tb->addr[i].kind == ADDR_XT && tb->addr[i].xt == x)
            a = i;
    if (a < 0 && (a = new_addr(tb, ADDR_XT, d->size, 0, x)) < 0)
        return nomem();
    s->mem = (int16_t)a;
    s->offset = 0;
    s->geom = d->geom;
    s->prec = d->prec;
    s->scale = d->prec == CC_PREC_INT8 ? d->scale : 0;
    return DLA_OK;
}

static dla_status internal_surface(cc_task_builder *tb, const ir_tensor *t, cc_surface *s)
{
    const cc_precision_plan *pp = tb->bc->o->prec;
    uint32_t v[4];
    BASE_TRY(cc_tensor_nchw(t, v));
    cc_prec p = pp->tensor[t->id];
    dla_status st = eng_geom_make((int)v[1], (int)v[2], (int)v[3], p == CC_PREC_INT8 ? ENG_INT8 : ENG_FP16,
                                  ENG_LAYOUT_FEATURE, &s->geom);
    if (st != DLA_OK)
        return base_error(st, "task '%s': tensor '%s' (%ux%ux%u) has no DLA surface: %s", tb->name, t->name, v[1],
                          v[2], v[3], dla_last_error());
    int a = new_addr(tb, ADDR_ACT, (uint64_t)v[0] * s->geom.size, 0, -1);
    if (a < 0)
        return nomem();
    s->mem = (int16_t)a;
    s->offset = 0;
    s->prec = p;
    s->scale = p == CC_PREC_INT8 ? pp->scale[t->id] : 0;
    return DLA_OK;
}

dla_status cc_tb_surface(cc_task_builder *tb, const ir_tensor *t, cc_surface *out)
{
    if (tb->has[t->id]) {
        *out = tb->surf[t->id];
        return DLA_OK;
    }
    cc_surface s;
    memset(&s, 0, sizeof s);
    int target = tb->alias_of[t->id];
    if (target >= 0) {
        cc_surface base;
        BASE_TRY(cc_tb_surface(tb, tb->g->tensors[target], &base));
        uint32_t v[4];
        BASE_TRY(cc_tensor_nchw(t, v));
        s = base;
        s.offset = base.offset + tb->alias_off[t->id];
        dla_status st = eng_geom_make((int)v[1], (int)v[2], (int)v[3], base.geom.precision, base.geom.layout,
                                      &s.geom);
        if (st != DLA_OK)
            return base_error(st, "task '%s': alias '%s': %s", tb->name, t->name, dla_last_error());
        /* an alias keeps its base's strides: it is a window into the same cube */
        s.geom.line_stride = base.geom.line_stride;
        s.geom.surf_stride = base.geom.surf_stride;
    } else if (tb->bc->xt_dla[t->id] >= 0) {
        BASE_TRY(xt_surface(tb, t, tb->bc->xt_dla[t->id], &s));
    } else {
        BASE_TRY(internal_surface(tb, t, &s));
    }
    tb->surf[t->id] = s;
    tb->has[t->id] = 1;
    *out = s;
    return DLA_OK;
}

dla_status cc_tb_alias(cc_task_builder *tb, const ir_tensor *alias, const ir_tensor *t, uint32_t offset)
{
    if (tb->has[alias->id] || tb->has[t->id])
        return base_error(DLA_ERR_INTERNAL, "task '%s': alias '%s' -> '%s' after one of them was used", tb->name,
                          alias->name, t->name);
    if (tb->bc->xt_dla[alias->id] >= 0)
        return base_error(DLA_ERR_UNSUPPORTED, "task '%s': tensor '%s' crosses a task boundary and has its own "
                          "memory, so it cannot alias '%s' (copy it instead)", tb->name, alias->name, t->name);
    if (offset % ENG_ATOM_BYTES)
        return base_error(DLA_ERR_INVALID_ARG, "task '%s': alias '%s' at offset %u is not %d-byte aligned",
                          tb->name, alias->name, offset, ENG_ATOM_BYTES);
    for (int x = t->id; x >= 0; x = tb->alias_of[x])
        if (x == alias->id)
            return base_error(DLA_ERR_INTERNAL, "task '%s': alias '%s' -> '%s' makes a cycle", tb->name,
                              alias->name, t->name);
    tb->alias_of[alias->id] = t->id;
    tb->alias_off[alias->id] = offset;
    return DLA_OK;
}

dla_status cc_tb_scratch(cc_task_builder *tb, const char *name, const eng_geom *geom, cc_surface *out)
{
    memset(out, 0, sizeof *out);
    if (!geom || !geom->size)
        return base_error(DLA_ERR_INVALID_ARG, "task '%s': scratch '%s' has an empty geometry", tb->name,
                          name ? name : "?");
    int a = new_addr(tb, ADDR_ACT, (uint64_t)tb->batch * geom->size, 0, -1);
    if (a < 0)
        return nomem();
    out->mem = (int16_t)a;
    out->geom = *geom;
    out->prec = geom->precision == ENG_INT8 ? CC_PREC_INT8 : CC_PREC_FP16;
    return DLA_OK;
}

cc_prec cc_tb_prec(const cc_task_builder *tb, const ir_tensor *t)
{
    int x = tb->bc->xt_dla[t->id];
    if (x >= 0 && tb->bc->xt[x].format != LDB_FMT_NCHW)
        return tb->bc->xt[x].prec;
    return tb->bc->o->prec->tensor[t->id];
}

float cc_tb_scale(const cc_task_builder *tb, const ir_tensor *t)
{
    int x = tb->bc->xt_dla[t->id];
    if (x >= 0 && tb->bc->xt[x].format != LDB_FMT_NCHW)
        return tb->bc->xt[x].prec == CC_PREC_INT8 ? tb->bc->xt[x].scale : 0;
    return tb->bc->o->prec->tensor[t->id] == CC_PREC_INT8 ? tb->bc->o->prec->scale[t->id] : 0;
}

cc_sparsity cc_tb_sparsity(const cc_task_builder *tb)
{
    return cc_sparse_for_platform((cc_sparsity)tb->bc->o->sparsity, tb->bc->o->target.platform);
}

/* ---- constants, LUTs, ops --------------------------------------------------------------------------------- */

dla_status cc_tb_const(cc_task_builder *tb, const char *name, const void *data, size_t size, int16_t *mem)
{
    if (!size)
        return base_error(DLA_ERR_INVALID_ARG, "task '%s': constant '%s' is empty", tb->name, name ? name : "?");
    size_t off = (tb->w_size + 63) / 64 * 64;
    if (off + size > tb->w_cap) {
        size_t cap = tb->w_cap ? tb->w_cap : 4096;
        while (cap < off + size)
            cap *= 2;
        uint8_t *w = realloc(tb->w, cap);
        if (!w)
            return nomem();
        tb->w = w;
        tb->w_cap = cap;
    }
    memset(tb->w + tb->w_size, 0, off - tb->w_size);
    memcpy(tb->w + off, data, size);
    tb->w_size = off + size;
    int a = new_addr(tb, ADDR_CONST, size, off, -1);
    if (a < 0)
        return nomem();
    *mem = (int16_t)a;
    return DLA_OK;
}

dla_status cc_tb_lut(cc_task_builder *tb, const eng_lut *lut, int16_t *index)
{
    if (tb->n_luts >= INT16_MAX || !grow((void **)&tb->luts, tb->n_luts, &tb->cap_luts, sizeof *tb->luts))
        return nomem();
    tb->luts[tb->n_luts] = *lut;
    *index = (int16_t)tb->n_luts++;
    return DLA_OK;
}

/* Calls fn on every memory cube of op (unused cubes have size 0 and are skipped). */
static void each_cube(eng_op *op, void (*fn)(cc_task_builder *, eng_cube *, int), cc_task_builder *tb)
{
    eng_cube *c[8];
    int n = 0;
    switch (op->type) {
    case ENG_OP_CONV: c[n++] = &op->u.conv.src; c[n++] = &op->u.conv.weight; c[n++] = &op->u.conv.dst; break;
    case ENG_OP_SDP:
        c[n++] = &op->u.sdp.src; c[n++] = &op->u.sdp.x1_data; c[n++] = &op->u.sdp.x2_data;
        c[n++] = &op->u.sdp.y_data; c[n++] = &op->u.sdp.dst;
        break;
    case ENG_OP_PDP: c[n++] = &op->u.pdp.src; c[n++] = &op->u.pdp.dst; break;
    case ENG_OP_CDP: c[n++] = &op->u.cdp.src; c[n++] = &op->u.cdp.dst; break;
    case ENG_OP_RUBIK: c[n++] = &op->u.rubik.src; c[n++] = &op->u.rubik.dst; break;
    default: break;
    }
    for (int i = 0; i < n; i++)
        if (c[i]->mem_type != ENG_MEM_HW && c[i]->size && c[i]->mem >= 0)
            fn(tb, c[i], op->index);
}

static void touch(cc_task_builder *tb, int mem, int op)
{
    if (mem < 0 || mem >= tb->n_addr)
        return;
    tb_addr *a = &tb->addr[mem];
    if (a->first < 0 || op < a->first)
        a->first = op;
    if (op > a->last)
        a->last = op;
}

static void touch_cube(cc_task_builder *tb, eng_cube *c, int op) { touch(tb, c->mem, op); }

dla_status cc_tb_add_op(cc_task_builder *tb, const eng_op *op, const char *layer_name, const char *precision)
{
    if (!grow((void **)&tb->ops, tb->n_ops, &tb->cap_ops, sizeof *tb->ops) || tb->n_ops >= INT16_MAX)
        return nomem();
    if (op->type >= ENG_OP_TYPE_COUNT)
        return base_error(DLA_ERR_INTERNAL, "task '%s': op of unknown type %d", tb->name, op->type);
    const char *lname = layer_name && *layer_name ? layer_name : "(unnamed)";
    const char *prec = precision && strcmp(precision, "INT8") == 0 ? "INT8" : "FP16";
    tb_layer *l = tb->n_layers ? &tb->layers[tb->n_layers - 1] : NULL;
    if (!l || strcmp(l->name, lname) != 0 || l->precision != prec || l->first + l->count != (uint32_t)tb->n_ops) {
        if (!grow((void **)&tb->layers, tb->n_layers, &tb->cap_layers, sizeof *tb->layers))
            return nomem();
        l = &tb->layers[tb->n_layers];
        *l = (tb_layer){strdup(lname), prec, (uint32_t)tb->n_ops, 0, 0};
        if (!l->name)
            return nomem();
        tb->n_layers++;
    }
    eng_op *o = &tb->ops[tb->n_ops];
    *o = *op;
    o->index = (int16_t)tb->n_ops;
    o->layer = (uint32_t)(tb->n_layers - 1);
    l->count++;
    l->units |= 1u << op->type;
    tb->n_ops++;
    each_cube(o, touch_cube, tb);
    if (o->type == ENG_OP_BDMA)
        for (int i = 0; i < o->u.bdma.num_transfers && i < ENG_BDMA_MAX_TRANSFERS; i++) {
            touch(tb, o->u.bdma.transfers[i].src_mem, o->index);
            touch(tb, o->u.bdma.transfers[i].dst_mem, o->index);
        }
    return DLA_OK;
}

void cc_tb_mark(cc_task_builder *tb, const ir_node *n) { tb->marked[n->id] = 1; }
int cc_tb_is_marked(const cc_task_builder *tb, const ir_node *n) { return tb->marked[n->id]; }

/* ---- finishing -------------------------------------------------------------------------------------------- */

static int reads_pipe(const eng_op *o)
{
    const eng_cube *src = o->type == ENG_OP_SDP ? &o->u.sdp.src : o->type == ENG_OP_PDP ? &o->u.pdp.src : NULL;
    return src && src->mem_type == ENG_MEM_HW;
}

/* Dependencies (reference/engine.md §2.3, ONNC's convention): the ops run as a chain in list order. An op reading
 * memory waits for the previous op's COMPLETED event. A fused follower (source on the fly from the op before it)
 * waits for its parent's PROGRAMMED event, and its parent waits for the follower's ENABLED event (fused_parent),
 * so the downstream unit is enabled before the upstream one. */
static void link_ops(cc_task_builder *tb)
{
    for (int i = 0; i < tb->n_ops; i++) {
        eng_op *o = &tb->ops[i];
        o->dependency_count = 0;
        for (int k = 0; k < ENG_MAX_CONSUMERS; k++)
            o->consumers[k] = (eng_consumer){-1, 0, 0};
        o->fused_parent = (eng_consumer){-1, 0, 0};
    }
    for (int i = 0; i + 1 < tb->n_ops; i++) {
        eng_op *o = &tb->ops[i], *nx = &tb->ops[i + 1];
        if (reads_pipe(nx)) {
            o->consumers[nx->type] = (eng_consumer){(int16_t)(i + 1), ENG_EVENT_PROGRAMMED, 0};
            nx->fused_parent = (eng_consumer){(int16_t)i, ENG_EVENT_ENABLED, 0};
            o->dependency_count++;
        } else {
            o->consumers[nx->type] = (eng_consumer){(int16_t)(i + 1), ENG_EVENT_COMPLETED, 0};
        }
        nx->dependency_count++;
    }
}

static void to_sram(cc_task_builder *tb, eng_cube *c, int op)
{
    (void)op;
    if (c->mem < tb->n_addr && tb->addr[c->mem].kind == ADDR_ACT)
        c->mem_type = ENG_MEM_SRAM;
}

static dla_status check_marked(const cc_task_builder *tb)
{
    for (int i = 0; i < tb->n_nodes; i++) {
        const ir_node *n = tb->g->nodes[tb->node_ids[i]];
        if (!tb->marked[n->id])
            return base_error(DLA_ERR_INTERNAL, "task '%s': %s '%s' was not lowered", tb->name, n->op_type,
                              n->name);
    }
    return DLA_OK;
}

/* Plans the arena: one interval per activation address entry that ops touch (untouched ones get a slot too). */
static dla_status plan_arena(cc_task_builder *tb, uint64_t *arena)
{
    int n = 0;
    cc_interval *iv = calloc((size_t)tb->n_addr + 1, sizeof *iv);
    int *which = calloc((size_t)tb->n_addr + 1, sizeof *which);
    if (!iv || !which) {
        free(iv);
        free(which);
        return nomem();
    }
    for (int i = 0; i < tb->n_addr; i++) {
        const tb_addr *a = &tb->addr[i];
        if (a->kind != ADDR_ACT)
            continue;
        iv[n] = (cc_interval){a->size, a->first < 0 ? 0 : a->first, a->last < 0 ? tb->n_ops : a->last, 0};
        which[n++] = i;
    }
    dla_status st = cc_plan_intervals(iv, n, 64, arena);
    for (int k = 0; st == DLA_OK && k < n; k++)
        tb->addr[which[k]].offset = iv[k].offset;
    free(iv);
    free(which);
    return st;
}

static uint32_t add_mem(ldb_builder *b, const char *name, uint64_t size, int pool, uint8_t flags, uint32_t blob)
{
    return ldb_add_memory(b, &(ldb_memory){.name = name, .size = size, .alignment = 64,
                                           .domain = pool == LDB_POOL_SRAM ? LDB_DOMAIN_SRAM : LDB_DOMAIN_DRAM,
                                           .flags = flags, .pool = (uint8_t)pool, .bind_id = LDB_NONE,
                                           .tensor = LDB_NONE, .blob = blob});
}

/* Memory entries for the arena and the weights, checked against the pools; *arena_mem / *w_mem (LDB_NONE when
 * empty). */
static dla_status add_task_memory(cc_task_builder *tb, uint64_t arena, uint32_t *arena_mem, uint32_t *w_mem)
{
    cc_build_ctx *bc = tb->bc;
    char name[300];
    *arena_mem = *w_mem = LDB_NONE;
    if (tb->w_size > bc->limit[LDB_POOL_GLOBAL_DRAM])
        return base_error(DLA_ERR_UNSUPPORTED, "%s: DLA task '%s' needs %zu bytes of weights, above the pool's "
                          "limit of %llu bytes", cc_pool_flag(LDB_POOL_GLOBAL_DRAM), tb->name, tb->w_size,
                          (unsigned long long)bc->limit[LDB_POOL_GLOBAL_DRAM]);
    int pool = arena <= bc->limit[LDB_POOL_SRAM] ? LDB_POOL_SRAM : LDB_POOL_LOCAL_DRAM;
    if (pool == LDB_POOL_LOCAL_DRAM && arena > bc->limit[LDB_POOL_LOCAL_DRAM])
        return base_error(DLA_ERR_UNSUPPORTED, "%s: DLA task '%s' needs %llu bytes of intermediate tensors, above "
                          "the pool's limit of %llu bytes", cc_pool_flag(LDB_POOL_LOCAL_DRAM), tb->name,
                          (unsigned long long)arena, (unsigned long long)bc->limit[LDB_POOL_LOCAL_DRAM]);
    if (arena) {
        snprintf(name, sizeof name, "%s/activations", tb->name);
        *arena_mem = add_mem(bc->b, name, arena, pool, LDB_MEM_ALLOC, LDB_NONE);
        if (pool == LDB_POOL_SRAM)
            for (int i = 0; i < tb->n_ops; i++)
                each_cube(&tb->ops[i], to_sram, tb);
    }
    if (tb->w_size) {
        snprintf(name, sizeof name, "%s/weights", tb->name);
        uint32_t blob = ldb_add_blob(bc->b, name, LDB_BLOB_WEIGHTS, tb->w, tb->w_size);
        *w_mem = add_mem(bc->b, name, tb->w_size, LDB_POOL_GLOBAL_DRAM, LDB_MEM_ALLOC | LDB_MEM_SET, blob);
    }
    return DLA_OK;
}

/* The task's input and output descriptors: cross-task tensors its nodes read (produced elsewhere) or write. */
static dla_status io_lists(cc_task_builder *tb, uint32_t **in, int *n_in, uint32_t **out, int *n_out)
{
    const cc_build_ctx *bc = tb->bc;
    *in = calloc((size_t)tb->n_addr + 1, sizeof(uint32_t));
    *out = calloc((size_t)tb->n_addr + 1, sizeof(uint32_t));
    *n_in = *n_out = 0;
    if (!*in || !*out)
        return nomem();
    for (int i = 0; i < tb->n_addr; i++) {
        if (tb->addr[i].kind != ADDR_XT)
            continue;
        const cc_xt *x = &bc->xt[tb->addr[i].xt];
        const ir_tensor *t = tb->g->tensors[x->tensor];
        int produced_here = t->producer && tb->member[t->producer->id];
        if (produced_here)
            (*out)[(*n_out)++] = x->desc;
        else
            (*in)[(*n_in)++] = x->desc;
    }
    return DLA_OK;
}

/* The descriptor an op writes when its output is a cross-task tensor, else LDB_NONE. */
static uint32_t op_out_desc(const cc_task_builder *tb, const eng_op *o)
{
    const eng_cube *d = o->type == ENG_OP_SDP     ? &o->u.sdp.dst
                        : o->type == ENG_OP_PDP   ? &o->u.pdp.dst
                        : o->type == ENG_OP_CDP   ? &o->u.cdp.dst
                        : o->type == ENG_OP_RUBIK ? &o->u.rubik.dst
                                                  : NULL;
    int mem = d ? (d->mem_type == ENG_MEM_HW ? -1 : d->mem)
                : o->type == ENG_OP_BDMA && o->u.bdma.num_transfers ? o->u.bdma.transfers[0].dst_mem : -1;
    if (mem < 0 || mem >= tb->n_addr || tb->addr[mem].kind != ADDR_XT)
        return LDB_NONE;
    return tb->bc->xt[tb->addr[mem].xt].desc;
}

static dla_status add_task(cc_task_builder *tb, uint32_t arena_mem, uint32_t w_mem, const uint32_t *wait,
                           int n_wait, uint32_t signal)
{
    cc_build_ctx *bc = tb->bc;
    uint32_t *addrs = calloc((size_t)tb->n_addr + 1, sizeof *addrs);
    uint8_t *ops = calloc((size_t)tb->n_ops + 1, ENG_OP_RECORD_BYTES);
    uint8_t *luts = calloc((size_t)tb->n_luts + 1, ENG_LUT_RECORD_BYTES);
    ldb_layer *layers = calloc((size_t)tb->n_layers + 1, sizeof *layers);
    uint32_t *in = NULL, *out = NULL;
    int n_in = 0, n_out = 0;
    dla_status st = addrs && ops && luts && layers ? io_lists(tb, &in, &n_in, &out, &n_out) : nomem();
    for (int i = 0; st == DLA_OK && i < tb->n_addr; i++) {
        const tb_addr *a = &tb->addr[i];
        uint32_t mem = a->kind == ADDR_ACT ? arena_mem : a->kind == ADDR_CONST ? w_mem : bc->xt[a->xt].mem;
        addrs[i] = ldb_add_address(bc->b, &(ldb_address){.mem = mem, .offset = a->offset, .size = a->size});
    }
    ldb_task t = {.type = LDB_TASK_DLA, .core = -1, .name = tb->name, .addresses = addrs,
                  .n_addresses = (uint32_t)tb->n_addr, .wait_events = wait, .n_wait = (uint32_t)n_wait,
                  .signal_events = &signal, .n_signal = 1, .inputs = in, .n_inputs = (uint32_t)n_in,
                  .outputs = out, .n_outputs = (uint32_t)n_out, .layers = layers,
                  .n_layers = (uint32_t)tb->n_layers};
    for (int i = 0; st == DLA_OK && i < tb->n_ops; i++) {
        eng_op_encode(&tb->ops[i], ops + (size_t)i * ENG_OP_RECORD_BYTES);
        t.ops_per_unit[tb->ops[i].type]++;
    }
    for (int i = 0; st == DLA_OK && i < tb->n_luts; i++)
        eng_lut_encode(&tb->luts[i], luts + (size_t)i * ENG_LUT_RECORD_BYTES);
    for (int i = 0; i < tb->n_layers && layers; i++)
        layers[i] = (ldb_layer){tb->layers[i].name, tb->layers[i].precision, tb->layers[i].first,
                                tb->layers[i].count, tb->layers[i].units,
                                op_out_desc(tb, &tb->ops[tb->layers[i].first + tb->layers[i].count - 1])};
    if (tb->n_ops)
        t.ops = (ldb_records){ops, (uint32_t)tb->n_ops, ENG_OP_RECORD_BYTES, 0};
    if (tb->n_luts)
        t.luts = (ldb_records){luts, (uint32_t)tb->n_luts, ENG_LUT_RECORD_BYTES, 0};
    if (st == DLA_OK)
        ldb_add_task(bc->b, &t);
    free(addrs);
    free(ops);
    free(luts);
    free(layers);
    free(in);
    free(out);
    return st;
}

dla_status cc_tb_finish(cc_task_builder *tb, const uint32_t *wait, int n_wait, uint32_t signal)
{
    BASE_TRY(check_marked(tb));
    uint64_t arena = 0;
    BASE_TRY(plan_arena(tb, &arena));
    link_ops(tb);
    uint32_t arena_mem, w_mem;
    BASE_TRY(add_task_memory(tb, arena, &arena_mem, &w_mem));
    return add_task(tb, arena_mem, w_mem, wait, n_wait, signal);
}
