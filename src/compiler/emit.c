/* Emission into the loadable: cross-task tensor descriptors with their memory entries, HOST tasks (extracted
 * subgraphs, serialized by the caller's callback), reformat HOST tasks (one Identity node), DLA tasks (the
 * lowering through a task builder), and the event chain (task i signals event i and waits on event i - 1). */
#include "compiler/tb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dla_status nomem(void) { return base_error(DLA_ERR_NOMEM, "out of memory writing the loadable"); }

dla_status cc_tensor_nchw(const ir_tensor *t, uint32_t v[4])
{
    if (!ir_tensor_shape_known(t))
        return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s' has no static shape (set it with --shapes)", t->name);
    int64_t d[4] = {1, 1, 1, 1}; /* the lowering's rule (lower.h): n = d0, c = d1, h = d2, w = d3 * d4 ... */
    int r = t->rank;
    if (r == 1)
        d[1] = t->dims[0];
    for (int i = 0; r >= 2 && i < r; i++)
        d[i < 3 ? i : 3] *= t->dims[i];
    for (int i = 0; i < 4; i++) {
        if (d[i] < 0 || d[i] > UINT32_MAX)
            return base_error(DLA_ERR_UNSUPPORTED, "tensor '%s': dimension %lld does not fit", t->name,
                              (long long)d[i]);
        v[i] = (uint32_t)d[i];
    }
    return DLA_OK;
}

/* ---- descriptors ------------------------------------------------------------------------------------------ */

int cc_xt_add(cc_build_ctx *bc, const ir_tensor *t, const char *name, uint8_t dtype, uint8_t format, cc_prec prec,
              float scale)
{
    if (bc->n_xt == bc->cap_xt) {
        int cap = bc->cap_xt ? bc->cap_xt * 2 : 16;
        cc_xt *x = realloc(bc->xt, sizeof *x * (size_t)cap);
        if (!x) {
            nomem();
            return -1;
        }
        bc->xt = x;
        bc->cap_xt = cap;
    }
    cc_xt *x = &bc->xt[bc->n_xt];
    memset(x, 0, sizeof *x);
    x->name = name;
    x->tensor = t->id;
    x->dtype = dtype;
    x->format = format;
    x->prec = prec;
    x->scale = scale;
    x->bind_id = LDB_NONE;
    x->mem = x->desc = LDB_NONE;
    if (format == LDB_FMT_NCHW && !ir_tensor_shape_known(t)) {
        size_t es = ldb_dtype_size(dtype);
        x->dynamic = 1;
        x->size = cc_dynamic_capacity(t, es ? es : 1);
        return bc->n_xt++;
    }
    uint32_t v[4];
    if (cc_tensor_nchw(t, v) != DLA_OK)
        return -1;
    x->n = v[0];
    x->c = v[1];
    x->h = v[2];
    x->w = v[3];
    if (format == LDB_FMT_NCHW) {
        size_t es = ldb_dtype_size(dtype);
        int64_t numel = ir_tensor_numel(t);
        x->size = (uint64_t)(numel > 0 ? numel : 0) * es;
        if (!x->size)
            x->size = es ? es : 1; /* an empty tensor still gets a (tiny) memory entry */
    } else {
        eng_layout lay = format == LDB_FMT_DLA_LINEAR ? ENG_LAYOUT_LINEAR
                         : format == LDB_FMT_DLA_HWC4 ? ENG_LAYOUT_HWC4
                                                      : ENG_LAYOUT_FEATURE;
        dla_status st = eng_geom_make((int)v[1], (int)v[2], (int)v[3], prec == CC_PREC_INT8 ? ENG_INT8 : ENG_FP16,
                                      lay, &x->geom);
        if (st != DLA_OK) {
            base_error(st, "tensor '%s' (%ux%ux%u) cannot be stored in %s: %s", t->name, v[1], v[2], v[3],
                       ldb_format_name(format), dla_last_error());
            return -1;
        }
        x->size = (uint64_t)v[0] * x->geom.size;
    }
    return bc->n_xt++;
}

/* Strides of the descriptor (tb.h): dense for NCHW, the 4-D view's for the DLA formats. */
static void fill_strides(const cc_xt *x, const ir_tensor *t, ldb_tensor *d)
{
    int r = t->rank;
    if (x->format == LDB_FMT_NCHW) {
        uint64_t s = ldb_dtype_size(x->dtype);
        for (int i = r - 1; i >= 0; i--) {
            d->strides[i] = s;
            s *= (uint64_t)t->dims[i];
        }
        return;
    }
    const eng_geom *g = &x->geom;
    uint64_t sw = g->layout == ENG_LAYOUT_FEATURE ? ENG_ATOM_BYTES
                  : g->layout == ENG_LAYOUT_HWC4  ? (uint64_t)g->atom_c * g->elem_bytes
                                                  : g->elem_bytes;
    uint64_t sc = g->layout == ENG_LAYOUT_HWC4 ? g->elem_bytes : g->surf_stride;
    if (r == 0)
        return;
    if (r == 1) {
        d->strides[0] = sc;
        return;
    }
    d->strides[0] = g->size;
    d->strides[1] = sc;
    if (r >= 3)
        d->strides[2] = g->line_stride;
    uint64_t s = sw; /* dims 3.. are one W axis, dense */
    for (int i = r - 1; i >= 3; i--) {
        d->strides[i] = s;
        s *= (uint64_t)t->dims[i];
    }
}

dla_status cc_xt_emit_all(cc_build_ctx *bc)
{
    for (int i = 0; i < bc->n_xt; i++) {
        cc_xt *x = &bc->xt[i];
        const ir_tensor *t = bc->g->tensors[x->tensor];
        uint8_t flags = x->io == 1 ? LDB_MEM_INPUT : x->io == 2 ? LDB_MEM_OUTPUT : LDB_MEM_ALLOC;
        x->desc = (uint32_t)i; /* descriptors are added in xt order, first thing in the loadable */
        x->mem = ldb_add_memory(bc->b, &(ldb_memory){.name = x->name, .size = x->size, .alignment = 64,
                                                     .domain = LDB_DOMAIN_DRAM, .flags = flags,
                                                     .pool = LDB_POOL_LOCAL_DRAM, .bind_id = x->bind_id,
                                                     .tensor = x->io ? x->desc : LDB_NONE, .blob = LDB_NONE});
        ldb_tensor d;
        memset(&d, 0, sizeof d);
        d.name = x->name;
        d.mem = x->mem;
        d.size = x->size;
        d.dtype = x->dtype;
        d.format = x->format;
        d.rank = (uint8_t)(t->rank > 0 ? t->rank : 0);
        if (x->dtype == LDB_DT_INT8 && x->scale > 0) {
            d.flags = LDB_TENSOR_HAS_SCALE;
            d.scale = x->scale;
        }
        if (x->dynamic) { /* dims as far as known at build time; the runtime reports the actual ones */
            d.flags |= LDB_TENSOR_DYNAMIC;
            d.rank = (uint8_t)cc_dynamic_shape(t, d.dims);
            if (ldb_add_tensor(bc->b, &d) != (uint32_t)i)
                return nomem();
            continue;
        }
        d.n = x->n;
        d.c = x->c;
        d.h = x->h;
        d.w = x->w;
        for (int k = 0; k < t->rank; k++)
            d.dims[k] = t->dims[k];
        fill_strides(x, t, &d);
        if (ldb_add_tensor(bc->b, &d) != (uint32_t)i)
            return nomem();
    }
    return DLA_OK;
}

/* ---- tasks ------------------------------------------------------------------------------------------------ */

/* The next task's event (signalled) and the previous one's (waited on, when there is one). */
static uint32_t next_event(cc_build_ctx *bc, uint32_t *wait, int *n_wait)
{
    *n_wait = bc->n_tasks > 0;
    *wait = (uint32_t)bc->n_tasks - 1;
    return ldb_add_event(bc->b, &(ldb_event){.type = LDB_EVENT_SYNC, .target = 0,
                                              .value = (uint32_t)bc->n_tasks + 1});
}

static dla_status add_host_task(cc_build_ctx *bc, const char *name, const ir_graph *sub, const uint32_t *in,
                                int n_in, const uint32_t *out, int n_out)
{
    void *bytes = NULL;
    size_t size = 0;
    if (!bc->o->serialize)
        return base_error(DLA_ERR_INVALID_ARG, "host task '%s': no serializer for host subgraphs", name);
    BASE_TRY(bc->o->serialize(bc->o->serialize_user, sub, &bytes, &size));
    uint32_t wait;
    int n_wait;
    uint32_t sig = next_event(bc, &wait, &n_wait);
    ldb_task t = {.type = LDB_TASK_HOST, .core = -1, .name = name, .wait_events = &wait,
                  .n_wait = (uint32_t)n_wait, .signal_events = &sig, .n_signal = 1, .inputs = in,
                  .n_inputs = (uint32_t)n_in, .outputs = out, .n_outputs = (uint32_t)n_out,
                  .subgraph = {bytes, size, 0}};
    ldb_add_task(bc->b, &t);
    free(bytes);
    bc->n_tasks++;
    return DLA_OK;
}

/* The descriptor a host task uses for the tensor named `name` of its subgraph. */
static dla_status host_desc(const cc_build_ctx *bc, const char *task, const char *name, uint32_t *out)
{
    const ir_tensor *t = ir_graph_find(bc->g, name);
    int x = t ? bc->xt_host[t->id] : -1;
    if (x < 0)
        return base_error(DLA_ERR_INTERNAL, "host task '%s': tensor '%s' crosses the task boundary without a "
                          "descriptor", task, name);
    *out = bc->xt[x].desc;
    return DLA_OK;
}

dla_status cc_emit_host_task(cc_build_ctx *bc, const int *node_ids, int n, const char *name)
{
    ir_graph *sub = NULL;
    BASE_TRY(ir_graph_extract(bc->g, node_ids, n, &sub));
    uint32_t *in = calloc((size_t)sub->n_inputs + 1, sizeof *in);
    uint32_t *out = calloc((size_t)sub->n_outputs + 1, sizeof *out);
    dla_status st = in && out ? DLA_OK : nomem();
    for (int i = 0; st == DLA_OK && i < sub->n_inputs; i++)
        st = host_desc(bc, name, sub->inputs[i]->name, &in[i]);
    for (int i = 0; st == DLA_OK && i < sub->n_outputs; i++)
        st = host_desc(bc, name, sub->outputs[i]->name, &out[i]);
    if (st == DLA_OK)
        st = add_host_task(bc, name, sub, in, sub->n_inputs, out, sub->n_outputs);
    free(in);
    free(out);
    ir_graph_destroy(sub);
    return st;
}

/* The one-node graph Identity(from) -> to, float32 with the tensor's shape. */
static dla_status identity_graph(const cc_build_ctx *bc, const cc_xt *from, const cc_xt *to, ir_graph **out)
{
    ir_graph *g;
    BASE_TRY(ir_graph_create(&g));
    g->opset = bc->g->opset > 0 ? bc->g->opset : 13;
    const ir_tensor *src = bc->g->tensors[from->tensor];
    ir_tensor *x, *y;
    ir_node *n;
    char name[300];
    snprintf(name, sizeof name, "reformat %s", to->name);
    /* a host-typed integer/bool tensor read by a DLA task: Cast to float (0/1 for bool), then the DLA format */
    int cast = from->format == LDB_FMT_NCHW && from->dtype != LDB_DT_FLOAT && from->dtype != LDB_DT_HALF &&
               to->format != LDB_FMT_NCHW;
    dla_status st = ir_graph_tensor(g, from->name, &x);
    if (st == DLA_OK)
        st = ir_graph_tensor(g, to->name, &y);
    if (st == DLA_OK)
        st = ir_graph_add_node(g, cast ? IR_OP_Cast : IR_OP_Identity, name, 1, 1, cast, &n);
    if (st == DLA_OK) {
        x->dtype = y->dtype = IR_F32;
        if (cast) {
            x->dtype = (ir_dtype)from->dtype;
            n->attrs[0] = (ir_attr){.name = "to", .type = IR_ATTR_INT, .i = IR_F32};
        }
        ir_tensor_set_shape(x, src->rank, src->dims);
        ir_tensor_set_shape(y, src->rank, src->dims);
        n->in[0] = x;
        n->out[0] = y;
        st = ir_graph_add_input(g, x);
    }
    if (st == DLA_OK)
        st = ir_graph_add_output(g, y);
    if (st == DLA_OK)
        st = ir_graph_toposort(g);
    if (st != DLA_OK) {
        ir_graph_destroy(g);
        return st;
    }
    *out = g;
    return DLA_OK;
}

dla_status cc_emit_reformat_task(cc_build_ctx *bc, int from, int to)
{
    ir_graph *g;
    BASE_TRY(identity_graph(bc, &bc->xt[from], &bc->xt[to], &g));
    char name[300];
    snprintf(name, sizeof name, "reformat %s", bc->xt[to].name);
    uint32_t in = bc->xt[from].desc, out = bc->xt[to].desc;
    dla_status st = add_host_task(bc, name, g, &in, 1, &out, 1);
    ir_graph_destroy(g);
    return st;
}

dla_status cc_emit_dla_task(cc_build_ctx *bc, int sg, const int *node_ids, int n)
{
    char name[64];
    snprintf(name, sizeof name, "dla%d", sg);
    cc_task_builder *tb;
    BASE_TRY(cc_tb_create(bc, node_ids, n, name, &tb));
    dla_status st = cc_lower_task(tb, bc->g, node_ids, n);
    if (st == DLA_OK) {
        uint32_t wait;
        int n_wait;
        uint32_t sig = next_event(bc, &wait, &n_wait);
        st = cc_tb_finish(tb, &wait, n_wait, sig);
        if (st == DLA_OK)
            bc->n_tasks++;
    }
    cc_tb_destroy(tb);
    return st;
}
