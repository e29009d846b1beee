/* AttributeProto -> ir_attr: scalars, strings, lists and tensor values, copied into the graph's arena. */
#include "onnx/onnx_private.h"

#include <stdio.h>
#include <string.h>

Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *ap)
{
    if (ap->has_type && ap->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
        return ap->type;
    /* IR version 1 had no type field: the set field says it */
    if (ap->has_f)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (ap->has_i)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    if (ap->has_s)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    if (ap->t)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    if (ap->g)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
    if (ap->n_floats)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    if (ap->n_ints)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    if (ap->n_strings)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    if (ap->n_graphs)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
    if (ap->n_tensors)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static dla_status nomem(const onnx_ctx *c, const char *node, const char *attr)
{
    return base_error(DLA_ERR_NOMEM, "%s: %s: out of memory copying attribute '%s'", c->origin, node, attr);
}

/* An arena ir_tensor holding a TENSOR attribute's value; it is not registered in the graph's tensor list. */
static dla_status attr_tensor(const onnx_ctx *c, const char *node, const Onnx__AttributeProto *ap, ir_attr *out)
{
    base_arena *a = c->g->arena;
    ir_tensor *t = base_arena_alloc(a, sizeof *t);
    const char *nm = ap->t->name && *ap->t->name ? ap->t->name : ap->name;
    if (!t || !(t->name = base_arena_strdup(a, nm)))
        return nomem(c, node, ap->name);
    t->id = -1;
    t->rank = -1;
    char what[600];
    snprintf(what, sizeof what, "%s: attribute '%.256s'", node, ap->name);
    BASE_TRY(onnx_tensor_to_ir(c, ap->t, what, t));
    out->t = t;
    return DLA_OK;
}

static dla_status attr_lists(const onnx_ctx *c, const char *node, const Onnx__AttributeProto *ap, ir_attr *out)
{
    base_arena *a = c->g->arena;
    switch (out->type) {
    case IR_ATTR_FLOATS:
        out->n = (int)ap->n_floats;
        out->floats = base_arena_alloc(a, sizeof(float) * ap->n_floats);
        if (!out->floats)
            return nomem(c, node, ap->name);
        if (ap->n_floats)
            memcpy(out->floats, ap->floats, sizeof(float) * ap->n_floats);
        return DLA_OK;
    case IR_ATTR_INTS:
        out->n = (int)ap->n_ints;
        out->ints = base_arena_alloc(a, sizeof(int64_t) * ap->n_ints);
        if (!out->ints)
            return nomem(c, node, ap->name);
        if (ap->n_ints)
            memcpy(out->ints, ap->ints, sizeof(int64_t) * ap->n_ints);
        return DLA_OK;
    default: /* STRINGS */
        out->n = (int)ap->n_strings;
        out->strings = base_arena_alloc(a, sizeof(char *) * ap->n_strings);
        if (!out->strings)
            return nomem(c, node, ap->name);
        for (size_t i = 0; i < ap->n_strings; i++) {
            const ProtobufCBinaryData *s = &ap->strings[i];
            out->strings[i] = base_arena_strndup(a, s->len ? (const char *)s->data : "", s->len);
            if (!out->strings[i])
                return nomem(c, node, ap->name);
        }
        return DLA_OK;
    }
}

dla_status onnx_convert_attr(const onnx_ctx *c, const char *node, const Onnx__AttributeProto *ap, ir_attr *out)
{
    const char *an = ap->name ? ap->name : "";
    if (!*an)
        return base_error(DLA_ERR_FORMAT, "%s: %s: an attribute has no name", c->origin, node);
    if (ap->ref_attr_name && *ap->ref_attr_name)
        return base_error(DLA_ERR_FORMAT, "%s: %s: attribute '%s' refers to a function attribute outside a function",
                          c->origin, node, an);
    memset(out, 0, sizeof *out);
    out->name = base_arena_strdup(c->g->arena, an);
    if (!out->name)
        return nomem(c, node, an);
    Onnx__AttributeProto__AttributeType ty = onnx_attr_type(ap);
    out->type = (ir_attr_type)ty;
    switch (ty) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        out->f = ap->f;
        return DLA_OK;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        out->i = ap->i;
        return DLA_OK;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        out->s = base_arena_strndup(c->g->arena, ap->s.len ? (const char *)ap->s.data : "", ap->s.len);
        return out->s ? DLA_OK : nomem(c, node, an);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
        if (!ap->t)
            return base_error(DLA_ERR_FORMAT, "%s: %s: TENSOR attribute '%s' has no tensor", c->origin, node, an);
        return attr_tensor(c, node, ap, out);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
        return attr_lists(c, node, ap, out);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: subgraphs (If/Loop/Scan) are not supported (attribute '%s')",
                          c->origin, node, an);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED:
        return base_error(DLA_ERR_FORMAT, "%s: %s: attribute '%s' has no type and no value", c->origin, node, an);
    default:
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: attribute '%s' has type %d, which is not supported",
                          c->origin, node, an, (int)ty);
    }
}
