/* Graph queries and surgery shared by the lowering rewrites (see rw_lower.h). */
#include "compiler/rw_lower.h"

#include <stdio.h>
#include <string.h>

ir_node *lw_producer(const ir_graph *g, const ir_tensor *t)
{
    if (!t)
        return NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        if (!n)
            continue;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] == t)
                return n;
    }
    return NULL;
}

int lw_uses(const ir_graph *g, const ir_tensor *t)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = g->nodes[i];
        if (!n)
            continue;
        for (int j = 0; j < n->n_in; j++)
            count += n->in[j] == t;
    }
    return count;
}

int lw_only_feeds(const ir_graph *g, const ir_tensor *t, const ir_node *n)
{
    if (!t || (t->flags & IR_T_OUTPUT))
        return 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *c = g->nodes[i];
        if (!c || c == n)
            continue;
        for (int j = 0; j < c->n_in; j++)
            if (c->in[j] == t)
                return 0;
    }
    return 1;
}

int lw_is_const(const ir_tensor *t) { return t && t->data && t->data_kind == IR_DATA_CONST && lw_known(t); }

int lw_known(const ir_tensor *t) { return t && t->rank >= 0 && ir_tensor_shape_known(t); }

double lw_get(const ir_tensor *t, int64_t i) { return ir_get_f64(t->dtype, t->data, (size_t)i); }

int lw_scalar(const ir_tensor *t, double *v)
{
    if (!lw_is_const(t) || ir_tensor_numel(t) != 1 || !ir_dtype_is_float(t->dtype))
        return 0;
    *v = lw_get(t, 0);
    return 1;
}

void lw_redirect(ir_graph *g, ir_tensor *from, ir_tensor *to, const ir_node *except)
{
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *c = g->nodes[i];
        if (!c || c == except)
            continue;
        for (int j = 0; j < c->n_in; j++)
            if (c->in[j] == from)
                c->in[j] = to;
    }
}

int lw_forward(ir_graph *g, ir_tensor *in, ir_tensor *out)
{
    if (!(out->flags & IR_T_OUTPUT)) {
        lw_redirect(g, out, in, NULL);
        return 1;
    }
    ir_node *p = lw_producer(g, in);
    if (!p || (in->flags & (IR_T_OUTPUT | IR_T_INPUT)) || in->data)
        return 0;
    for (int j = 0; j < p->n_out; j++)
        if (p->out[j] == in)
            p->out[j] = out;
    lw_redirect(g, in, out, NULL);
    return 1;
}

void lw_remove(ir_graph *g, ir_node *n)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] == n)
            g->nodes[i] = NULL;
}

dla_status lw_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, const ir_node *like,
                   int min_opset, ir_node **out)
{
    ir_node *n;
    BASE_TRY(ir_graph_add_node(g, op, name, n_in, n_out, 0, &n));
    int opset = like ? like->opset : g->opset;
    n->opset = opset > min_opset ? opset : min_opset;
    *out = n;
    return DLA_OK;
}

dla_status lw_set_n_in(ir_graph *g, ir_node *n, int count)
{
    if (count <= n->n_in)
        return DLA_OK;
    ir_tensor **in = base_arena_alloc(g->arena, sizeof(ir_tensor *) * (size_t)(count + 1));
    if (!in)
        return base_error(DLA_ERR_NOMEM, "out of memory growing the inputs of '%s'", n->name);
    memcpy(in, n->in, sizeof(ir_tensor *) * (size_t)n->n_in);
    n->in = in;
    n->n_in = count;
    return DLA_OK;
}

dla_status lw_tensor(ir_graph *g, const char *base, ir_tensor **out) { return ir_graph_new_tensor(g, base, out); }

dla_status lw_const_i64(ir_graph *g, const char *base, int count, const int64_t *v, ir_tensor **out)
{
    ir_tensor *t;
    int64_t d = count;
    BASE_TRY(ir_graph_new_tensor(g, base, &t));
    t->dtype = IR_I64;
    ir_tensor_set_shape(t, 1, &d);
    BASE_TRY(ir_tensor_alloc_const(g, t));
    if (count)
        memcpy(t->data, v, sizeof(int64_t) * (size_t)count);
    *out = t;
    return DLA_OK;
}

dla_status lw_const_f32(ir_graph *g, const char *base, int rank, const int64_t *dims, const float *v,
                        ir_tensor **out)
{
    BASE_TRY(cc_new_const_f32(g, base, rank, dims, out));
    if (v)
        memcpy((*out)->data, v, ir_tensor_nbytes(*out));
    return DLA_OK;
}

/* The attribute slot for `name`: the existing one, or a new one appended (the array is re-allocated). */
static dla_status attr_slot(ir_graph *g, ir_node *n, const char *name, ir_attr_type type, ir_attr **out)
{
    ir_attr *a = (ir_attr *)ir_node_attr(n, name);
    if (!a) {
        ir_attr *arr = base_arena_alloc(g->arena, sizeof(ir_attr) * (size_t)(n->n_attrs + 1));
        if (!arr)
            return base_error(DLA_ERR_NOMEM, "out of memory adding attribute '%s' to '%s'", name, n->name);
        if (n->n_attrs)
            memcpy(arr, n->attrs, sizeof(ir_attr) * (size_t)n->n_attrs);
        n->attrs = arr;
        a = &arr[n->n_attrs++];
    }
    memset(a, 0, sizeof *a);
    a->name = base_arena_strdup(g->arena, name);
    a->type = type;
    *out = a;
    return a->name ? DLA_OK : base_error(DLA_ERR_NOMEM, "out of memory naming an attribute");
}

dla_status lw_attr_int(ir_graph *g, ir_node *n, const char *name, int64_t v)
{
    ir_attr *a = NULL;
    BASE_TRY(attr_slot(g, n, name, IR_ATTR_INT, &a));
    a->i = v;
    return DLA_OK;
}

dla_status lw_attr_float(ir_graph *g, ir_node *n, const char *name, float v)
{
    ir_attr *a = NULL;
    BASE_TRY(attr_slot(g, n, name, IR_ATTR_FLOAT, &a));
    a->f = v;
    return DLA_OK;
}

dla_status lw_attr_ints(ir_graph *g, ir_node *n, const char *name, int count, const int64_t *v)
{
    ir_attr *a = NULL;
    BASE_TRY(attr_slot(g, n, name, IR_ATTR_INTS, &a));
    a->n = count;
    a->ints = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(count ? count : 1));
    if (!a->ints)
        return base_error(DLA_ERR_NOMEM, "out of memory for attribute '%s'", name);
    if (count)
        memcpy(a->ints, v, sizeof(int64_t) * (size_t)count);
    return DLA_OK;
}

void lw_attr_drop(ir_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].name && strcmp(n->attrs[i].name, name) == 0) {
            memmove(&n->attrs[i], &n->attrs[i + 1], sizeof(ir_attr) * (size_t)(n->n_attrs - i - 1));
            n->n_attrs--;
            i--;
        }
}

void lw_retype(ir_node *n, ir_op op)
{
    n->op = op;
    n->op_type = ir_op_name(op);
}

dla_status lw_reshape(ir_graph *g, const char *name, const ir_node *like, ir_tensor *x, ir_tensor *y, int rank,
                      const int64_t *dims, ir_node **out)
{
    ir_node *r;
    ir_tensor *shape;
    char base[256];
    snprintf(base, sizeof base, "%.200s/shape", name);
    BASE_TRY(lw_const_i64(g, base, rank, dims, &shape));
    BASE_TRY(lw_node(g, IR_OP_Reshape, name, 2, 1, like, 13, &r));
    r->in[0] = x;
    r->in[1] = shape;
    r->out[0] = y;
    BASE_TRY(ir_infer_node(r));
    if (out)
        *out = r;
    return DLA_OK;
}

int lw_factor(int64_t n, int64_t max_f, int64_t *f, int max_count)
{
    int k = 0;
    while (n > 1) {
        int64_t d = max_f < n ? max_f : n;
        while (d > 1 && n % d)
            d--;
        if (d <= 1 || k == max_count)
            return -1;
        f[k++] = d;
        n /= d;
    }
    return k;
}

dla_status lw_fold(ir_graph *g, host_ctx *ctx, ir_node *n)
{
    BASE_TRY(ir_infer_node(n));
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j]) {
            if (!lw_known(n->out[j]))
                return ir_node_error(n, DLA_ERR_INTERNAL, "output shape unknown after inference");
            BASE_TRY(ir_tensor_alloc_const(g, n->out[j]));
        }
    BASE_TRY(host_fold_compute(ctx, n));
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j])
            n->out[j]->producer = NULL;
    lw_remove(g, n);
    return DLA_OK;
}
