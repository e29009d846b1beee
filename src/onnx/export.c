/* IR graph -> ONNX ModelProto bytes: nodes (through export_forms.c, which writes each at the export opset),
 * attributes of every type, constants as little-endian raw_data initializers, graph inputs and outputs with their
 * types and shapes. Every message is built in an arena and packed with protobuf-c into one malloc'd buffer. */
#include "onnx/export_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_IR_VERSION 8
#define EX_MAX_OPSET 18

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define EX_BIG_ENDIAN 1
#else
#define EX_BIG_ENDIAN 0
#endif

static dla_status nomem(void) { return base_error(DLA_ERR_NOMEM, "ONNX export: out of memory"); }

static void *alloc(ex_ctx *c, size_t size) { return base_arena_alloc(c->a, size); }

static char *dup(ex_ctx *c, const char *s) { return base_arena_strdup(c->a, s ? s : ""); }

/* Appends p to a malloc'd pointer array. */
static int push(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        void **na = realloc(*arr, nc * sizeof(void *));
        if (!na)
            return 0;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = p;
    return 1;
}

/* ---- tensors -------------------------------------------------------------------------------------------- */

/* A TensorProto with raw_data. The data is referenced, not copied, unless the host is big-endian (then it is
 * byte-swapped into the arena) or `copy` is set. */
static Onnx__TensorProto *tensor_proto(ex_ctx *c, const char *name, ir_dtype dt, int rank, const int64_t *dims,
                                       const void *data, int copy)
{
    Onnx__TensorProto *tp = alloc(c, sizeof *tp);
    if (!tp)
        return NULL;
    *tp = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    tp->name = dup(c, name);
    tp->has_data_type = 1;
    tp->data_type = (int32_t)dt;
    tp->n_dims = (size_t)rank;
    tp->dims = alloc(c, sizeof(int64_t) * (size_t)(rank + 1));
    if (!tp->name || !tp->dims)
        return NULL;
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        tp->dims[i] = dims[i];
        numel *= dims[i];
    }
    size_t es = ir_dtype_size(dt), nb = (size_t)numel * es;
    tp->has_raw_data = 1;
    tp->raw_data.len = nb;
    tp->raw_data.data = (uint8_t *)data;
    if (nb && (copy || (EX_BIG_ENDIAN && es > 1))) {
        unsigned char *d = alloc(c, nb);
        if (!d)
            return NULL;
        memcpy(d, data, nb);
        for (size_t i = 0; EX_BIG_ENDIAN && es > 1 && i < nb; i += es)
            for (size_t a = 0, b = es - 1; a < b; a++, b--) {
                unsigned char t = d[i + a];
                d[i + a] = d[i + b];
                d[i + b] = t;
            }
        tp->raw_data.data = d;
    }
    return tp;
}

static dla_status tensor_of(ex_ctx *c, const ir_tensor *t, const char *what, Onnx__TensorProto **out)
{
    if (t->data_kind != IR_DATA_CONST || !t->data || t->rank < 0 || ir_tensor_numel(t) < 0 ||
        ir_dtype_size(t->dtype) == 0)
        return base_error(DLA_ERR_INVALID_ARG, "ONNX export: %s '%s' is not a constant of known type and shape", what,
                          t->name ? t->name : "");
    *out = tensor_proto(c, t->name ? t->name : "", t->dtype, t->rank, t->dims, t->data, 0);
    return *out ? DLA_OK : nomem();
}

/* ---- attributes ----------------------------------------------------------------------------------------- */

static dla_status attr_proto(ex_ctx *c, const ir_node *n, const ir_attr *a, Onnx__AttributeProto **out)
{
    Onnx__AttributeProto *p = alloc(c, sizeof *p);
    if (!p)
        return nomem();
    *p = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    if (!(p->name = dup(c, a->name)))
        return nomem();
    p->has_type = 1;
    p->type = (Onnx__AttributeProto__AttributeType)a->type;
    switch (a->type) {
    case IR_ATTR_FLOAT:
        p->has_f = 1;
        p->f = a->f;
        break;
    case IR_ATTR_INT:
        p->has_i = 1;
        p->i = a->i;
        break;
    case IR_ATTR_STRING:
        p->has_s = 1;
        p->s.data = (uint8_t *)(a->s ? a->s : "");
        p->s.len = a->s ? strlen(a->s) : 0;
        break;
    case IR_ATTR_TENSOR:
        if (!a->t)
            return ir_node_error(n, DLA_ERR_INVALID_ARG, "TENSOR attribute '%s' has no tensor", a->name);
        BASE_TRY(tensor_of(c, a->t, "attribute tensor", &p->t));
        break;
    case IR_ATTR_FLOATS:
        p->n_floats = (size_t)a->n;
        p->floats = a->floats;
        break;
    case IR_ATTR_INTS:
        p->n_ints = (size_t)a->n;
        p->ints = a->ints;
        break;
    case IR_ATTR_STRINGS:
        p->n_strings = (size_t)a->n;
        p->strings = alloc(c, sizeof(ProtobufCBinaryData) * (size_t)(a->n + 1));
        if (!p->strings)
            return nomem();
        for (int i = 0; i < a->n; i++) {
            const char *s = a->strings[i] ? a->strings[i] : "";
            p->strings[i].data = (uint8_t *)s;
            p->strings[i].len = strlen(s);
        }
        break;
    default:
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "attribute '%s' has type %d, which the exporter cannot write",
                             a->name, (int)a->type);
    }
    *out = p;
    return DLA_OK;
}

/* ---- building blocks for export_forms.c --------------------------------------------------------------- */

dla_status ex_node_new(ex_ctx *c, const ir_node *src, const char *op_type, const char *name, int n_in, int n_out,
                       int n_attrs, ex_node *e)
{
    memset(e, 0, sizeof *e);
    e->src = src;
    e->op_type = op_type;
    e->name = name;
    e->n_in = n_in;
    e->n_out = n_out;
    e->cap_attrs = n_attrs + 8;
    e->in = alloc(c, sizeof(char *) * (size_t)(n_in + 8));
    e->out = alloc(c, sizeof(char *) * (size_t)(n_out + 1));
    e->attrs = alloc(c, sizeof(ir_attr) * (size_t)e->cap_attrs);
    if (!e->in || !e->out || !e->attrs)
        return nomem();
    for (int i = 0; i < n_in + 8; i++)
        e->in[i] = "";
    for (int i = 0; i < n_out; i++)
        e->out[i] = "";
    return DLA_OK;
}

void ex_set_input(ex_node *e, int i, const char *name)
{
    for (int k = e->n_in; k < i; k++)
        e->in[k] = "";
    e->in[i] = name;
    if (i >= e->n_in)
        e->n_in = i + 1;
}

int ex_attr_find(const ex_node *e, const char *name)
{
    for (int i = 0; i < e->n_attrs; i++)
        if (strcmp(e->attrs[i].name, name) == 0)
            return i;
    return -1;
}

void ex_attr_remove(ex_node *e, const char *name)
{
    int i = ex_attr_find(e, name);
    if (i < 0)
        return;
    memmove(&e->attrs[i], &e->attrs[i + 1], sizeof(ir_attr) * (size_t)(e->n_attrs - i - 1));
    e->n_attrs--;
}

/* A zeroed attribute slot named `name` (replacing an existing one). */
static dla_status attr_slot(ex_ctx *c, ex_node *e, const char *name, ir_attr_type ty, ir_attr **out)
{
    ex_attr_remove(e, name);
    if (e->n_attrs == e->cap_attrs) {
        ir_attr *na = alloc(c, sizeof(ir_attr) * (size_t)(e->cap_attrs * 2));
        if (!na)
            return nomem();
        memcpy(na, e->attrs, sizeof(ir_attr) * (size_t)e->n_attrs);
        e->attrs = na;
        e->cap_attrs *= 2;
    }
    ir_attr *a = &e->attrs[e->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = dup(c, name);
    a->type = ty;
    *out = a;
    return a->name ? DLA_OK : nomem();
}

dla_status ex_attr_int(ex_ctx *c, ex_node *e, const char *name, int64_t v)
{
    ir_attr *a;
    BASE_TRY(attr_slot(c, e, name, IR_ATTR_INT, &a));
    a->i = v;
    return DLA_OK;
}

dla_status ex_attr_str(ex_ctx *c, ex_node *e, const char *name, const char *s)
{
    ir_attr *a;
    BASE_TRY(attr_slot(c, e, name, IR_ATTR_STRING, &a));
    a->s = dup(c, s);
    return a->s ? DLA_OK : nomem();
}

dla_status ex_attr_ints(ex_ctx *c, ex_node *e, const char *name, const int64_t *v, int n)
{
    ir_attr *a;
    BASE_TRY(attr_slot(c, e, name, IR_ATTR_INTS, &a));
    a->n = n;
    a->ints = alloc(c, sizeof(int64_t) * (size_t)(n + 1));
    if (!a->ints)
        return nomem();
    if (n)
        memcpy(a->ints, v, sizeof(int64_t) * (size_t)n);
    return DLA_OK;
}

static int name_taken(const ex_ctx *c, const char *s)
{
    if (ir_graph_find(c->g, s))
        return 1;
    for (int i = 0; i < c->n_names; i++)
        if (strcmp(c->names[i], s) == 0)
            return 1;
    return 0;
}

dla_status ex_unique_name(ex_ctx *c, const char *base, const char **name)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%.300s", base);
    for (int k = 1; name_taken(c, buf); k++)
        snprintf(buf, sizeof buf, "%.300s_%d", base, k);
    char *s = dup(c, buf);
    size_t n = (size_t)c->n_names, cap = (size_t)c->cap_names;
    if (!s || !push((void ***)&c->names, &n, &cap, s))
        return nomem();
    c->n_names = (int)n;
    c->cap_names = (int)cap;
    *name = s;
    return DLA_OK;
}

dla_status ex_const(ex_ctx *c, const char *base, ir_dtype dt, int rank, const int64_t *dims, const void *data,
                    const char **name)
{
    BASE_TRY(ex_unique_name(c, base, name));
    Onnx__TensorProto *tp = tensor_proto(c, *name, dt, rank, dims, data, 1);
    if (!tp || !push((void ***)&c->inits, &c->n_inits, &c->cap_inits, tp))
        return nomem();
    return DLA_OK;
}

dla_status ex_const_ints(ex_ctx *c, const char *base, const int64_t *v, int n, const char **name)
{
    int64_t dims[1] = {n};
    return ex_const(c, base, IR_I64, 1, dims, v, name);
}

dla_status ex_const_scalar(ex_ctx *c, const char *base, ir_dtype dt, double v, const char **name)
{
    unsigned char buf[16] = {0};
    if (ir_dtype_is_float(dt))
        ir_set_f64(dt, buf, 0, v);
    else
        ir_set_i64(dt, buf, 0, (int64_t)v);
    return ex_const(c, base, dt, 0, NULL, buf, name);
}

dla_status ex_emit(ex_ctx *c, const ex_node *e)
{
    Onnx__NodeProto *np = alloc(c, sizeof *np);
    if (!np)
        return nomem();
    *np = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    np->op_type = dup(c, e->op_type);
    np->name = dup(c, e->name);
    /* trailing omitted inputs are dropped */
    int n_in = e->n_in;
    while (n_in > 0 && !*e->in[n_in - 1])
        n_in--;
    np->n_input = (size_t)n_in;
    np->input = alloc(c, sizeof(char *) * (size_t)(n_in + 1));
    int n_out = e->n_out;
    while (n_out > 0 && !*e->out[n_out - 1])
        n_out--;
    np->n_output = (size_t)n_out;
    np->output = alloc(c, sizeof(char *) * (size_t)(n_out + 1));
    np->n_attribute = (size_t)e->n_attrs;
    np->attribute = alloc(c, sizeof(Onnx__AttributeProto *) * (size_t)(e->n_attrs + 1));
    if (!np->op_type || !np->name || !np->input || !np->output || !np->attribute)
        return nomem();
    for (int i = 0; i < n_in; i++) {
        np->input[i] = (char *)e->in[i];
        const ir_tensor *t = *e->in[i] ? ir_graph_find(c->g, e->in[i]) : NULL;
        if (t)
            c->used[t->id] = 1;
    }
    for (int i = 0; i < n_out; i++)
        np->output[i] = (char *)e->out[i];
    for (int i = 0; i < e->n_attrs; i++)
        BASE_TRY(attr_proto(c, e->src, &e->attrs[i], &np->attribute[i]));
    return push((void ***)&c->nodes, &c->n_nodes, &c->cap_nodes, np) ? DLA_OK : nomem();
}

/* ---- graph inputs, outputs and the model ---------------------------------------------------------------- */

static dla_status value_info(ex_ctx *c, const ir_tensor *t, Onnx__ValueInfoProto **out)
{
    Onnx__ValueInfoProto *vi = alloc(c, sizeof *vi);
    Onnx__TypeProto *tp = alloc(c, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = alloc(c, sizeof *tt);
    if (!vi || !tp || !tt)
        return nomem();
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    *tp = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    if (!(vi->name = dup(c, t->name)))
        return nomem();
    vi->type = tp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    if (t->dtype != IR_UNDEFINED) {
        tt->has_elem_type = 1;
        tt->elem_type = (int32_t)t->dtype;
    }
    if (t->rank >= 0) {
        Onnx__TensorShapeProto *sp = alloc(c, sizeof *sp);
        if (!sp)
            return nomem();
        *sp = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
        sp->n_dim = (size_t)t->rank;
        sp->dim = alloc(c, sizeof(Onnx__TensorShapeProto__Dimension *) * (size_t)(t->rank + 1));
        if (!sp->dim)
            return nomem();
        for (int d = 0; d < t->rank; d++) {
            Onnx__TensorShapeProto__Dimension *dm = alloc(c, sizeof *dm);
            if (!dm)
                return nomem();
            *dm = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
            if (t->dims[d] >= 0 && !(t->dim_param[d] && t->flags & IR_T_INPUT)) {
                dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                dm->dim_value = t->dims[d];
            } else if (t->dim_param[d]) {
                dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                if (!(dm->dim_param = dup(c, t->dim_param[d])))
                    return nomem();
            } /* else: an unknown dim without a name */
            sp->dim[d] = dm;
        }
        tt->shape = sp;
    }
    *out = vi;
    return DLA_OK;
}

static dla_status value_infos(ex_ctx *c, ir_tensor *const *ts, int n, Onnx__ValueInfoProto ***out)
{
    *out = alloc(c, sizeof(Onnx__ValueInfoProto *) * (size_t)(n + 1));
    if (!*out)
        return nomem();
    for (int i = 0; i < n; i++)
        BASE_TRY(value_info(c, ts[i], &(*out)[i]));
    return DLA_OK;
}

/* Graph constants read by an emitted node or listed as outputs, in tensor order, then conversion constants. */
static dla_status initializers(ex_ctx *c, Onnx__GraphProto *gp)
{
    const ir_graph *g = c->g;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i]->data_kind == IR_DATA_CONST)
            c->used[g->outputs[i]->id] = 1;
    size_t n = c->n_inits;
    for (int i = 0; i < g->n_tensors; i++)
        n += c->used[i] && g->tensors[i]->data_kind == IR_DATA_CONST;
    gp->initializer = alloc(c, sizeof(Onnx__TensorProto *) * (n + 1));
    if (!gp->initializer)
        return nomem();
    size_t k = 0;
    for (int i = 0; i < g->n_tensors; i++)
        if (c->used[i] && g->tensors[i]->data_kind == IR_DATA_CONST)
            BASE_TRY(tensor_of(c, g->tensors[i], "constant", &gp->initializer[k++]));
    for (size_t i = 0; i < c->n_inits; i++)
        gp->initializer[k++] = c->inits[i];
    gp->n_initializer = k;
    return DLA_OK;
}

/* Graph inputs must not be constants, outputs must exist: the same rules the importer enforces. */
static dla_status check_io(const ir_graph *g)
{
    for (int i = 0; i < g->n_tensors; i++)
        if (!g->tensors[i] || g->tensors[i]->id != i)
            return base_error(DLA_ERR_INTERNAL, "ONNX export: tensor %d's id is not its position", i);
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i]->data_kind == IR_DATA_CONST)
            return base_error(DLA_ERR_INVALID_ARG, "ONNX export: graph input '%s' is a constant",
                              g->inputs[i]->name);
    return DLA_OK;
}

/* Explicit-quantization scales (ir_tensor.quant_scale) have no ONNX field: they go to the model's
 * metadata_props as "dlakit.quant_scale/<tensor>" = "%.9g", in tensor order. */
static dla_status quant_scales(ex_ctx *c, Onnx__ModelProto *m)
{
    const ir_graph *g = c->g;
    size_t n = 0;
    for (int i = 0; i < g->n_tensors; i++)
        n += g->tensors[i]->quant_scale != 0;
    if (!n)
        return DLA_OK;
    m->metadata_props = alloc(c, sizeof(Onnx__StringStringEntryProto *) * n);
    if (!m->metadata_props)
        return nomem();
    for (int i = 0; i < g->n_tensors; i++) {
        const ir_tensor *t = g->tensors[i];
        if (t->quant_scale == 0)
            continue;
        Onnx__StringStringEntryProto *e = alloc(c, sizeof *e);
        char key[600], val[64];
        snprintf(key, sizeof key, "dlakit.quant_scale/%.500s", t->name);
        snprintf(val, sizeof val, "%.9g", (double)t->quant_scale);
        if (!e)
            return nomem();
        *e = (Onnx__StringStringEntryProto)ONNX__STRING_STRING_ENTRY_PROTO__INIT;
        e->key = dup(c, key);
        e->value = dup(c, val);
        if (!e->key || !e->value)
            return nomem();
        m->metadata_props[m->n_metadata_props++] = e;
    }
    return DLA_OK;
}

static dla_status build(ex_ctx *c, Onnx__ModelProto *m)
{
    const ir_graph *g = c->g;
    BASE_TRY(check_io(g));
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i])
            BASE_TRY(ex_node_forms(c, g->nodes[i]));
    Onnx__GraphProto *gp = alloc(c, sizeof *gp);
    Onnx__OperatorSetIdProto *os = alloc(c, sizeof *os);
    Onnx__OperatorSetIdProto **osl = alloc(c, sizeof *osl);
    if (!gp || !os || !osl)
        return nomem();
    *gp = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    *os = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    os->domain = dup(c, "");
    os->has_version = 1;
    os->version = c->opset;
    osl[0] = os;
    m->has_ir_version = 1;
    m->ir_version = EX_IR_VERSION;
    m->n_opset_import = 1;
    m->opset_import = osl;
    m->producer_name = dup(c, "dlakit");
    m->graph = gp;
    gp->name = dup(c, g->name ? g->name : "graph");
    if (!os->domain || !m->producer_name || !gp->name)
        return nomem();
    gp->n_node = c->n_nodes;
    gp->node = c->nodes;
    BASE_TRY(initializers(c, gp));
    BASE_TRY(value_infos(c, g->inputs, g->n_inputs, &gp->input));
    gp->n_input = (size_t)g->n_inputs;
    BASE_TRY(value_infos(c, g->outputs, g->n_outputs, &gp->output));
    gp->n_output = (size_t)g->n_outputs;
    return quant_scales(c, m);
}

dla_status onnx_export_ex(const ir_graph *g, const onnx_export_options *opt, void **bytes, size_t *size)
{
    *bytes = NULL;
    *size = 0;
    if (!g)
        return base_error(DLA_ERR_INVALID_ARG, "ONNX export: NULL graph");
    ex_ctx c = {.g = g, .opset = ex_choose_opset(g)};
    if (opt && opt->opset) {
        if (opt->opset < 1 || opt->opset > EX_MAX_OPSET)
            return base_error(DLA_ERR_INVALID_ARG, "ONNX export: opset %d is outside 1..%d", opt->opset,
                              EX_MAX_OPSET);
        if (opt->opset < c.opset)
            return base_error(DLA_ERR_INVALID_ARG,
                              "ONNX export: opset %d is below %d, the lowest opset every node can be written at",
                              opt->opset, c.opset);
        c.opset = opt->opset;
    }
    if (c.opset > EX_MAX_OPSET)
        return base_error(DLA_ERR_UNSUPPORTED, "ONNX export: a node has opset %d; the exporter writes up to %d",
                          c.opset, EX_MAX_OPSET);
    c.a = base_arena_create();
    c.used = calloc((size_t)g->n_tensors + 1, 1);
    dla_status st = c.a && c.used ? DLA_OK : nomem();
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    if (st == DLA_OK)
        st = build(&c, &m);
    if (st == DLA_OK) {
        size_t n = onnx__model_proto__get_packed_size(&m);
        uint8_t *buf = malloc(n ? n : 1);
        if (!buf) {
            st = nomem();
        } else {
            size_t w = onnx__model_proto__pack(&m, buf);
            if (w != n) {
                free(buf);
                st = base_error(DLA_ERR_INTERNAL, "ONNX export: packed %zu bytes, expected %zu", w, n);
            } else {
                *bytes = buf;
                *size = n;
            }
        }
    }
    free(c.nodes);
    free(c.inits);
    free(c.names);
    free(c.used);
    base_arena_destroy(c.a);
    return st;
}

dla_status onnx_export(const ir_graph *g, void **bytes, size_t *size) { return onnx_export_ex(g, NULL, bytes, size); }

dla_status onnx_export_file(const ir_graph *g, const onnx_export_options *opt, const char *path)
{
    void *bytes;
    size_t size;
    BASE_TRY(onnx_export_ex(g, opt, &bytes, &size));
    dla_status st = base_write_file(path, bytes, size);
    free(bytes);
    return st;
}
