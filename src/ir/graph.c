/* Graph construction, the name index, linking and topological order. */
#include "ir/ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing name -> tensor index; grows at 50% load. */
typedef struct name_index {
    size_t cap, used;
    ir_tensor **slots;
} name_index;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int index_put(name_index *ix, ir_tensor *t);

static int index_grow(name_index *ix)
{
    name_index nx = {ix->cap ? ix->cap * 2 : 256, 0, NULL};
    nx.slots = calloc(nx.cap, sizeof *nx.slots);
    if (!nx.slots)
        return 0;
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slots[i])
            index_put(&nx, ix->slots[i]);
    free(ix->slots);
    *ix = nx;
    return 1;
}

static int index_put(name_index *ix, ir_tensor *t)
{
    if ((ix->used + 1) * 2 > ix->cap && !index_grow(ix))
        return 0;
    size_t i = hash_str(t->name) & (ix->cap - 1);
    while (ix->slots[i])
        i = (i + 1) & (ix->cap - 1);
    ix->slots[i] = t;
    ix->used++;
    return 1;
}

ir_tensor *ir_graph_find(const ir_graph *g, const char *name)
{
    const name_index *ix = g->name_index;
    if (!ix->cap)
        return NULL;
    size_t i = hash_str(name) & (ix->cap - 1);
    for (; ix->slots[i]; i = (i + 1) & (ix->cap - 1))
        if (strcmp(ix->slots[i]->name, name) == 0)
            return ix->slots[i];
    return NULL;
}

dla_status ir_graph_create(ir_graph **out)
{
    *out = NULL;
    ir_graph *g = calloc(1, sizeof *g);
    if (!g)
        return base_error(DLA_ERR_NOMEM, "out of memory creating a graph");
    g->arena = base_arena_create();
    g->name_index = calloc(1, sizeof(name_index));
    if (!g->arena || !g->name_index) {
        ir_graph_destroy(g);
        return base_error(DLA_ERR_NOMEM, "out of memory creating a graph");
    }
    g->name = "graph";
    *out = g;
    return DLA_OK;
}

void ir_graph_destroy(ir_graph *g)
{
    if (!g)
        return;
    name_index *ix = g->name_index;
    if (ix)
        free(ix->slots);
    free(ix);
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    base_arena_destroy(g->arena);
    free(g);
}

/* Grows a malloc'd pointer array to hold one more element. */
static int grow(void ***arr, int n, int *cap)
{
    if (n < *cap)
        return 1;
    int nc = *cap ? *cap * 2 : 64;
    void **na = realloc(*arr, (size_t)nc * sizeof(void *));
    if (!na)
        return 0;
    *arr = na;
    *cap = nc;
    return 1;
}

static dla_status add_tensor(ir_graph *g, const char *name, ir_tensor **out)
{
    ir_tensor *t = base_arena_alloc(g->arena, sizeof *t);
    if (!t || !grow((void ***)&g->tensors, g->n_tensors, &g->cap_tensors))
        return base_error(DLA_ERR_NOMEM, "out of memory adding tensor '%s'", name);
    t->name = base_arena_strdup(g->arena, name);
    if (!t->name || !index_put(g->name_index, t))
        return base_error(DLA_ERR_NOMEM, "out of memory adding tensor '%s'", name);
    t->id = g->n_tensors;
    t->rank = -1;
    g->tensors[g->n_tensors++] = t;
    *out = t;
    return DLA_OK;
}

dla_status ir_graph_tensor(ir_graph *g, const char *name, ir_tensor **out)
{
    *out = ir_graph_find(g, name);
    return *out ? DLA_OK : add_tensor(g, name, out);
}

dla_status ir_graph_new_tensor(ir_graph *g, const char *base, ir_tensor **out)
{
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    for (int k = 1; ir_graph_find(g, name); k++)
        snprintf(name, sizeof name, "%.200s_%d", base, k);
    return add_tensor(g, name, out);
}

dla_status ir_graph_add_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, int n_attrs,
                             ir_node **out)
{
    char auto_name[64];
    ir_node *n = base_arena_alloc(g->arena, sizeof *n);
    if (!n || !grow((void ***)&g->nodes, g->n_nodes, &g->cap_nodes))
        return base_error(DLA_ERR_NOMEM, "out of memory adding a node");
    if (!name || !*name) {
        snprintf(auto_name, sizeof auto_name, "%s_%d", ir_op_name(op) ? ir_op_name(op) : "node", g->n_nodes);
        name = auto_name;
    }
    n->name = base_arena_strdup(g->arena, name);
    n->op = op;
    n->op_type = ir_op_name(op);
    n->opset = g->opset;
    n->n_in = n_in;
    n->n_out = n_out;
    n->n_attrs = n_attrs;
    n->in = base_arena_alloc(g->arena, sizeof(ir_tensor *) * (size_t)(n_in + 1));
    n->out = base_arena_alloc(g->arena, sizeof(ir_tensor *) * (size_t)(n_out + 1));
    n->attrs = base_arena_alloc(g->arena, sizeof(ir_attr) * (size_t)(n_attrs + 1));
    if (!n->name || !n->in || !n->out || !n->attrs)
        return base_error(DLA_ERR_NOMEM, "out of memory adding node '%s'", name);
    n->id = g->n_nodes;
    g->nodes[g->n_nodes++] = n;
    *out = n;
    return DLA_OK;
}

static dla_status add_io(ir_tensor ***arr, int *n, ir_tensor *t)
{
    ir_tensor **na = realloc(*arr, sizeof(ir_tensor *) * (size_t)(*n + 1));
    if (!na)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    na[(*n)++] = t;
    *arr = na;
    return DLA_OK;
}

dla_status ir_graph_add_input(ir_graph *g, ir_tensor *t)
{
    t->flags |= IR_T_INPUT;
    return add_io(&g->inputs, &g->n_inputs, t);
}

dla_status ir_graph_add_output(ir_graph *g, ir_tensor *t)
{
    t->flags |= IR_T_OUTPUT;
    return add_io(&g->outputs, &g->n_outputs, t);
}

dla_status ir_tensor_alloc_const(ir_graph *g, ir_tensor *t)
{
    int64_t numel = ir_tensor_numel(t);
    size_t es = ir_dtype_size(t->dtype);
    if (numel < 0 || es == 0)
        return base_error(DLA_ERR_INVALID_ARG, "tensor '%s': constant with unknown shape or type", t->name);
    size_t bytes;
    if (!base_mul_size((size_t)numel, es, &bytes))
        return base_error(DLA_ERR_NOMEM, "tensor '%s': size overflows", t->name);
    t->data = base_arena_alloc(g->arena, bytes);
    if (!t->data)
        return base_error(DLA_ERR_NOMEM, "tensor '%s': cannot allocate %zu bytes", t->name, bytes);
    t->data_kind = IR_DATA_CONST;
    return DLA_OK;
}

void ir_graph_compact(ir_graph *g)
{
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]) {
            g->nodes[i]->id = k;
            g->nodes[k++] = g->nodes[i];
        }
    g->n_nodes = k;
}

dla_status ir_graph_link(ir_graph *g)
{
    for (int i = 0; i < g->n_tensors; i++) {
        g->tensors[i]->producer = NULL;
        g->tensors[i]->n_consumers = 0;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        for (int j = 0; j < n->n_out; j++) {
            ir_tensor *t = n->out[j];
            if (!t)
                continue;
            if (t->producer)
                return ir_node_error(n, DLA_ERR_FORMAT, "output '%s' is also produced by node '%s'", t->name,
                                     t->producer->name);
            if (t->data_kind == IR_DATA_CONST || (t->flags & IR_T_INPUT))
                return ir_node_error(n, DLA_ERR_FORMAT, "output '%s' is a graph input or initializer", t->name);
            t->producer = n;
        }
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j])
                n->in[j]->n_consumers++;
    }
    return DLA_OK;
}

/* Kahn's algorithm over producer links; stable (keeps the model's order where it is already valid). */
dla_status ir_graph_toposort(ir_graph *g)
{
    BASE_TRY(ir_graph_link(g));
    int n = g->n_nodes;
    if (n == 0)
        return DLA_OK;
    int *pending = calloc((size_t)n, sizeof(int));
    ir_node **order = malloc(sizeof(ir_node *) * (size_t)n);
    unsigned char *done = calloc((size_t)g->n_tensors, 1);
    dla_status st = DLA_OK;
    if (!pending || !order || !done) {
        st = base_error(DLA_ERR_NOMEM, "out of memory sorting the graph");
        goto out;
    }
    for (int i = 0; i < g->n_tensors; i++) {
        ir_tensor *t = g->tensors[i];
        done[i] = !t->producer;
    }
    for (int i = 0; i < n; i++) {
        ir_node *nd = g->nodes[i];
        for (int j = 0; j < nd->n_in; j++) {
            ir_tensor *t = nd->in[j];
            if (!t)
                continue;
            if (!t->producer && t->data_kind != IR_DATA_CONST && !(t->flags & IR_T_INPUT)) {
                st = ir_node_error(nd, DLA_ERR_FORMAT,
                                   "input '%s' is not produced by any node and is neither a graph input nor an "
                                   "initializer",
                                   t->name);
                goto out;
            }
        }
    }
    /* Repeated sweeps keep the original order stable; O(n * depth) is fine at CNN sizes but guard against the
     * quadratic worst case by emitting all ready nodes per sweep. */
    int emitted = 0;
    unsigned char *placed = calloc((size_t)n, 1);
    if (!placed) {
        st = base_error(DLA_ERR_NOMEM, "out of memory sorting the graph");
        goto out;
    }
    while (emitted < n) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (placed[i])
                continue;
            ir_node *nd = g->nodes[i];
            int ready = 1;
            for (int j = 0; j < nd->n_in && ready; j++)
                ready = !nd->in[j] || done[nd->in[j]->id];
            if (!ready)
                continue;
            placed[i] = 1;
            order[emitted++] = nd;
            for (int j = 0; j < nd->n_out; j++)
                if (nd->out[j])
                    done[nd->out[j]->id] = 1;
            progress = 1;
        }
        if (!progress) {
            for (int i = 0; i < n; i++)
                if (!placed[i]) {
                    st = ir_node_error(g->nodes[i], DLA_ERR_FORMAT, "the graph has a cycle through this node");
                    break;
                }
            free(placed);
            goto out;
        }
    }
    free(placed);
    for (int i = 0; i < n; i++) {
        order[i]->id = i;
        g->nodes[i] = order[i];
    }
out:
    free(pending);
    free(order);
    free(done);
    return st;
}

dla_status ir_graph_verify(const ir_graph *g)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (n->id != i)
            return ir_node_error(n, DLA_ERR_INTERNAL, "node id %d at position %d", n->id, i);
        if (!ir_op_name(n->op))
            return ir_node_error(n, DLA_ERR_INTERNAL, "invalid op value %d", (int)n->op);
        const ir_infer_entry *e = ir_infer_lookup(n->op);
        if (e && (n->n_in < e->min_in || (e->max_in >= 0 && n->n_in > e->max_in)))
            return ir_node_error(n, DLA_ERR_FORMAT, "has %d inputs; the op takes %d to %d", n->n_in, e->min_in,
                                 e->max_in);
        for (int j = 0; j < n->n_in; j++) {
            const ir_tensor *t = n->in[j];
            if (t && t->producer && t->producer->id >= i)
                return ir_node_error(n, DLA_ERR_INTERNAL, "input '%s' is produced later, by '%s'", t->name,
                                     t->producer->name);
        }
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] && n->out[j]->producer != n)
                return ir_node_error(n, DLA_ERR_INTERNAL, "output '%s' is not linked to its producer",
                                     n->out[j]->name);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const ir_tensor *t = g->outputs[i];
        if (!t->producer && t->data_kind != IR_DATA_CONST && !(t->flags & IR_T_INPUT))
            return base_error(DLA_ERR_FORMAT, "graph output '%s' is not produced by any node", t->name);
    }
    return DLA_OK;
}
