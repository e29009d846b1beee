/* Attribute lookup, integer-input reads and node-scoped errors. */
#include "ir/ir.h"

#include <stdio.h>
#include <string.h>

const ir_attr *ir_node_attr(const ir_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].name && strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    if (!a)
        return dflt;
    if (a->type == IR_ATTR_FLOAT)
        return (int64_t)a->f;
    return a->type == IR_ATTR_INT ? a->i : dflt;
}

float ir_attr_float(const ir_node *n, const char *name, float dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    if (!a)
        return dflt;
    if (a->type == IR_ATTR_INT)
        return (float)a->i;
    return a->type == IR_ATTR_FLOAT ? a->f : dflt;
}

const char *ir_attr_str(const ir_node *n, const char *name, const char *dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    return a && a->type == IR_ATTR_STRING && a->s ? a->s : dflt;
}

const int64_t *ir_attr_ints(const ir_node *n, const char *name, int *count)
{
    const ir_attr *a = ir_node_attr(n, name);
    if (!a || a->type != IR_ATTR_INTS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->ints;
}

const float *ir_attr_floats(const ir_node *n, const char *name, int *count)
{
    const ir_attr *a = ir_node_attr(n, name);
    if (!a || a->type != IR_ATTR_FLOATS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->floats;
}

int ir_input_ints(const ir_node *n, int idx, int64_t *dst, int n_max)
{
    if (idx >= n->n_in || !n->in[idx] || !n->in[idx]->data)
        return -1;
    const ir_tensor *t = n->in[idx];
    int64_t cnt = ir_tensor_numel(t);
    if (cnt < 0 || cnt > n_max)
        return -1;
    for (int64_t i = 0; i < cnt; i++)
        dst[i] = ir_get_i64(t->dtype, t->data, (size_t)i);
    return (int)cnt;
}

dla_status ir_node_error(const ir_node *n, dla_status st, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return base_error(st, "%s '%s': %s", n->op_type ? n->op_type : ir_op_name(n->op), n->name, msg);
}
