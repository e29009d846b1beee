/* Node and tensor builders shared by the reconstruction passes (see rw_recon.h). */
#include "compiler/rw_recon.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int64_t rc_const_ints(const ir_tensor *t, int64_t *dst, int64_t max)
{
    if (!cc_is_const(t) || (t->dtype != IR_I32 && t->dtype != IR_I64))
        return -1;
    int64_t n = ir_tensor_numel(t);
    if (n < 0 || n > max)
        return -1;
    for (int64_t i = 0; i < n; i++)
        dst[i] = ir_get_i64(t->dtype, t->data, (size_t)i);
    return n;
}

int rc_shape_is(const ir_tensor *t, int rank)
{
    if (!t || t->rank != rank)
        return 0;
    for (int i = 0; i < rank; i++)
        if (t->dims[i] < 1)
            return 0;
    return 1;
}

static int node_name_taken(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] && strcmp(g->nodes[i]->name, name) == 0)
            return 1;
    return 0;
}

const char *rc_name(ir_graph *g, const char *base, const char *what)
{
    char buf[320];
    snprintf(buf, sizeof buf, "%.200s/%.60s", base, what);
    size_t len = strlen(buf);
    for (int k = 1; node_name_taken(g, buf) && k < 100000; k++)
        snprintf(buf + len, sizeof buf - len, "_%d", k);
    return base_arena_strdup(g->arena, buf);
}

dla_status rc_tensor(ir_graph *g, const char *base, ir_dtype t, int rank, const int64_t *dims, ir_tensor **out)
{
    BASE_TRY(ir_graph_new_tensor(g, base, out));
    (*out)->dtype = t;
    ir_tensor_set_shape(*out, rank, dims);
    return DLA_OK;
}

dla_status rc_const(ir_graph *g, const char *base, ir_dtype t, int rank, const int64_t *dims, ir_tensor **out)
{
    BASE_TRY(rc_tensor(g, base, t, rank, dims, out));
    return ir_tensor_alloc_const(g, *out);
}

dla_status rc_node(ir_graph *g, ir_op op, const char *name, int n_in, int n_out, int n_attrs, ir_node **out)
{
    if (!name)
        return base_error(DLA_ERR_NOMEM, "out of memory naming a rewritten node");
    return ir_graph_add_node(g, op, name, n_in, n_out, n_attrs, out);
}

void rc_attr_int(ir_node *n, int k, const char *name, int64_t v)
{
    n->attrs[k] = (ir_attr){.name = name, .type = IR_ATTR_INT, .i = v};
}

void rc_attr_float(ir_node *n, int k, const char *name, float v)
{
    n->attrs[k] = (ir_attr){.name = name, .type = IR_ATTR_FLOAT, .f = v};
}

dla_status rc_attr_ints(ir_graph *g, ir_node *n, int k, const char *name, int count, const int64_t *v)
{
    int64_t *p = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(count + 1));
    if (!p)
        return base_error(DLA_ERR_NOMEM, "out of memory for attribute '%s' of '%s'", name, n->name);
    memcpy(p, v, sizeof(int64_t) * (size_t)count);
    n->attrs[k] = (ir_attr){.name = name, .type = IR_ATTR_INTS, .n = count, .ints = p};
    return DLA_OK;
}

void rc_drop_node(ir_graph *g, ir_node *n)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i] == n)
            g->nodes[i] = NULL;
}

dla_status rc_swap_to_c(ir_graph *g, const char *name, ir_tensor *in, int axis, ir_tensor *out, ir_tensor **res)
{
    int64_t perm[4] = {0, 1, 2, 3};
    perm[1] = axis;
    perm[axis] = 1;
    if (!out) {
        int64_t d[4];
        for (int i = 0; i < 4; i++)
            d[i] = in->dims[perm[i]];
        BASE_TRY(rc_tensor(g, name, in->dtype, 4, d, &out));
    }
    ir_node *t;
    BASE_TRY(rc_node(g, IR_OP_Transpose, name, 1, 1, 1, &t));
    BASE_TRY(rc_attr_ints(g, t, 0, "perm", 4, perm));
    t->in[0] = in;
    t->out[0] = out;
    if (res)
        *res = out;
    return DLA_OK;
}

dla_status rc_conv(ir_graph *g, ir_op op, const char *name, ir_tensor *in, ir_tensor *w, int64_t k,
                   ir_tensor *out, ir_tensor **res)
{
    if (!out) {
        int64_t d[4] = {in->dims[0], op == IR_OP_Conv ? w->dims[0] : w->dims[1], 0, 0};
        for (int i = 2; i < 4; i++)
            d[i] = op == IR_OP_Conv ? (in->dims[i] - k) / k + 1 : in->dims[i] * k;
        BASE_TRY(rc_tensor(g, name, in->dtype, 4, d, &out));
    }
    const int64_t ks[2] = {k, k}, pads[4] = {0, 0, 0, 0};
    ir_node *c;
    BASE_TRY(rc_node(g, op, name, 2, 1, 4, &c));
    BASE_TRY(rc_attr_ints(g, c, 0, "kernel_shape", 2, ks));
    BASE_TRY(rc_attr_ints(g, c, 1, "strides", 2, ks));
    BASE_TRY(rc_attr_ints(g, c, 2, "pads", 4, pads));
    rc_attr_int(c, 3, "group", 1);
    c->in[0] = in;
    c->in[1] = w;
    c->out[0] = out;
    if (res)
        *res = out;
    return DLA_OK;
}

dla_status rc_reshape(ir_graph *g, const char *name, ir_tensor *in, ir_tensor *out)
{
    const int64_t rank = out->rank;
    ir_tensor *shape;
    char base[256];
    snprintf(base, sizeof base, "%.240s_shape", name);
    BASE_TRY(rc_const(g, base, IR_I64, 1, &rank, &shape));
    memcpy(shape->data, out->dims, sizeof(int64_t) * (size_t)rank);
    ir_node *r;
    BASE_TRY(rc_node(g, IR_OP_Reshape, name, 2, 1, 0, &r));
    r->in[0] = in;
    r->in[1] = shape;
    r->out[0] = out;
    return DLA_OK;
}
