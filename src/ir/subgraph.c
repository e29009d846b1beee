/* Subgraph extraction: a set of nodes of a graph copied into a new, self-contained graph (constants with their
 * data, boundary tensors as graph inputs and outputs). The compiler stores HOST tasks this way (exported as
 * ONNX) and the tools write rewritten pieces of a model with it. */
#include "ir/ir.h"

#include <stdlib.h>
#include <string.h>

static dla_status nomem(const char *what) { return base_error(DLA_ERR_NOMEM, "extract: out of memory (%s)", what); }

/* A copy of src's metadata (dtype, shape, symbolic dims, quant_scale) and, for constants, its data into dst. */
static dla_status copy_tensor_info(ir_graph *ng, const ir_tensor *src, ir_tensor *dst)
{
    dst->dtype = src->dtype;
    ir_tensor_set_shape(dst, src->rank, src->dims);
    for (int d = 0; d < IR_MAX_RANK; d++) {
        dst->dim_param[d] = NULL;
        if (d < src->rank && src->dim_param[d] && !(dst->dim_param[d] = base_arena_strdup(ng->arena, src->dim_param[d])))
            return nomem(src->name);
    }
    dst->quant_scale = src->quant_scale;
    if (src->data_kind != IR_DATA_CONST)
        return DLA_OK;
    BASE_TRY(ir_tensor_alloc_const(ng, dst));
    size_t nb = ir_tensor_nbytes(src);
    if (nb)
        memcpy(dst->data, src->data, nb);
    return DLA_OK;
}

/* A TENSOR attribute's value: an arena tensor outside the graph's tensor list. */
static dla_status copy_attr_tensor(ir_graph *ng, const ir_tensor *src, ir_tensor **out)
{
    ir_tensor *t = base_arena_alloc(ng->arena, sizeof *t);
    if (!t || !(t->name = base_arena_strdup(ng->arena, src->name ? src->name : "")))
        return nomem("attribute tensor");
    t->id = -1;
    t->rank = -1;
    BASE_TRY(copy_tensor_info(ng, src, t));
    if (src->data_kind != IR_DATA_CONST) /* attribute tensors always hold data */
        return base_error(DLA_ERR_INVALID_ARG, "extract: attribute tensor '%s' has no data", t->name);
    *out = t;
    return DLA_OK;
}

static dla_status copy_attr(ir_graph *ng, const ir_attr *a, ir_attr *o)
{
    base_arena *ar = ng->arena;
    *o = *a;
    o->name = base_arena_strdup(ar, a->name ? a->name : "");
    if (!o->name)
        return nomem("attribute");
    o->s = NULL;
    o->ints = NULL;
    o->floats = NULL;
    o->strings = NULL;
    o->t = NULL;
    if (a->s && !(o->s = base_arena_strdup(ar, a->s)))
        return nomem(a->name);
    if (a->ints) {
        if (!(o->ints = base_arena_alloc(ar, sizeof(int64_t) * (size_t)a->n)))
            return nomem(a->name);
        memcpy(o->ints, a->ints, sizeof(int64_t) * (size_t)a->n);
    }
    if (a->floats) {
        if (!(o->floats = base_arena_alloc(ar, sizeof(float) * (size_t)a->n)))
            return nomem(a->name);
        memcpy(o->floats, a->floats, sizeof(float) * (size_t)a->n);
    }
    if (a->strings) {
        if (!(o->strings = base_arena_alloc(ar, sizeof(char *) * (size_t)a->n)))
            return nomem(a->name);
        for (int i = 0; i < a->n; i++)
            if (!(o->strings[i] = base_arena_strdup(ar, a->strings[i] ? a->strings[i] : "")))
                return nomem(a->name);
    }
    if (a->t)
        BASE_TRY(copy_attr_tensor(ng, a->t, &o->t));
    return DLA_OK;
}

/* The tensor of ng named like src, created with src's metadata (and data) on first use. */
static dla_status map_tensor(ir_graph *ng, const ir_tensor *src, ir_tensor **out)
{
    *out = NULL;
    if (!src)
        return DLA_OK;
    ir_tensor *t = ir_graph_find(ng, src->name);
    if (t) {
        *out = t;
        return DLA_OK;
    }
    BASE_TRY(ir_graph_tensor(ng, src->name, &t));
    BASE_TRY(copy_tensor_info(ng, src, t));
    *out = t;
    return DLA_OK;
}

static dla_status copy_node(ir_graph *ng, const ir_node *n)
{
    ir_node *c;
    BASE_TRY(ir_graph_add_node(ng, n->op, n->name, n->n_in, n->n_out, n->n_attrs, &c));
    c->op_type = base_arena_strdup(ng->arena, n->op_type ? n->op_type : ir_op_name(n->op));
    if (!c->op_type)
        return nomem(n->name);
    c->opset = n->opset;
    for (int i = 0; i < n->n_in; i++)
        BASE_TRY(map_tensor(ng, n->in[i], &c->in[i]));
    for (int i = 0; i < n->n_out; i++)
        BASE_TRY(map_tensor(ng, n->out[i], &c->out[i]));
    for (int i = 0; i < n->n_attrs; i++)
        BASE_TRY(copy_attr(ng, &n->attrs[i], &c->attrs[i]));
    return DLA_OK;
}

/* Marks sel[id] for every id, checking range and uniqueness. */
static dla_status select_nodes(const ir_graph *g, const int *ids, int n, unsigned char *sel)
{
    for (int i = 0; i < n; i++) {
        int id = ids[i];
        if (id < 0 || id >= g->n_nodes || !g->nodes[id])
            return base_error(DLA_ERR_INVALID_ARG, "extract: node id %d (entry %d) is outside 0..%d", id, i,
                              g->n_nodes - 1);
        if (sel[id])
            return base_error(DLA_ERR_INVALID_ARG, "extract: node id %d ('%s') is listed twice", id,
                              g->nodes[id]->name);
        sel[id] = 1;
    }
    return DLA_OK;
}

/* Graph inputs: every non-constant input of a selected node that no selected node produces, in node order. */
static dla_status add_inputs(const ir_graph *g, const unsigned char *sel, const unsigned char *made, ir_graph *ng)
{
    for (int i = 0; i < g->n_nodes; i++) {
        if (!sel[i])
            continue;
        const ir_node *n = g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            const ir_tensor *t = n->in[k];
            if (!t || t->data_kind == IR_DATA_CONST || made[t->id])
                continue;
            ir_tensor *c = ir_graph_find(ng, t->name);
            if (c && !(c->flags & IR_T_INPUT))
                BASE_TRY(ir_graph_add_input(ng, c));
        }
    }
    return DLA_OK;
}

/* Graph outputs: produced inside and either an output of g (first, in g's order) or read by a node outside
 * (then in the order they are produced). */
static dla_status add_outputs(const ir_graph *g, const unsigned char *sel, const unsigned char *made, ir_graph *ng)
{
    unsigned char *read_outside = calloc((size_t)g->n_tensors + 1, 1);
    if (!read_outside)
        return nomem("output set");
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (!n || sel[i])
            continue;
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k])
                read_outside[n->in[k]->id] = 1;
    }
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_outputs && st == DLA_OK; i++) {
        ir_tensor *c = made[g->outputs[i]->id] ? ir_graph_find(ng, g->outputs[i]->name) : NULL;
        if (c && !(c->flags & IR_T_OUTPUT))
            st = ir_graph_add_output(ng, c);
    }
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        if (!sel[i])
            continue;
        const ir_node *n = g->nodes[i];
        for (int k = 0; k < n->n_out && st == DLA_OK; k++) {
            const ir_tensor *t = n->out[k];
            if (!t || !read_outside[t->id])
                continue;
            ir_tensor *c = ir_graph_find(ng, t->name);
            if (c && !(c->flags & IR_T_OUTPUT))
                st = ir_graph_add_output(ng, c);
        }
    }
    free(read_outside);
    return st;
}

/* Shape inference where possible: an op without inference or a shape that needs missing data stays unknown. */
static dla_status infer(ir_graph *ng)
{
    for (int i = 0; i < ng->n_nodes; i++) {
        ir_node *n = ng->nodes[i];
        const ir_infer_entry *e = ir_infer_lookup(n->op);
        if (!e)
            continue;
        int outs_named = 1;
        for (int k = 0; k < e->min_out && k < n->n_out; k++)
            outs_named &= n->out[k] != NULL;
        if (!outs_named)
            continue;
        dla_status st = ir_infer_node(n);
        if (st == DLA_ERR_UNSUPPORTED) {
            base_clear_error();
            continue;
        }
        BASE_TRY(st);
    }
    return DLA_OK;
}

static int tensor_ids_valid(const ir_graph *g)
{
    for (int i = 0; i < g->n_tensors; i++)
        if (!g->tensors[i] || g->tensors[i]->id != i)
            return 0;
    return 1;
}

dla_status ir_graph_extract(const ir_graph *g, const int *node_ids, int n_nodes, ir_graph **out)
{
    *out = NULL;
    if (!g || (n_nodes > 0 && !node_ids) || n_nodes < 0)
        return base_error(DLA_ERR_INVALID_ARG, "extract: NULL graph or node list, or a negative count (%d)", n_nodes);
    if (!tensor_ids_valid(g))
        return base_error(DLA_ERR_INTERNAL, "extract: the graph's tensor ids are not their positions");
    unsigned char *sel = calloc((size_t)g->n_nodes + 1, 1);
    unsigned char *made = calloc((size_t)g->n_tensors + 1, 1);
    ir_graph *ng = NULL;
    dla_status st = sel && made ? DLA_OK : nomem("node set");
    if (st == DLA_OK)
        st = select_nodes(g, node_ids, n_nodes, sel);
    if (st == DLA_OK)
        st = ir_graph_create(&ng);
    if (st != DLA_OK)
        goto out;
    ng->opset = g->opset;
    if (g->name && !(ng->name = base_arena_strdup(ng->arena, g->name))) {
        st = nomem("name");
        goto out;
    }
    /* nodes in g's order, so the copy is already topological when g is */
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++) {
        if (!sel[i])
            continue;
        const ir_node *n = g->nodes[i];
        for (int k = 0; k < n->n_out; k++)
            if (n->out[k])
                made[n->out[k]->id] = 1;
        st = copy_node(ng, n);
    }
    if (st == DLA_OK)
        st = add_inputs(g, sel, made, ng);
    if (st == DLA_OK)
        st = add_outputs(g, sel, made, ng);
    if (st == DLA_OK)
        st = ir_graph_toposort(ng);
    if (st == DLA_OK)
        st = infer(ng);
out:
    free(sel);
    free(made);
    if (st != DLA_OK) {
        ir_graph_destroy(ng);
        return st;
    }
    *out = ng;
    return DLA_OK;
}
