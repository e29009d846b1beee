/* onnx: the importer on models built in memory — graphs, initializers, Constant forms, typed/raw/external data,
 * attributes, shape overrides — and on malformed input (random bytes, truncations, bad references, cycles,
 * unknown ops, size mismatches). */
#include "check.h"
#include "onnx/onnx_import.h"
#include "onnx_build.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int has(const char *needle) { return strstr(dla_last_error(), needle) != NULL; }

static dla_status import_model(const Onnx__ModelProto *m, const onnx_import_options *opt, ir_graph **g)
{
    size_t len;
    uint8_t *buf = mb_pack(m, &len);
    onnx_import_options o = {.origin = "test.onnx"};
    return onnx_import(buf, len, opt ? opt : &o, g);
}

static void test_relu(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t xd[] = {1, 3, -1, 4};
    mb_input(m, "x", IR_F32, 4, xd);
    mb_node(m, "Relu", "relu1", "x", "y");
    mb_output(m, "y", IR_F32, 4, xd);
    ir_graph *g;
    CHECK_OK(import_model(m, NULL, &g));
    if (g) {
        CHECK(g->opset == 13 && strcmp(g->name, "test") == 0);
        CHECK(g->n_inputs == 1 && g->n_outputs == 1 && g->n_nodes == 1);
        ir_tensor *x = g->inputs[0];
        CHECK(strcmp(x->name, "x") == 0 && x->dtype == IR_F32 && x->rank == 4);
        CHECK(x->dims[0] == 1 && x->dims[1] == 3 && x->dims[2] == -1 && x->dims[3] == 4);
        CHECK(x->dim_param[2] && strcmp(x->dim_param[2], "N") == 0 && !x->dim_param[0]);
        CHECK(x->flags & IR_T_INPUT);
        ir_node *n = g->nodes[0];
        CHECK(n->op == IR_OP_Relu && strcmp(n->op_type, "Relu") == 0 && strcmp(n->name, "relu1") == 0);
        CHECK(n->opset == 13 && n->n_in == 1 && n->n_out == 1 && n->in[0] == x);
        ir_tensor *y = g->outputs[0];
        CHECK(n->out[0] == y && y->producer == n && (y->flags & IR_T_OUTPUT));
        CHECK(y->dtype == IR_F32 && y->rank == 4 && y->dims[3] == 4);
        ir_graph_destroy(g);
    }
    /* the same through a file, with the "ai.onnx" domain spelled out */
    m->opset_import[0]->domain = mb_str("ai.onnx");
    m->graph->node[0]->domain = mb_str("ai.onnx");
    size_t len;
    uint8_t *buf = mb_pack(m, &len);
    char dir[] = "/tmp/dla_onnx_XXXXXX", path[128];
    if (mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/relu.onnx", dir);
        CHECK_OK(base_write_file(path, buf, len));
        CHECK_OK(onnx_import_file(path, NULL, &g));
        CHECK(g && g->n_nodes == 1 && g->nodes[0]->op == IR_OP_Relu);
        ir_graph_destroy(g);
        unlink(path);
        CHECK_STATUS(onnx_import_file(path, NULL, &g), DLA_ERR_IO);
        CHECK(g == NULL && has("relu.onnx"));
        rmdir(dir);
    }
    mb_free_all();
}

/* Conv with weights in raw_data and the bias in float_data; initializers also listed as inputs (IR 3). */
static void test_conv(void)
{
    Onnx__ModelProto *m = mb_model(11);
    m->ir_version = 3;
    int64_t xd[] = {1, 2, 5, 5}, wd[] = {3, 2, 3, 3}, bd[] = {3};
    mb_input(m, "x", IR_F32, 4, xd);
    mb_input(m, "W", IR_F32, 4, wd);
    mb_input(m, "B", IR_F32, 1, bd);
    float w[54], b[3] = {0.5f, -1.0f, 2.0f};
    for (int i = 0; i < 54; i++)
        w[i] = (float)i * 0.25f - 3.0f;
    Onnx__TensorProto *tw = mb_tensor("W", IR_F32, 4, wd);
    mb_raw(tw, w, sizeof w);
    Onnx__TensorProto *tb = mb_tensor("B", IR_F32, 1, bd);
    mb_floats(tb, 3, b);
    mb_init(m, tw);
    mb_init(m, tb);
    Onnx__NodeProto *n = mb_node(m, "Conv", "", "x,W,B", "y");
    int64_t ks[] = {3, 3}, pads[] = {1, 1, 1, 1}, strides[] = {2, 2};
    float fl[] = {1.5f, -2.0f};
    mb_attr_ints(n, "kernel_shape", 2, ks);
    mb_attr_ints(n, "pads", 4, pads);
    mb_attr_ints(n, "strides", 2, strides);
    mb_attr_int(n, "group", 1);
    mb_attr_str(n, "auto_pad", "NOTSET");
    mb_attr_float(n, "test_f", 0.25f);
    mb_attr_floats(n, "test_fs", 2, fl);
    mb_output(m, "y", IR_F32, -1, NULL);
    ir_graph *g;
    CHECK_OK(import_model(m, NULL, &g));
    if (!g) {
        mb_free_all();
        return;
    }
    CHECK(g->n_inputs == 1 && strcmp(g->inputs[0]->name, "x") == 0);
    CHECK(g->n_nodes == 1 && g->opset == 11);
    ir_node *c = g->nodes[0];
    CHECK(c->op == IR_OP_Conv && c->n_in == 3 && strncmp(c->name, "Conv", 4) == 0);
    ir_tensor *W = ir_graph_find(g, "W"), *B = ir_graph_find(g, "B");
    CHECK(W && W->data_kind == IR_DATA_CONST && W->dtype == IR_F32 && W->rank == 4 && W->dims[1] == 2);
    CHECK(W && !(W->flags & IR_T_INPUT) && memcmp(W->data, w, sizeof w) == 0);
    CHECK(B && B->rank == 1 && B->dims[0] == 3 && ((float *)B->data)[2] == 2.0f);
    CHECK(c->in[1] == W && c->in[2] == B);
    int cnt;
    const int64_t *p = ir_attr_ints(c, "pads", &cnt);
    CHECK(p && cnt == 4 && p[3] == 1);
    CHECK(ir_attr_int(c, "group", 0) == 1);
    CHECK(strcmp(ir_attr_str(c, "auto_pad", ""), "NOTSET") == 0);
    CHECK(ir_attr_float(c, "test_f", 0) == 0.25f);
    const float *f = ir_attr_floats(c, "test_fs", &cnt);
    CHECK(f && cnt == 2 && f[1] == -2.0f);
    CHECK(ir_node_attr(c, "kernel_shape")->type == IR_ATTR_INTS);
    ir_tensor *y = g->outputs[0];
    if (ir_infer_lookup(IR_OP_Conv)) /* 5x5, pad 1, stride 2, 3x3 -> 3x3 */
        CHECK(y->rank == 4 && y->dims[1] == 3 && y->dims[2] == 3 && y->dims[3] == 3);
    ir_graph_destroy(g);
    mb_free_all();
}

static void test_constants(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t d2[] = {2};
    Onnx__NodeProto *n = mb_node(m, "Constant", "c_val", NULL, "c0");
    Onnx__AttributeProto *a = mb_attr(n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    int64_t iv[] = {7, -9};
    a->t = mb_tensor("", IR_I64, 1, d2);
    mb_raw(a->t, iv, sizeof iv);
    mb_attr_float(mb_node(m, "Constant", "", NULL, "c1"), "value_float", 2.5f);
    float fv[] = {1, 2, 3};
    mb_attr_floats(mb_node(m, "Constant", "", NULL, "c2"), "value_floats", 3, fv);
    mb_attr_int(mb_node(m, "Constant", "", NULL, "c3"), "value_int", -4);
    mb_attr_ints(mb_node(m, "Constant", "", NULL, "c4"), "value_ints", 2, iv);
    mb_node(m, "Identity", "id", "c2", "c5");       /* Identity of a constant: resolved */
    mb_node(m, "Identity", "id2", "c5", "c6");      /* and a chain of them */
    for (int i = 0; i <= 6; i++) {
        char nm[8];
        snprintf(nm, sizeof nm, "c%d", i);
        mb_output(m, nm, IR_UNDEFINED, -1, NULL);
    }
    ir_graph *g;
    CHECK_OK(import_model(m, NULL, &g));
    if (g) {
        CHECK(g->n_nodes == 0 && g->n_outputs == 7 && g->n_inputs == 0);
        ir_tensor **o = g->outputs;
        for (int i = 0; i < 7; i++)
            CHECK(o[i]->data_kind == IR_DATA_CONST && o[i]->producer == NULL);
        CHECK(o[0]->dtype == IR_I64 && o[0]->rank == 1 && ((int64_t *)o[0]->data)[1] == -9);
        CHECK(o[1]->dtype == IR_F32 && o[1]->rank == 0 && *(float *)o[1]->data == 2.5f);
        CHECK(o[2]->dtype == IR_F32 && o[2]->rank == 1 && o[2]->dims[0] == 3 && ((float *)o[2]->data)[2] == 3);
        CHECK(o[3]->dtype == IR_I64 && o[3]->rank == 0 && *(int64_t *)o[3]->data == -4);
        CHECK(o[4]->dtype == IR_I64 && o[4]->dims[0] == 2 && ((int64_t *)o[4]->data)[0] == 7);
        CHECK(o[5]->dtype == IR_F32 && o[5]->dims[0] == 3 && ((float *)o[5]->data)[1] == 2);
        CHECK(o[6]->dtype == IR_F32 && o[6]->dims[0] == 3 && ((float *)o[6]->data)[0] == 1);
        ir_graph_destroy(g);
    }
    /* string constants are refused clearly */
    m->graph->n_node = 1;
    m->graph->n_output = 1;
    a->name = mb_str("value_string");
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    a->has_s = 1;
    a->s.data = (uint8_t *)mb_str("hi");
    a->s.len = 2;
    a->t = NULL;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_UNSUPPORTED);
    CHECK(g == NULL && has("c_val") && has("value_string"));
    mb_free_all();
}

/* Every typed field and dtype, checked through the generic element readers. */
static void test_typed_data(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t d3[] = {3};
    int32_t i32v[] = {-5, 0, 127};
    const int types[] = {IR_I8, IR_U8, IR_I16, IR_U16, IR_I32, IR_BOOL};
    for (int k = 0; k < 6; k++) {
        char nm[8];
        snprintf(nm, sizeof nm, "t%d", k);
        Onnx__TensorProto *t = mb_tensor(nm, types[k], 1, d3);
        mb_int32s(t, 3, i32v);
        mb_init(m, t);
        mb_output(m, nm, types[k], 1, d3);
    }
    Onnx__TensorProto *h = mb_tensor("h", IR_F16, 1, d3);
    int32_t hv[] = {0x3c00, 0xc000, 0x3800}; /* 1, -2, 0.5 */
    mb_int32s(h, 3, hv);
    mb_init(m, h);
    Onnx__TensorProto *l = mb_tensor("l", IR_I64, 1, d3);
    l->int64_data = mb_alloc(3 * 8);
    l->int64_data[0] = -((int64_t)1 << 40);
    l->int64_data[2] = 99;
    l->n_int64_data = 3;
    mb_init(m, l);
    Onnx__TensorProto *dd = mb_tensor("d", IR_F64, 1, d3);
    dd->double_data = mb_alloc(3 * 8);
    dd->double_data[1] = 1e-300;
    dd->n_double_data = 3;
    mb_init(m, dd);
    Onnx__TensorProto *u = mb_tensor("u", IR_U32, 1, d3);
    u->uint64_data = mb_alloc(3 * 8);
    u->uint64_data[0] = 4000000000u;
    u->n_uint64_data = 3;
    mb_init(m, u);
    Onnx__TensorProto *s = mb_tensor("s", IR_F32, 0, NULL); /* scalar in raw_data */
    float sv = -3.25f;
    mb_raw(s, &sv, 4);
    mb_init(m, s);
    Onnx__TensorProto *e = mb_tensor("e", IR_F32, 2, (int64_t[]){0, 4}); /* empty: no data at all */
    mb_init(m, e);
    const char *extra[] = {"h", "l", "d", "u", "s", "e"};
    for (int k = 0; k < 6; k++)
        mb_output(m, extra[k], IR_UNDEFINED, -1, NULL);
    ir_graph *g;
    CHECK_OK(import_model(m, NULL, &g));
    if (!g) {
        mb_free_all();
        return;
    }
    for (int k = 0; k < 6; k++) {
        const ir_tensor *t = g->outputs[k];
        CHECK(t->dtype == (ir_dtype)types[k] && t->rank == 1 && t->dims[0] == 3);
        if (types[k] == IR_BOOL)
            CHECK(ir_get_i64(t->dtype, t->data, 0) == 1 && ir_get_i64(t->dtype, t->data, 1) == 0);
        else if (types[k] == IR_U8 || types[k] == IR_U16)
            CHECK(ir_get_i64(t->dtype, t->data, 0) == (types[k] == IR_U8 ? 251 : 65531));
        else
            CHECK(ir_get_i64(t->dtype, t->data, 0) == -5 && ir_get_i64(t->dtype, t->data, 2) == 127);
    }
    const ir_tensor *th = ir_graph_find(g, "h");
    CHECK(ir_get_f64(th->dtype, th->data, 0) == 1.0 && ir_get_f64(th->dtype, th->data, 1) == -2.0 &&
          ir_get_f64(th->dtype, th->data, 2) == 0.5);
    const ir_tensor *tl = ir_graph_find(g, "l");
    CHECK(((int64_t *)tl->data)[0] == -((int64_t)1 << 40) && ((int64_t *)tl->data)[2] == 99);
    CHECK(((double *)ir_graph_find(g, "d")->data)[1] == 1e-300);
    CHECK(((uint32_t *)ir_graph_find(g, "u")->data)[0] == 4000000000u);
    const ir_tensor *ts = ir_graph_find(g, "s");
    CHECK(ts->rank == 0 && *(float *)ts->data == -3.25f);
    const ir_tensor *te = ir_graph_find(g, "e");
    CHECK(te->rank == 2 && te->dims[0] == 0 && te->data_kind == IR_DATA_CONST);
    ir_graph_destroy(g);
    mb_free_all();
}

static void set_external(Onnx__TensorProto *t, const char *loc, const char *off, const char *len)
{
    const char *keys[] = {"location", "offset", "length"}, *vals[] = {loc, off, len};
    t->external_data = mb_alloc(sizeof(void *) * 3);
    t->n_external_data = 0;
    for (int i = 0; i < 3; i++) {
        if (!vals[i])
            continue;
        Onnx__StringStringEntryProto *e = mb_alloc(sizeof *e);
        onnx__string_string_entry_proto__init(e);
        e->key = mb_str(keys[i]);
        e->value = mb_str(vals[i]);
        t->external_data[t->n_external_data++] = e;
    }
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
}

static void test_external(void)
{
    char dir[] = "/tmp/dla_onnx_XXXXXX", path[128];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp failed");
        return;
    }
    float blob[10];
    for (int i = 0; i < 10; i++)
        blob[i] = (float)i + 0.5f;
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    CHECK_OK(base_write_file(path, blob, sizeof blob));
    Onnx__ModelProto *m = mb_model(13);
    int64_t d4[] = {4};
    Onnx__TensorProto *t = mb_tensor("w", IR_F32, 1, d4);
    mb_init(m, t);
    mb_output(m, "w", IR_F32, 1, d4);
    onnx_import_options o = {.origin = "ext.onnx", .base_dir = dir};
    ir_graph *g;

    set_external(t, "weights.bin", "8", "16"); /* floats 2..5 */
    CHECK_OK(import_model(m, &o, &g));
    if (g) {
        const float *w = ir_graph_find(g, "w")->data;
        CHECK(w[0] == 2.5f && w[3] == 5.5f);
        ir_graph_destroy(g);
    }
    set_external(t, "weights.bin", "24", NULL); /* to the end of the file: exactly 4 floats */
    CHECK_OK(import_model(m, &o, &g));
    if (g)
        CHECK(((float *)ir_graph_find(g, "w")->data)[0] == 6.5f);
    ir_graph_destroy(g);
    /* the errors name the tensor and the file */
    set_external(t, "weights.bin", "0", "12");
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    CHECK(g == NULL && has("'w'") && has("length 12"));
    set_external(t, "weights.bin", "32", "16");
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    CHECK(has("weights.bin"));
    set_external(t, "weights.bin", "4", NULL); /* 36 bytes remain, 16 expected */
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    set_external(t, "weights.bin", "x1", "16");
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    set_external(t, "missing.bin", NULL, NULL);
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_IO);
    CHECK(has("missing.bin"));
    set_external(t, "../weights.bin", NULL, NULL);
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    CHECK(has("../weights.bin"));
    set_external(t, "sub/../../x.bin", NULL, NULL);
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    set_external(t, path, NULL, NULL); /* absolute */
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_FORMAT);
    CHECK(has("relative"));
    set_external(t, "weights.bin", "8", "16");
    onnx_import_options nodir = {.origin = "ext.onnx"};
    CHECK_STATUS(import_model(m, &nodir, &g), DLA_ERR_INVALID_ARG);
    /* through a file: the base folder defaults to the model's */
    size_t len;
    uint8_t *buf = mb_pack(m, &len);
    char mpath[160];
    snprintf(mpath, sizeof mpath, "%s/model.onnx", dir);
    CHECK_OK(base_write_file(mpath, buf, len));
    CHECK_OK(onnx_import_file(mpath, NULL, &g));
    if (g)
        CHECK(((float *)ir_graph_find(g, "w")->data)[1] == 3.5f);
    ir_graph_destroy(g);
    unlink(mpath);
    unlink(path);
    rmdir(dir);
    mb_free_all();
}

static void test_tensor_pb(void)
{
    int64_t d[] = {2, 3};
    Onnx__TensorProto *t = mb_tensor("input_0", IR_F32, 2, d);
    float v[6] = {1, -2, 3, -4, 5, -6};
    mb_raw(t, v, sizeof v);
    size_t len = onnx__tensor_proto__get_packed_size(t);
    uint8_t *buf = mb_alloc(len);
    onnx__tensor_proto__pack(t, buf);
    ir_dtype dt;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;
    char *name;
    CHECK_OK(onnx_read_tensor_pb(buf, len, "x.pb", &dt, &rank, dims, &data, &name));
    CHECK(dt == IR_F32 && rank == 2 && dims[0] == 2 && dims[1] == 3);
    CHECK(data && memcmp(data, v, sizeof v) == 0);
    CHECK(name && strcmp(name, "input_0") == 0);
    free(data);
    free(name);
    /* every truncation fails cleanly or parses to a smaller valid message */
    for (size_t n = 0; n < len; n++) {
        dla_status st = onnx_read_tensor_pb(buf, n, "x.pb", &dt, &rank, dims, &data, NULL);
        CHECK(st != DLA_OK || data != NULL);
        if (st != DLA_OK)
            CHECK(data == NULL && has("x.pb"));
        free(data);
    }
    t->raw_data.len = 20;
    len = onnx__tensor_proto__get_packed_size(t);
    onnx__tensor_proto__pack(t, buf);
    CHECK_STATUS(onnx_read_tensor_pb(buf, len, "x.pb", &dt, &rank, dims, &data, &name), DLA_ERR_FORMAT);
    CHECK(data == NULL && name == NULL && has("input_0") && has("20 bytes"));
    mb_free_all();
}

/* A model that imports, for the malformed-input tests to break. */
static Onnx__ModelProto *base_model(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t xd[] = {1, 2, 4, 4}, wd[] = {2, 2, 1, 1};
    mb_input(m, "x", IR_F32, 4, xd);
    float w[4] = {1, 2, 3, 4};
    Onnx__TensorProto *tw = mb_tensor("W", IR_F32, 4, wd);
    mb_raw(tw, w, sizeof w);
    mb_init(m, tw);
    mb_node(m, "Conv", "conv", "x,W", "c");
    mb_node(m, "Relu", "relu", "c", "y");
    mb_output(m, "y", IR_F32, 4, xd);
    return m;
}

static void test_malformed_bytes(void)
{
    Onnx__ModelProto *m = base_model();
    size_t len;
    uint8_t *buf = mb_pack(m, &len);
    ir_graph *g;
    onnx_import_options o = {.origin = "bad.onnx"};
    CHECK_OK(onnx_import(buf, len, &o, &g));
    ir_graph_destroy(g);
    int n_ok = 0;
    for (size_t n = 0; n < len; n++) { /* every truncation: an error or a (smaller) valid model, never a crash */
        dla_status st = onnx_import(buf, n, &o, &g);
        if (st == DLA_OK) {
            CHECK(g != NULL);
            n_ok++;
        } else {
            CHECK(g == NULL && has("bad.onnx"));
        }
        ir_graph_destroy(g);
    }
    CHECK(n_ok < (int)len / 2);
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    CHECK_STATUS(onnx_import(junk, sizeof junk, &o, &g), DLA_ERR_FORMAT);
    CHECK(g == NULL && has("bad.onnx: not a valid ONNX model (protobuf parse failed)"));
    CHECK_STATUS(onnx_import("", 0, &o, &g), DLA_ERR_FORMAT); /* an empty message: no ir_version, no graph */
    uint32_t seed = 12345;
    uint8_t rnd[512];
    for (int trial = 0; trial < 300; trial++) {
        size_t n = (size_t)(trial * 7 % 512);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1664525u + 1013904223u;
            rnd[i] = (uint8_t)(seed >> 24);
        }
        dla_status st = onnx_import(rnd, n, &o, &g);
        CHECK(st != DLA_OK || g != NULL);
        ir_graph_destroy(g);
    }
    /* flipped bytes inside a valid model */
    uint8_t *copy = mb_alloc(len);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, buf, len);
        copy[i] ^= 0x5a;
        dla_status st = onnx_import(copy, len, &o, &g);
        CHECK(st != DLA_OK || g != NULL);
        ir_graph_destroy(g);
    }
    mb_free_all();
}

static void test_malformed_graphs(void)
{
    ir_graph *g;
    Onnx__ModelProto *m = base_model();
    m->graph->node[1]->input[0] = mb_str("ghost"); /* nothing defines it */
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(g == NULL && has("ghost") && has("test.onnx"));

    m = base_model(); /* a cycle: conv consumes relu's output */
    m->graph->node[0]->input[0] = mb_str("y");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("cycle"));

    m = base_model();
    m->graph->node[1]->op_type = mb_str("FooBar");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_UNSUPPORTED);
    CHECK(has("node 'relu': operator 'FooBar' is not supported"));

    m = base_model();
    m->graph->node[1]->domain = mb_str("com.microsoft");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_UNSUPPORTED);
    CHECK(has("com.microsoft") && has("Relu") && has("relu"));

    m = base_model();
    Onnx__AttributeProto *a = mb_attr(m->graph->node[1], "then_branch", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
    a->g = mb_alloc(sizeof *a->g);
    onnx__graph_proto__init(a->g);
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_UNSUPPORTED);
    CHECK(has("subgraphs (If/Loop/Scan) are not supported"));

    m = base_model();
    m->graph->initializer[0]->raw_data.len = 12;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("initializer 'W'") && has("raw_data has 12 bytes, expected 16"));

    m = base_model(); /* typed count mismatch */
    Onnx__TensorProto *w = m->graph->initializer[0];
    w->has_raw_data = 0;
    mb_floats(w, 3, (float[]){1, 2, 3});
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("'W'") && has("float_data has 3 values, expected 4"));

    m = base_model();
    m->graph->initializer[0]->dims[1] = -2;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("dims too large") && has("'W'"));

    m = base_model();
    m->graph->initializer[0]->dims[0] = (int64_t)1 << 30;
    m->graph->initializer[0]->dims[1] = (int64_t)1 << 30;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("dims too large"));
    m->graph->initializer[0]->dims[0] = INT64_MAX;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);

    m = base_model();
    m->graph = NULL;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("no graph"));

    m = base_model();
    m->opset_import[0]->version = 30;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_VERSION);
    CHECK(has("opset 30"));
    m->opset_import[0]->domain = mb_str("ai.onnx.ml"); /* no default-domain opset, default-domain nodes */
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("no opset_import"));

    m = base_model(); /* two producers of one tensor */
    m->graph->node[1]->output[0] = mb_str("c");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);

    m = base_model(); /* a node writing an initializer */
    m->graph->node[1]->output[0] = mb_str("W");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);

    m = base_model(); /* a graph output nobody produces */
    m->graph->output[0]->name = mb_str("nowhere");
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("nowhere"));

    m = base_model(); /* duplicate initializer */
    mb_init(m, m->graph->initializer[0]);
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("twice"));

    m = base_model(); /* unsupported element type */
    m->graph->initializer[0]->data_type = 14; /* complex64 */
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_UNSUPPORTED);
    mb_free_all();
}

static void test_empty_slots_and_shapes(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t xd[] = {-1, 3};
    mb_input(m, "x", IR_F32, 2, xd);
    int64_t sd[] = {1};
    Onnx__TensorProto *mx = mb_tensor("max", IR_F32, 0, sd);
    mb_raw(mx, (float[]){6.0f}, 4);
    mb_init(m, mx);
    mb_node(m, "Clip", "clip", "x,,max", "y");
    mb_node(m, "Dropout", "drop", "y", "z,");
    mb_output(m, "z", IR_F32, 2, xd);
    ir_graph *g;
    onnx_shape_override ov = {.name = "x", .rank = 2, .dims = {5, 3}};
    onnx_import_options o = {.origin = "s.onnx", .shapes = &ov, .n_shapes = 1};
    CHECK_OK(import_model(m, &o, &g));
    if (g) {
        ir_node *c = g->nodes[0];
        CHECK(c->op == IR_OP_Clip && c->n_in == 3 && c->in[1] == NULL && c->in[2] == ir_graph_find(g, "max"));
        CHECK(g->nodes[1]->n_out == 2 && g->nodes[1]->out[1] == NULL);
        ir_tensor *x = g->inputs[0];
        CHECK(x->rank == 2 && x->dims[0] == 5 && x->dims[1] == 3 && x->dim_param[0] == NULL);
        if (ir_infer_lookup(IR_OP_Clip))
            CHECK(ir_graph_find(g, "y")->dims[0] == 5);
        ir_graph_destroy(g);
    }
    ov.name = "nosuch";
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_INVALID_ARG);
    CHECK(g == NULL && has("nosuch"));
    ov.name = "x";
    ov.rank = 3;
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_INVALID_ARG);
    CHECK(has("rank 3"));
    ov.name = "max"; /* an initializer is not an input */
    ov.rank = 0;
    CHECK_STATUS(import_model(m, &o, &g), DLA_ERR_INVALID_ARG);
    mb_free_all();
}

/* TENSOR attributes become arena tensors outside the graph's list; an old model's untyped attributes are typed
 * by the field that is set. */
static void test_attr_forms(void)
{
    Onnx__ModelProto *m = mb_model(13);
    int64_t sd[] = {2};
    mb_input(m, "shape", IR_I64, 1, sd);
    Onnx__NodeProto *n = mb_node(m, "ConstantOfShape", "cos", "shape", "y");
    Onnx__AttributeProto *a = mb_attr(n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    int64_t one[] = {1};
    a->t = mb_tensor("", IR_F32, 1, one);
    mb_floats(a->t, 1, (float[]){4.5f});
    Onnx__AttributeProto *u = mb_attr(n, "untyped", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED);
    u->has_type = 0;
    u->has_i = 1;
    u->i = 42;
    mb_output(m, "y", IR_F32, -1, NULL);
    ir_graph *g;
    CHECK_OK(import_model(m, NULL, &g));
    if (g) {
        int before = g->n_tensors;
        const ir_attr *va = ir_node_attr(g->nodes[0], "value");
        CHECK(va && va->type == IR_ATTR_TENSOR && va->t && va->t->dtype == IR_F32 && va->t->rank == 1);
        CHECK(va && va->t && *(float *)va->t->data == 4.5f && va->t->data_kind == IR_DATA_CONST);
        CHECK(va && va->t && strcmp(va->t->name, "value") == 0 && ir_graph_find(g, "value") == NULL);
        CHECK(ir_attr_int(g->nodes[0], "untyped", 0) == 42);
        CHECK(g->n_tensors == before && g->n_tensors == 2);
        ir_graph_destroy(g);
    }
    a->t->n_float_data = 0; /* a TENSOR attribute with the wrong amount of data */
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("node 'cos': attribute 'value'") && has("float_data has 0 values, expected 1"));
    u->has_i = 0; /* an attribute with neither type nor value */
    a->t->n_float_data = 1;
    CHECK_STATUS(import_model(m, NULL, &g), DLA_ERR_FORMAT);
    CHECK(has("untyped"));
    mb_free_all();
}

int main(void)
{
    test_relu();
    test_conv();
    test_constants();
    test_typed_data();
    test_external();
    test_tensor_pb();
    test_malformed_bytes();
    test_malformed_graphs();
    test_empty_slots_and_shapes();
    test_attr_forms();
    return TEST_RESULT();
}
