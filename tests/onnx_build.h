/* Test helper: builds ONNX models in memory with the protobuf-c structs, so tests need no model files.
 * Every allocation goes into a pool freed by mb_free_all(). Only for tests. */
#ifndef DLA_TESTS_ONNX_BUILD_H
#define DLA_TESTS_ONNX_BUILD_H

#include "onnx.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define MB_MAX 16 /* room in every repeated field the builder fills */

static void *mb_pool[8192];
static int mb_npool;

static void *mb_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p || mb_npool >= (int)(sizeof mb_pool / sizeof mb_pool[0]))
        abort(); /* test code: an allocation failure is a broken test machine */
    mb_pool[mb_npool++] = p;
    return p;
}

static void mb_free_all(void)
{
    while (mb_npool)
        free(mb_pool[--mb_npool]);
}

static char *mb_str(const char *s)
{
    char *p = mb_alloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

static Onnx__ModelProto *mb_model(int opset)
{
    Onnx__ModelProto *m = mb_alloc(sizeof *m);
    onnx__model_proto__init(m);
    m->has_ir_version = 1;
    m->ir_version = 8;
    Onnx__OperatorSetIdProto *o = mb_alloc(sizeof *o);
    onnx__operator_set_id_proto__init(o);
    o->domain = mb_str("");
    o->has_version = 1;
    o->version = opset;
    m->opset_import = mb_alloc(sizeof(void *) * MB_MAX);
    m->opset_import[m->n_opset_import++] = o;
    Onnx__GraphProto *g = mb_alloc(sizeof *g);
    onnx__graph_proto__init(g);
    g->name = mb_str("test");
    g->node = mb_alloc(sizeof(void *) * MB_MAX);
    g->initializer = mb_alloc(sizeof(void *) * MB_MAX);
    g->input = mb_alloc(sizeof(void *) * MB_MAX);
    g->output = mb_alloc(sizeof(void *) * MB_MAX);
    m->graph = g;
    return m;
}

/* A comma-separated list ("a,,b": the middle one empty) into a string array; returns the count. */
static size_t mb_list(const char *csv, char ***out)
{
    *out = mb_alloc(sizeof(char *) * MB_MAX);
    if (!csv)
        return 0;
    size_t n = 0;
    const char *p = csv;
    for (;;) {
        size_t len = strcspn(p, ",");
        char *s = mb_alloc(len + 1);
        memcpy(s, p, len);
        (*out)[n++] = s;
        if (!p[len])
            break;
        p += len + 1;
    }
    return n;
}

static Onnx__NodeProto *mb_node(Onnx__ModelProto *m, const char *op, const char *name, const char *ins,
                                const char *outs)
{
    Onnx__NodeProto *n = mb_alloc(sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = mb_str(op);
    n->name = mb_str(name ? name : "");
    n->domain = mb_str("");
    n->n_input = mb_list(ins, &n->input);
    n->n_output = mb_list(outs, &n->output);
    n->attribute = mb_alloc(sizeof(void *) * MB_MAX);
    m->graph->node[m->graph->n_node++] = n;
    return n;
}

static Onnx__AttributeProto *mb_attr(Onnx__NodeProto *n, const char *name, Onnx__AttributeProto__AttributeType ty)
{
    Onnx__AttributeProto *a = mb_alloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = mb_str(name);
    a->has_type = 1;
    a->type = ty;
    n->attribute[n->n_attribute++] = a;
    return a;
}

static void mb_attr_int(Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = mb_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

static void mb_attr_float(Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = mb_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

static void mb_attr_str(Onnx__NodeProto *n, const char *name, const char *v)
{
    Onnx__AttributeProto *a = mb_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.data = (uint8_t *)mb_str(v);
    a->s.len = strlen(v);
}

static void mb_attr_ints(Onnx__NodeProto *n, const char *name, size_t cnt, const int64_t *v)
{
    Onnx__AttributeProto *a = mb_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->ints = mb_alloc(sizeof(int64_t) * cnt);
    memcpy(a->ints, v, sizeof(int64_t) * cnt);
    a->n_ints = cnt;
}

static void mb_attr_floats(Onnx__NodeProto *n, const char *name, size_t cnt, const float *v)
{
    Onnx__AttributeProto *a = mb_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    a->floats = mb_alloc(sizeof(float) * cnt);
    memcpy(a->floats, v, sizeof(float) * cnt);
    a->n_floats = cnt;
}

/* A tensor header (no data yet): fill one of the data fields after. */
static Onnx__TensorProto *mb_tensor(const char *name, int dtype, size_t rank, const int64_t *dims)
{
    Onnx__TensorProto *t = mb_alloc(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = mb_str(name);
    t->has_data_type = 1;
    t->data_type = dtype;
    t->dims = mb_alloc(sizeof(int64_t) * (rank + 1));
    if (rank)
        memcpy(t->dims, dims, sizeof(int64_t) * rank);
    t->n_dims = rank;
    return t;
}

static void mb_raw(Onnx__TensorProto *t, const void *data, size_t bytes)
{
    t->has_raw_data = 1;
    t->raw_data.data = mb_alloc(bytes);
    memcpy(t->raw_data.data, data, bytes);
    t->raw_data.len = bytes;
}

static void mb_floats(Onnx__TensorProto *t, size_t n, const float *v)
{
    t->float_data = mb_alloc(sizeof(float) * n);
    memcpy(t->float_data, v, sizeof(float) * n);
    t->n_float_data = n;
}

static void mb_int32s(Onnx__TensorProto *t, size_t n, const int32_t *v)
{
    t->int32_data = mb_alloc(sizeof(int32_t) * n);
    memcpy(t->int32_data, v, sizeof(int32_t) * n);
    t->n_int32_data = n;
}

static void mb_init(Onnx__ModelProto *m, Onnx__TensorProto *t) { m->graph->initializer[m->graph->n_initializer++] = t; }

/* A tensor ValueInfo; dims < 0 become the symbolic dim "N". */
static Onnx__ValueInfoProto *mb_value(const char *name, int dtype, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *v = mb_alloc(sizeof *v);
    onnx__value_info_proto__init(v);
    v->name = mb_str(name);
    Onnx__TypeProto *tp = mb_alloc(sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = mb_alloc(sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = dtype;
    if (rank >= 0) {
        Onnx__TensorShapeProto *sp = mb_alloc(sizeof *sp);
        onnx__tensor_shape_proto__init(sp);
        sp->dim = mb_alloc(sizeof(void *) * (size_t)(rank + 1));
        for (int i = 0; i < rank; i++) {
            Onnx__TensorShapeProto__Dimension *d = mb_alloc(sizeof *d);
            onnx__tensor_shape_proto__dimension__init(d);
            if (dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[i];
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = mb_str("N");
            }
            sp->dim[sp->n_dim++] = d;
        }
        tt->shape = sp;
    }
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    v->type = tp;
    return v;
}

static void mb_input(Onnx__ModelProto *m, const char *name, int dtype, int rank, const int64_t *dims)
{
    m->graph->input[m->graph->n_input++] = mb_value(name, dtype, rank, dims);
}

static void mb_output(Onnx__ModelProto *m, const char *name, int dtype, int rank, const int64_t *dims)
{
    m->graph->output[m->graph->n_output++] = mb_value(name, dtype, rank, dims);
}

/* Serializes m into a pool buffer. */
static uint8_t *mb_pack(const Onnx__ModelProto *m, size_t *len)
{
    *len = onnx__model_proto__get_packed_size(m);
    uint8_t *buf = mb_alloc(*len);
    onnx__model_proto__pack(m, buf);
    return buf;
}

#endif
