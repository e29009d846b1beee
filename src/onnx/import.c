/* ONNX ModelProto -> IR graph: versions, initializers, inputs, nodes, outputs, shape overrides, topological
 * order and shape inference. Everything is copied out of the protobuf message, which is freed before return. */
#include "onnx/onnx_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONNX_MIN_OPSET 1
#define ONNX_MAX_OPSET 18
#define ONNX_MAX_IR_VERSION 11

/* Re-raises the current error with the file name in front (for errors raised by the IR layer). */
static dla_status with_origin(const onnx_ctx *c, dla_status st)
{
    char msg[900];
    snprintf(msg, sizeof msg, "%s", dla_last_error());
    return base_error(st, "%s: %s", c->origin, msg);
}

static int is_default_domain(const char *d) { return !d || !*d || strcmp(d, "ai.onnx") == 0; }

static dla_status check_versions(const onnx_ctx *c, const Onnx__ModelProto *m, int *opset)
{
    if (!m->has_ir_version)
        return base_error(DLA_ERR_FORMAT, "%s: the model has no ir_version", c->origin);
    if (m->ir_version < 1 || m->ir_version > ONNX_MAX_IR_VERSION)
        return base_error(DLA_ERR_VERSION, "%s: IR version %lld is outside the supported range 1..%d", c->origin,
                          (long long)m->ir_version, ONNX_MAX_IR_VERSION);
    int64_t v = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        if (is_default_domain(o->domain) && o->version > v)
            v = o->has_version ? o->version : 0;
    }
    if (v < 0) { /* only other domains: their nodes are refused one by one (check_node) */
        *opset = 0;
        return DLA_OK;
    }
    if (v < ONNX_MIN_OPSET || v > ONNX_MAX_OPSET)
        return base_error(DLA_ERR_VERSION, "%s: opset %lld is outside the supported range %d..%d", c->origin,
                          (long long)v, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
    *opset = (int)v;
    return DLA_OK;
}

/* dtype and shape from a ValueInfoProto's tensor type (if it has one); `kind` ("graph input") names it. */
static dla_status apply_value_info(const onnx_ctx *c, const Onnx__ValueInfoProto *vi, const char *kind,
                                   ir_tensor *t)
{
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET)
        return DLA_OK;
    if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return base_error(DLA_ERR_UNSUPPORTED,
                          "%s: %s '%s' is a sequence, map, optional or sparse value: only tensors are supported",
                          c->origin, kind, t->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (!tt)
        return DLA_OK;
    if (tt->has_elem_type && tt->elem_type != IR_UNDEFINED) {
        int dt = tt->elem_type;
        if (dt == IR_STRING)
            return base_error(DLA_ERR_UNSUPPORTED, "%s: %s '%s' is a string tensor: string tensors are not supported",
                              c->origin, kind, t->name);
        if (dt < 0 || dt >= IR_DTYPE_MAX || ir_dtype_size((ir_dtype)dt) == 0)
            return base_error(DLA_ERR_UNSUPPORTED, "%s: %s '%s' has data type %d, which is not supported",
                              c->origin, kind, t->name, dt);
        t->dtype = (ir_dtype)dt;
    }
    const Onnx__TensorShapeProto *sp = tt->shape;
    if (!sp)
        return DLA_OK;
    if (sp->n_dim > IR_MAX_RANK)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s '%s' has rank %zu, beyond the limit of %d", c->origin, kind,
                          t->name, sp->n_dim, IR_MAX_RANK);
    int64_t dims[IR_MAX_RANK];
    const char *params[IR_MAX_RANK] = {0};
    for (size_t i = 0; i < sp->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = sp->dim[i];
        dims[i] = -1;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0 || d->dim_value > IR_MAX_NUMEL)
                return base_error(DLA_ERR_FORMAT, "%s: %s '%s': dims too large or negative: dim %zu is %lld",
                                  c->origin, kind, t->name, i, (long long)d->dim_value);
            dims[i] = d->dim_value;
        } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param &&
                   *d->dim_param) {
            params[i] = base_arena_strdup(c->g->arena, d->dim_param);
            if (!params[i])
                return base_error(DLA_ERR_NOMEM, "%s: out of memory", c->origin);
        }
    }
    ir_tensor_set_shape(t, (int)sp->n_dim, dims);
    for (size_t i = 0; i < sp->n_dim; i++)
        t->dim_param[i] = params[i];
    return DLA_OK;
}

/* Each initializer's raw bytes are released as soon as the graph holds its copy (protobuf-c frees a bytes field
 * only when its pointer is non-NULL), so the import never holds two full copies of the weights. */
static dla_status add_initializers(const onnx_ctx *c, Onnx__GraphProto *gp)
{
    if (gp->n_sparse_initializer)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: sparse initializers are not supported", c->origin);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !*tp->name)
            return base_error(DLA_ERR_FORMAT, "%s: initializer %zu has no name", c->origin, i);
        if (ir_graph_find(c->g, tp->name))
            return base_error(DLA_ERR_FORMAT, "%s: initializer '%s' is defined twice", c->origin, tp->name);
        ir_tensor *t;
        if (ir_graph_tensor(c->g, tp->name, &t) != DLA_OK)
            return with_origin(c, DLA_ERR_NOMEM);
        char what[300];
        snprintf(what, sizeof what, "initializer '%.256s'", tp->name);
        BASE_TRY(onnx_tensor_to_ir(c, tp, what, t));
        if (tp->raw_data.data) {
            free(tp->raw_data.data);
            gp->initializer[i]->raw_data.data = NULL;
            gp->initializer[i]->raw_data.len = 0;
        }
    }
    return DLA_OK;
}

/* Graph inputs that are not initializers (IR < 4 lists initializers among the inputs too). */
static dla_status add_inputs(const onnx_ctx *c, const Onnx__GraphProto *gp)
{
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name)
            return base_error(DLA_ERR_FORMAT, "%s: graph input %zu has no name", c->origin, i);
        ir_tensor *t = ir_graph_find(c->g, vi->name);
        if (t && t->data_kind == IR_DATA_CONST)
            continue;
        if (t)
            return base_error(DLA_ERR_FORMAT, "%s: graph input '%s' is listed twice", c->origin, vi->name);
        dla_status st = ir_graph_tensor(c->g, vi->name, &t);
        if (st != DLA_OK)
            return with_origin(c, st);
        BASE_TRY(apply_value_info(c, vi, "graph input", t));
        st = ir_graph_add_input(c->g, t);
        if (st != DLA_OK)
            return with_origin(c, st);
    }
    return DLA_OK;
}

/* "node 'name'", or "node '<op_type>_<index>'" when the model gives no name. */
static void node_label(const Onnx__NodeProto *np, size_t idx, char *name, size_t size)
{
    if (np->name && *np->name)
        snprintf(name, size, "%.256s", np->name);
    else
        snprintf(name, size, "%.200s_%zu", np->op_type ? np->op_type : "node", idx);
}

static dla_status add_constants(const onnx_ctx *c, const Onnx__GraphProto *gp)
{
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        if (!np->op_type || strcmp(np->op_type, "Constant") != 0 || !is_default_domain(np->domain))
            continue;
        char name[300], label[320];
        node_label(np, i, name, sizeof name);
        snprintf(label, sizeof label, "node '%s'", name);
        if (np->n_output != 1 || !np->output[0] || !*np->output[0])
            return base_error(DLA_ERR_FORMAT, "%s: %s: Constant must have exactly one named output", c->origin,
                              label);
        if (ir_graph_find(c->g, np->output[0]))
            return base_error(DLA_ERR_FORMAT, "%s: %s: output '%s' is already defined", c->origin, label,
                              np->output[0]);
        ir_tensor *t;
        dla_status st = ir_graph_tensor(c->g, np->output[0], &t);
        if (st != DLA_OK)
            return with_origin(c, st);
        BASE_TRY(onnx_constant_to_ir(c, label, np, t));
    }
    return DLA_OK;
}

/* Identity of a constant: the output becomes the same constant (sharing its arena data). Returns 1 if done. */
static int alias_identity(const onnx_ctx *c, const Onnx__NodeProto *np)
{
    if (np->n_input != 1 || np->n_output != 1 || !*np->input[0] || !*np->output[0])
        return 0;
    ir_tensor *in = ir_graph_find(c->g, np->input[0]);
    ir_tensor *out = ir_graph_find(c->g, np->output[0]);
    if (!in || in->data_kind != IR_DATA_CONST || (out && (out->data_kind != IR_DATA_NONE || out->flags)))
        return 0; /* a clash is reported by linking, with the node's name */
    if (!out && ir_graph_tensor(c->g, np->output[0], &out) != DLA_OK)
        return 0;
    out->dtype = in->dtype;
    ir_tensor_set_shape(out, in->rank, in->dims);
    out->data = in->data;
    out->data_kind = IR_DATA_CONST;
    return 1;
}

static dla_status check_node(const onnx_ctx *c, const Onnx__NodeProto *np, const char *label, int *op)
{
    const char *ot = np->op_type;
    if (!ot || !*ot)
        return base_error(DLA_ERR_FORMAT, "%s: %s has no op_type", c->origin, label);
    if (!is_default_domain(np->domain))
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: operator '%s' of domain '%s' is not supported", c->origin,
                          label, ot, np->domain);
    for (size_t k = 0; k < np->n_attribute; k++) {
        Onnx__AttributeProto__AttributeType ty = onnx_attr_type(np->attribute[k]);
        if (ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH || ty == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS)
            return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: subgraphs (If/Loop/Scan) are not supported (operator '%s')",
                              c->origin, label, ot);
    }
    if (c->g->opset <= 0)
        return base_error(DLA_ERR_FORMAT, "%s: %s: operator '%s' needs the default ONNX domain, which the model does "
                          "not import (no opset_import for it)", c->origin, label, ot);
    *op = ir_op_from_name(ot);
    if (*op < 0)
        return base_error(DLA_ERR_UNSUPPORTED, "%s: %s: operator '%s' is not supported", c->origin, label, ot);
    return DLA_OK;
}

/* One tensor slot of a node: NULL for an omitted (empty) name. */
static dla_status slot(const onnx_ctx *c, const char *name, ir_tensor **out)
{
    *out = NULL;
    if (!name || !*name)
        return DLA_OK;
    dla_status st = ir_graph_tensor(c->g, name, out);
    return st == DLA_OK ? DLA_OK : with_origin(c, st);
}

static dla_status add_node(const onnx_ctx *c, const Onnx__NodeProto *np, size_t idx, int opset)
{
    char name[300], label[320];
    node_label(np, idx, name, sizeof name);
    snprintf(label, sizeof label, "node '%s'", name);
    int op = -1;
    BASE_TRY(check_node(c, np, label, &op));
    if (op == IR_OP_Constant || (op == IR_OP_Identity && alias_identity(c, np)))
        return DLA_OK;
    if (np->n_input > 4096 || np->n_output > 4096 || np->n_attribute > 4096)
        return base_error(DLA_ERR_FORMAT, "%s: %s: %zu inputs, %zu outputs, %zu attributes exceed the limit of 4096",
                          c->origin, label, np->n_input, np->n_output, np->n_attribute);
    ir_node *n;
    dla_status st = ir_graph_add_node(c->g, (ir_op)op, name, (int)np->n_input, (int)np->n_output,
                                      (int)np->n_attribute, &n);
    if (st != DLA_OK)
        return with_origin(c, st);
    n->op_type = base_arena_strdup(c->g->arena, np->op_type);
    if (!n->op_type)
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", c->origin);
    n->opset = opset;
    for (size_t k = 0; k < np->n_input; k++)
        BASE_TRY(slot(c, np->input[k], &n->in[k]));
    for (size_t k = 0; k < np->n_output; k++)
        BASE_TRY(slot(c, np->output[k], &n->out[k]));
    for (size_t k = 0; k < np->n_attribute; k++)
        BASE_TRY(onnx_convert_attr(c, label, np->attribute[k], &n->attrs[k]));
    return DLA_OK;
}

static dla_status add_outputs(const onnx_ctx *c, const Onnx__GraphProto *gp)
{
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi->name || !*vi->name)
            return base_error(DLA_ERR_FORMAT, "%s: graph output %zu has no name", c->origin, i);
        ir_tensor *t;
        BASE_TRY(slot(c, vi->name, &t));
        if (t->data_kind == IR_DATA_NONE && !(t->flags & IR_T_INPUT))
            BASE_TRY(apply_value_info(c, vi, "graph output", t));
        dla_status st = ir_graph_add_output(c->g, t);
        if (st != DLA_OK)
            return with_origin(c, st);
    }
    return DLA_OK;
}

static dla_status apply_overrides(const onnx_ctx *c, const onnx_import_options *opt)
{
    for (int i = 0; opt && i < opt->n_shapes; i++) {
        const onnx_shape_override *s = &opt->shapes[i];
        const char *nm = s->name ? s->name : "";
        ir_tensor *t = ir_graph_find(c->g, nm);
        if (!t || !(t->flags & IR_T_INPUT))
            return base_error(DLA_ERR_INVALID_ARG, "--shapes %s: '%s' is not a graph input of %s", nm, nm,
                              c->origin);
        if (s->rank < 0 || s->rank > IR_MAX_RANK)
            return base_error(DLA_ERR_INVALID_ARG, "--shapes %s: rank %d is outside 0..%d", nm, s->rank,
                              IR_MAX_RANK);
        if (t->rank >= 0 && t->rank != s->rank)
            return base_error(DLA_ERR_INVALID_ARG, "--shapes %s: rank %d, but %s declares rank %d", nm, s->rank,
                              c->origin, t->rank);
        for (int d = 0; d < s->rank; d++)
            if (s->dims[d] < 0 || s->dims[d] > IR_MAX_NUMEL)
                return base_error(DLA_ERR_INVALID_ARG, "--shapes %s: dim %d is %lld, outside 0..2^40", nm, d,
                                  (long long)s->dims[d]);
        ir_tensor_set_shape(t, s->rank, s->dims);
        for (int d = 0; d < IR_MAX_RANK; d++)
            t->dim_param[d] = NULL;
    }
    return DLA_OK;
}

/* Shape inference where a family provides it; a missing or unsupported inference leaves shapes unknown (the
 * executor infers again at run time), a real error fails the import. */
static dla_status infer_all(const onnx_ctx *c)
{
    ir_graph *g = c->g;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = g->nodes[i];
        const ir_infer_entry *e = ir_infer_lookup(n->op);
        if (!e)
            continue;
        /* infer functions write their required outputs unchecked: an omitted one is a malformed node */
        for (int k = 0; k < e->min_out && k < n->n_out; k++)
            if (!n->out[k])
                return base_error(DLA_ERR_FORMAT, "%s: %s '%s': required output %d has no name", c->origin,
                                  n->op_type, n->name, k);
        dla_status st = ir_infer_node(n);
        if (st == DLA_ERR_UNSUPPORTED) {
            base_clear_error();
            continue;
        }
        if (st != DLA_OK)
            return with_origin(c, st);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const ir_tensor *t = g->outputs[i];
        if (!t->producer && t->data_kind != IR_DATA_CONST && !(t->flags & IR_T_INPUT))
            return base_error(DLA_ERR_FORMAT, "%s: graph output '%s' is not produced by any node", c->origin,
                              t->name);
    }
    return DLA_OK;
}

static dla_status build(onnx_ctx *c, Onnx__ModelProto *m, const onnx_import_options *opt)
{
    int opset = 0;
    BASE_TRY(check_versions(c, m, &opset));
    Onnx__GraphProto *gp = m->graph;
    if (!gp)
        return base_error(DLA_ERR_FORMAT, "%s: the model has no graph", c->origin);
    ir_graph *g = c->g;
    g->opset = opset;
    if (gp->name && *gp->name && !(g->name = base_arena_strdup(g->arena, gp->name)))
        return base_error(DLA_ERR_NOMEM, "%s: out of memory", c->origin);
    BASE_TRY(add_initializers(c, gp));
    BASE_TRY(add_inputs(c, gp));
    BASE_TRY(add_constants(c, gp));
    for (size_t i = 0; i < gp->n_node; i++)
        BASE_TRY(add_node(c, gp->node[i], i, opset));
    BASE_TRY(add_outputs(c, gp));
    BASE_TRY(apply_overrides(c, opt));
    dla_status st = ir_graph_toposort(g);
    if (st != DLA_OK)
        return with_origin(c, st);
    return infer_all(c);
}

/* owned: bytes is malloc'd and released as soon as it is parsed (the parse copies what it keeps). */
static dla_status import_bytes(void *owned, const void *bytes, size_t size, const onnx_import_options *opt,
                               ir_graph **out)
{
    *out = NULL;
    onnx_ctx c = {opt && opt->origin ? opt->origin : "<memory>", opt ? opt->base_dir : NULL, NULL};
    if (!bytes && size) {
        free(owned);
        return base_error(DLA_ERR_INVALID_ARG, "%s: NULL model bytes", c.origin);
    }
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, bytes);
    free(owned);
    if (!m)
        return base_error(DLA_ERR_FORMAT, "%s: not a valid ONNX model (protobuf parse failed)", c.origin);
    dla_status st = ir_graph_create(&c.g);
    if (st == DLA_OK)
        st = build(&c, m, opt);
    onnx__model_proto__free_unpacked(m, NULL);
    if (st != DLA_OK) {
        ir_graph_destroy(c.g);
        return st;
    }
    base_clear_error();
    *out = c.g;
    return DLA_OK;
}

dla_status onnx_import(const void *bytes, size_t size, const onnx_import_options *opt, ir_graph **out)
{
    return import_bytes(NULL, bytes, size, opt, out);
}

dla_status onnx_import_owned(void *bytes, size_t size, const onnx_import_options *opt, ir_graph **out)
{
    return import_bytes(bytes, bytes, size, opt, out);
}

dla_status onnx_import_file(const char *path, const onnx_import_options *opt, ir_graph **out)
{
    *out = NULL;
    void *bytes;
    size_t size;
    BASE_TRY(base_read_file(path, &bytes, &size));
    onnx_import_options o = opt ? *opt : (onnx_import_options){0};
    char *dir = NULL;
    if (!o.origin)
        o.origin = path;
    if (!o.base_dir) {
        dir = base_dirname(path);
        if (!dir) {
            free(bytes);
            return base_error(DLA_ERR_NOMEM, "%s: out of memory", path);
        }
        o.base_dir = dir;
    }
    dla_status st = import_bytes(bytes, bytes, size, &o, out); /* releases bytes once parsed */
    free(dir);
    return st;
}
