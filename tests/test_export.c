/* ir_graph_extract and onnx_export on hand-built graphs: subgraph boundaries and chained segments, export ->
 * import round trips (names, attributes of every type, constants of every dtype, symbolic shapes, the ModelProto
 * header), and the per-opset form conversions, checked by running the original and the re-imported graph on the
 * host (bit-identical outputs) and structurally where the old form cannot run.
 * EXPORT_DUMP=DIR writes the exports of the legacy-form graph for inspection. */
#include "export_harness.h"
#include "onnx/onnx_private.h"

/* ---- extraction ----------------------------------------------------------------------------------------- */

/* x -> conv -> c1 -> relu -> r1 -> pool -> p1 -> add(k) -> a1 -> sig -> y;  r1 -> side(Neg) -> s1.
 * Outputs y, p1, s1. Node ids: conv 0, relu 1, pool 2, add 3, sig 4, side 5. */
static ir_graph *small_net(void)
{
    ir_graph *g = NULL;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 13;
    int64_t xd[4] = {1, 2, 4, 4}, wd[4] = {2, 2, 1, 1}, bd[1] = {2}, kd[4] = {1, 2, 1, 1}, two[2] = {2, 2},
            one[2] = {1, 1};
    float w[4] = {1, 0.5f, -1, 2}, b[2] = {0.1f, -0.2f}, k[2] = {0.5f, -0.25f};
    input(g, "x", IR_F32, 4, xd);
    cst(g, "w", IR_F32, 4, wd, w);
    cst(g, "b", IR_F32, 1, bd, b);
    cst(g, "k", IR_F32, 4, kd, k);
    attr_ints(g, add(g, IR_OP_Conv, "conv", 13, "x,w,b", "c1", 1), "kernel_shape", 2, one);
    add(g, IR_OP_Relu, "relu", 13, "c1", "r1", 0);
    ir_node *p = add(g, IR_OP_MaxPool, "pool", 13, "r1", "p1", 2);
    attr_ints(g, p, "kernel_shape", 2, two);
    attr_ints(g, p, "strides", 2, two);
    add(g, IR_OP_Add, "add", 13, "p1,k", "a1", 0);
    add(g, IR_OP_Sigmoid, "sig", 13, "a1", "y", 0);
    add(g, IR_OP_Neg, "side", 13, "r1", "s1", 0);
    CHECK_OK(ir_graph_add_output(g, T(g, "y")));
    CHECK_OK(ir_graph_add_output(g, T(g, "p1")));
    CHECK_OK(ir_graph_add_output(g, T(g, "s1")));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    return g;
}

static void test_extract(void)
{
    ir_graph *g = small_net(), *s = NULL;
    int mid[3] = {3, 1, 2};
    CHECK_OK(ir_graph_extract(g, mid, 3, &s));
    if (!s)
        return;
    CHECK(s->n_nodes == 3 && strcmp(s->nodes[0]->name, "relu") == 0 && strcmp(s->nodes[2]->name, "add") == 0);
    CHECK(s->n_inputs == 1 && strcmp(s->inputs[0]->name, "c1") == 0);
    CHECK(s->inputs[0]->dtype == IR_F32 && s->inputs[0]->rank == 4 && s->inputs[0]->dims[3] == 4);
    /* p1 is an output of g (first), r1 is read by 'side', a1 by 'sig' */
    CHECK(s->n_outputs == 3);
    if (s->n_outputs == 3) {
        CHECK(strcmp(s->outputs[0]->name, "p1") == 0);
        CHECK(strcmp(s->outputs[1]->name, "r1") == 0);
        CHECK(strcmp(s->outputs[2]->name, "a1") == 0);
        CHECK(s->outputs[0]->rank == 4 && s->outputs[0]->dims[2] == 2);
    }
    ir_tensor *k = ir_graph_find(s, "k");
    CHECK(k && k->data_kind == IR_DATA_CONST && k->data != T(g, "k")->data &&
          memcmp(k->data, T(g, "k")->data, 8) == 0);
    CHECK(!ir_graph_find(s, "w") && !ir_graph_find(s, "y"));
    const ir_node *pn = find_node(s, "pool");
    int cnt = 0;
    const int64_t *ks = pn ? ir_attr_ints(pn, "kernel_shape", &cnt) : NULL;
    CHECK(ks && cnt == 2 && ks[0] == 2 && ks != ir_attr_ints(g->nodes[2], "kernel_shape", &cnt));
    ir_graph_destroy(s);

    /* all nodes: the same boundary as g */
    int all[6] = {0, 1, 2, 3, 4, 5};
    CHECK_OK(ir_graph_extract(g, all, 6, &s));
    CHECK(s && s->n_inputs == 1 && s->n_outputs == 3 && strcmp(s->outputs[2]->name, "s1") == 0);
    ir_graph_destroy(s);

    int dup[2] = {1, 1}, bad[1] = {6}, neg[1] = {-1};
    CHECK_STATUS(ir_graph_extract(g, dup, 2, &s), DLA_ERR_INVALID_ARG);
    CHECK(s == NULL);
    CHECK_STATUS(ir_graph_extract(g, bad, 1, &s), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(ir_graph_extract(g, neg, 1, &s), DLA_ERR_INVALID_ARG);

    /* three segments chained equal the whole graph */
    buf pool[64] = {0}, whole[3] = {0};
    int64_t xd[4] = {1, 2, 4, 4};
    fill(&pool[0], "x", IR_F32, 4, xd, 7);
    int n_pool = 1;
    CHECK_OK(run(g, pool, 1, whole));
    int s0[1] = {0}, s1[3] = {1, 2, 3}, s2[2] = {4, 5};
    const int *segs[3] = {s0, s1, s2};
    int lens[3] = {1, 3, 2};
    run_chain(g, segs, lens, 3, pool, &n_pool);
    for (int i = 0; i < 3; i++) {
        int found = 0;
        for (int p = 1; p < n_pool; p++)
            if (strcmp(pool[p].name, whole[i].name) == 0) {
                found = 1;
                CHECK(same_buf(&pool[p], &whole[i]));
            }
        CHECK(found);
    }
    bufs_free(pool, n_pool);
    bufs_free(whole, 3);
    ir_graph_destroy(g);
}

/* ---- round trip: names, attributes, constants, shapes ---------------------------------------------------- */

static void test_round_trip(void)
{
    ir_graph *g = NULL, *r = NULL;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 13;
    g->name = "rt";
    int64_t xd[2] = {-1, 3};
    ir_tensor *x = input(g, "x", IR_F32, 2, xd);
    x->dim_param[0] = "batch";
    ir_node *n = add(g, IR_OP_Relu, "relu", 13, "x", "y", 8);
    int64_t iv[3] = {1, -2, 3};
    float fv[2] = {0.5f, 1.5f};
    attr_i(g, n, "an_int", -7);
    attr_f(g, n, "a_float", 0.25f);
    attr_s(g, n, "a_string", "hello");
    attr_ints(g, n, "some_ints", 3, iv);
    attr_floats(g, n, "some_floats", 2, fv);
    ir_attr *ss = attr(g, n, "some_strings", IR_ATTR_STRINGS);
    static const char *strs[2] = {"a", "bc"};
    ss->n = 2;
    ss->strings = (const char **)strs;
    ir_tensor *at = base_arena_alloc(g->arena, sizeof *at);
    int64_t ad[1] = {2};
    at->name = "tv";
    at->id = -1;
    at->dtype = IR_F16;
    ir_tensor_set_shape(at, 1, ad);
    uint16_t hv[2] = {0x3c00, 0xc000};
    at->data = hv;
    at->data_kind = IR_DATA_CONST;
    attr(g, n, "a_tensor", IR_ATTR_TENSOR)->t = at;
    CHECK_OK(ir_graph_add_output(g, T(g, "y")));
    T(g, "y")->quant_scale = 0.125f;
    /* a constant of every dtype, as graph outputs (so they are written) */
    static const ir_dtype dts[] = {IR_F32, IR_U8, IR_I8, IR_U16, IR_I16, IR_I32, IR_I64, IR_BOOL,
                                   IR_F16, IR_F64, IR_U32, IR_U64, IR_BF16};
    unsigned char raw[3 * 8];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 37 + 11);
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
        char nm[32];
        int64_t d[1] = {3};
        snprintf(nm, sizeof nm, "c_%s", ir_dtype_name(dts[i]));
        unsigned char v[24];
        memcpy(v, raw, sizeof v);
        if (dts[i] == IR_BOOL)
            v[0] = 1, v[1] = 0, v[2] = 1;
        CHECK_OK(ir_graph_add_output(g, cst(g, nm, dts[i], 1, d, v)));
    }
    float sc = 2.5f;
    CHECK_OK(ir_graph_add_output(g, cst(g, "scalar", IR_F32, 0, NULL, &sc)));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));

    void *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    CHECK_OK(onnx_export(g, &b1, &n1));
    CHECK_OK(onnx_export(g, &b2, &n2));
    CHECK(n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0); /* deterministic */
    free(b2);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, n1, b1);
    CHECK(m && m->ir_version == 8 && m->n_opset_import == 1 && m->opset_import[0]->version == 13 &&
          strcmp(m->producer_name, "dlakit") == 0 && m->n_metadata_props == 1);
    if (m && m->n_metadata_props == 1)
        CHECK(strcmp(m->metadata_props[0]->key, "dlakit.quant_scale/y") == 0 &&
              strcmp(m->metadata_props[0]->value, "0.125") == 0);
    if (m)
        onnx__model_proto__free_unpacked(m, NULL);
    onnx_import_options io = {.origin = "rt"};
    CHECK_OK(onnx_import(b1, n1, &io, &r));
    free(b1);
    if (!r)
        goto out;
    CHECK(r->opset == 13 && strcmp(r->name, "rt") == 0);
    CHECK(r->n_inputs == 1 && r->n_outputs == g->n_outputs);
    const ir_tensor *rx = ir_graph_find(r, "x");
    CHECK(rx && rx->rank == 2 && rx->dims[0] == -1 && rx->dims[1] == 3 && rx->dim_param[0] &&
          strcmp(rx->dim_param[0], "batch") == 0 && rx->dtype == IR_F32);
    const ir_node *rn = find_node(r, "relu");
    CHECK(rn && rn->n_attrs == 7);
    if (rn) {
        int c = 0;
        CHECK(ir_attr_int(rn, "an_int", 0) == -7);
        CHECK(ir_attr_float(rn, "a_float", 0) == 0.25f);
        CHECK(strcmp(ir_attr_str(rn, "a_string", ""), "hello") == 0);
        const int64_t *ri = ir_attr_ints(rn, "some_ints", &c);
        CHECK(ri && c == 3 && ri[1] == -2);
        const float *rf = ir_attr_floats(rn, "some_floats", &c);
        CHECK(rf && c == 2 && rf[1] == 1.5f);
        const ir_attr *rs = ir_node_attr(rn, "some_strings");
        CHECK(rs && rs->type == IR_ATTR_STRINGS && rs->n == 2 && strcmp(rs->strings[1], "bc") == 0);
        const ir_attr *rt = ir_node_attr(rn, "a_tensor");
        CHECK(rt && rt->type == IR_ATTR_TENSOR && rt->t && rt->t->dtype == IR_F16 && rt->t->rank == 1 &&
              memcmp(rt->t->data, hv, 4) == 0);
    }
    for (int i = 1; i < g->n_outputs; i++) {
        const ir_tensor *a = g->outputs[i], *b = ir_graph_find(r, a->name);
        CHECK(b && b->data_kind == IR_DATA_CONST && b->dtype == a->dtype && b->rank == a->rank);
        if (b && b->dtype == a->dtype && b->rank == a->rank)
            CHECK(memcmp(a->data, b->data, ir_tensor_nbytes(a)) == 0);
        CHECK(strcmp(r->outputs[i]->name, a->name) == 0);
    }
out:
    ir_graph_destroy(r);
    ir_graph_destroy(g);
}

/* ---- per-opset forms ------------------------------------------------------------------------------------ */

static ir_graph *legacy_net(void)
{
    ir_graph *g = NULL;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 11;
    int64_t xd[4] = {2, 3, 4, 1}, d4[1] = {4};
    input(g, "x", IR_F32, 4, xd);
    float bv[4] = {1, -2, 0.5f, 3}, rs[4] = {1, 1, 0.5f, 1};
    cst(g, "B", IR_F32, 1, d4, bv);
    cst(g, "rs_scales", IR_F32, 1, d4, rs);
    int64_t a3[1] = {3}, a0[1] = {0}, a1[1] = {1}, a2[1] = {2}, pads[6] = {0, 1, 0, 0, 0, 2}, st[2] = {1, 0},
            en[2] = {3, 2}, ax[2] = {1, 2}, sp[2] = {1, 3}, shp[2] = {6, 4};
    float ups[4] = {1, 1, 2, 1};
    attr_ints(g, add(g, IR_OP_Squeeze, "sq", 11, "x", "s", 1), "axes", 1, a3);
    attr_ints(g, add(g, IR_OP_Unsqueeze, "usq", 11, "s", "o_usq", 1), "axes", 1, a0);
    ir_node *n = add(g, IR_OP_ReduceSum, "rsum", 11, "s", "o_rsum", 2);
    attr_ints(g, n, "axes", 1, a1);
    attr_i(g, n, "keepdims", 0);
    attr_ints(g, add(g, IR_OP_ReduceMean, "rmean", 11, "s", "o_rmean", 1), "axes", 1, a2);
    n = add(g, IR_OP_Clip, "clip", 6, "s", "o_clip", 2);
    attr_f(g, n, "min", -1);
    attr_f(g, n, "max", 1.5f);
    n = add(g, IR_OP_Pad, "pad", 2, "s", "o_pad", 3);
    attr_ints(g, n, "pads", 6, pads);
    attr_f(g, n, "value", 0.5f);
    attr_s(g, n, "mode", "constant");
    n = add(g, IR_OP_Slice, "slice", 1, "s", "o_slice", 3);
    attr_ints(g, n, "starts", 2, st);
    attr_ints(g, n, "ends", 2, en);
    attr_ints(g, n, "axes", 2, ax);
    n = add(g, IR_OP_Upsample, "up", 7, "x", "o_up", 2);
    attr_floats(g, n, "scales", 4, ups);
    attr_s(g, n, "mode", "nearest");
    add(g, IR_OP_Resize, "rs10", 10, "x,rs_scales", "o_rs10", 0);
    attr_i(g, add(g, IR_OP_Softmax, "sm", 11, "s", "o_sm", 1), "axis", 1);
    attr_i(g, add(g, IR_OP_Softmax, "sm_last", 11, "s", "o_sm_last", 1), "axis", 2);
    add(g, IR_OP_LogSoftmax, "lsm", 11, "x", "o_lsm", 0);
    n = add(g, IR_OP_Split, "split", 11, "s", "o_sp0,o_sp1", 2);
    attr_i(g, n, "axis", 2);
    attr_ints(g, n, "split", 2, sp);
    attr_f(g, add(g, IR_OP_Dropout, "drop", 7, "s", "o_drop", 1), "ratio", 0.3f);
    n = add(g, IR_OP_Add, "add6", 6, "s,B", "o_add6", 2);
    attr_i(g, n, "broadcast", 1);
    attr_i(g, n, "axis", 2); /* B aligned with the last axis (the host runs no other legacy alignment) */
    n = add(g, IR_OP_TopK, "topk", 1, "s", "o_topv,o_topi", 1);
    attr_i(g, n, "k", 2);
    attr_ints(g, add(g, IR_OP_Reshape, "reshape", 1, "s", "o_reshape", 1), "shape", 2, shp);
    add(g, IR_OP_Concat, "cat", 1, "s,s", "o_cat", 0);
    add(g, IR_OP_Relu, "relu13", 13, "s", "o_relu13", 0);
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i]->n_out; k++)
            if (strcmp(g->nodes[i]->out[k]->name, "s") != 0)
                CHECK_OK(ir_graph_add_output(g, g->nodes[i]->out[k]));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    return g;
}

static void test_forms(void)
{
    ir_graph *g = legacy_net(), *r = NULL;
    buf in[1] = {0};
    int64_t xd[4] = {2, 3, 4, 1};
    fill(&in[0], "x", IR_F32, 4, xd, 3);
    check_same_run(g, 0, in, 1);
    check_same_run(g, 17, in, 1);
    check_same_run(g, 18, in, 1);
    const char *dump = getenv("EXPORT_DUMP"); /* a folder: write the exports for inspection */
    if (dump) {
        char p[1024];
        static const int opsets[3] = {0, 17, 18};
        for (int i = 0; i < 3; i++) {
            onnx_export_options eo = {.opset = opsets[i]};
            snprintf(p, sizeof p, "%s/legacy_%d.onnx", dump, opsets[i]);
            CHECK_OK(onnx_export_file(g, &eo, p));
        }
    }
    CHECK_OK(round_trip(g, 0, &r));
    if (r) {
        CHECK(r->opset == 13);
        const ir_node *n = find_node(r, "sq");
        CHECK(n && n->n_in == 2 && !ir_node_attr(n, "axes") && n->in[1]->dtype == IR_I64);
        n = find_node(r, "clip");
        CHECK(n && n->n_in == 3 && n->n_attrs == 0);
        n = find_node(r, "pad");
        CHECK(n && n->n_in == 3 && n->n_attrs == 1);
        n = find_node(r, "slice");
        CHECK(n && n->n_in == 4);
        n = find_node(r, "up");
        CHECK(n && n->op == IR_OP_Resize && n->n_in == 3 && n->in[1] == NULL &&
              strcmp(ir_attr_str(n, "coordinate_transformation_mode", ""), "asymmetric") == 0 &&
              strcmp(ir_attr_str(n, "nearest_mode", ""), "floor") == 0);
        n = find_node(r, "rs10");
        CHECK(n && strcmp(ir_attr_str(n, "nearest_mode", ""), "ceil") == 0);
        n = find_node(r, "rmean");
        CHECK(n && n->n_in == 1 && ir_node_attr(n, "axes")); /* ReduceMean keeps its attribute until 18 */
        n = find_node(r, "topk");
        CHECK(n && n->n_in == 2);
        n = find_node(r, "cat");
        CHECK(n && ir_attr_int(n, "axis", -5) == 1);
        n = find_node(r, "drop");
        CHECK(n && n->n_attrs == 0);
        n = find_node(r, "add6");
        CHECK(n && n->n_attrs == 0 && n->in[1]->rank == 1);
        ir_graph_destroy(r);
    }
    CHECK_OK(round_trip(g, 18, &r));
    if (r) {
        CHECK(r->opset == 18);
        const ir_node *n = find_node(r, "rmean");
        CHECK(n && n->n_in == 2 && !ir_node_attr(n, "axes"));
        n = find_node(r, "split");
        CHECK(n && n->n_in == 2);
        ir_graph_destroy(r);
    }
    /* a node opset above the forced one */
    void *b;
    size_t sz;
    onnx_export_options eo = {.opset = 12};
    CHECK_STATUS(onnx_export_ex(g, &eo, &b, &sz), DLA_ERR_INVALID_ARG);
    bufs_free(in, 1);
    ir_graph_destroy(g);
}

/* Opset-18 nodes are written at 17 when each has an opset-17 form. */
static void test_opset18(void)
{
    ir_graph *g = NULL, *r = NULL;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 18;
    int64_t xd[2] = {5, 2}, d1[1] = {1};
    int64_t axes[1] = {1};
    input(g, "x", IR_F32, 2, xd);
    cst(g, "axes", IR_I64, 1, d1, axes);
    attr_i(g, add(g, IR_OP_ReduceMean, "rmean", 18, "x,axes", "m", 1), "keepdims", 1);
    attr_i(g, add(g, IR_OP_Split, "split", 18, "x", "p0,p1", 1), "num_outputs", 2);
    add(g, IR_OP_Relu, "relu", 18, "x", "y", 0);
    CHECK_OK(ir_graph_add_output(g, T(g, "m")));
    CHECK_OK(ir_graph_add_output(g, T(g, "p0")));
    CHECK_OK(ir_graph_add_output(g, T(g, "p1")));
    CHECK_OK(ir_graph_add_output(g, T(g, "y")));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    buf in[1] = {0};
    fill(&in[0], "x", IR_F32, 2, xd, 5);
    check_same_run(g, 0, in, 1);
    CHECK_OK(round_trip(g, 0, &r));
    if (r) {
        CHECK(r->opset == 17);
        const ir_node *n = find_node(r, "rmean");
        int c = 0;
        const int64_t *ax = n ? ir_attr_ints(n, "axes", &c) : NULL;
        CHECK(n && n->n_in == 1 && ax && c == 1 && ax[0] == 1);
        n = find_node(r, "split");
        CHECK(n && n->n_in == 2 && n->in[1] && ir_tensor_numel(n->in[1]) == 2 &&
              ((const int64_t *)n->in[1]->data)[0] == 3 && !ir_node_attr(n, "num_outputs"));
        ir_graph_destroy(r);
    }
    /* Mish exists only from 18: the model stays at 18 */
    add(g, IR_OP_Mish, "mish", 18, "x", "z", 0);
    CHECK_OK(ir_graph_add_output(g, T(g, "z")));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    CHECK_OK(round_trip(g, 0, &r));
    CHECK(r && r->opset == 18 && find_node(r, "rmean") && find_node(r, "rmean")->n_in == 2);
    ir_graph_destroy(r);
    check_same_run(g, 0, in, 1);
    bufs_free(in, 1);
    ir_graph_destroy(g);
}

/* Forms the host cannot run in their old shape (checked structurally) and the ones that cannot be converted. */
static void test_forms_structural(void)
{
    ir_graph *g = NULL, *r = NULL;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 9;
    int64_t xd[4] = {1, 2, 3, 3}, bd[2] = {2, 3}, cd[1] = {2}, ks[2] = {2, 2};
    float ch[2] = {1, 2};
    input(g, "x", IR_F32, 4, xd);
    input(g, "b", IR_F32, 2, bd);
    cst(g, "scale", IR_F32, 1, cd, ch);
    cst(g, "bias", IR_F32, 1, cd, ch);
    cst(g, "mean", IR_F32, 1, cd, ch);
    cst(g, "var", IR_F32, 1, cd, ch);
    attr_s(g, add(g, IR_OP_Cast, "cast", 1, "x", "o_cast", 1), "to", "int32");
    ir_node *n = add(g, IR_OP_LpPool, "lp", 1, "x", "o_lp", 2);
    attr_f(g, n, "p", 3.0f);
    attr_ints(g, n, "kernel_shape", 2, ks);
    n = add(g, IR_OP_BatchNormalization, "bn", 5, "x,scale,bias,mean,var", "o_bn", 3);
    attr_i(g, n, "is_test", 1);
    attr_i(g, n, "spatial", 1);
    attr_ints(g, n, "consumed_inputs", 0, ks);
    n = add(g, IR_OP_Mul, "mul", 6, "x,b", "o_mul", 2); /* b [2,3] aligned at axis 1 of x [1,2,3,3] */
    attr_i(g, n, "broadcast", 1);
    attr_i(g, n, "axis", 1);
    input(g, "idx", IR_I64, 4, xd);
    add(g, IR_OP_Scatter, "scatter", 9, "x,idx,x", "o_scatter", 0);
    for (int i = 0; i < g->n_nodes; i++)
        CHECK_OK(ir_graph_add_output(g, g->nodes[i]->out[0]));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(round_trip(g, 13, &r));
    if (r) {
        const ir_node *c = find_node(r, "cast");
        CHECK(c && ir_node_attr(c, "to") && ir_node_attr(c, "to")->type == IR_ATTR_INT && ir_attr_int(c, "to", 0) == 6);
        c = find_node(r, "lp");
        CHECK(c && ir_node_attr(c, "p")->type == IR_ATTR_INT && ir_attr_int(c, "p", 0) == 3);
        c = find_node(r, "bn");
        CHECK(c && c->n_attrs == 0);
        c = find_node(r, "mul"); /* b gets trailing ones through an Unsqueeze with an axes input */
        CHECK(c && c->n_attrs == 0 && c->in[1]->producer && c->in[1]->producer->op == IR_OP_Unsqueeze &&
              c->in[1]->producer->n_in == 2);
        CHECK(c && c->out[0]->rank == 4 && c->out[0]->dims[1] == 2 && c->out[0]->dims[3] == 3);
        c = find_node(r, "scatter");
        CHECK(c && c->op == IR_OP_ScatterElements);
        ir_graph_destroy(r);
    }
    ir_graph_destroy(g);

    /* no form at the export opset: tf_half_pixel_for_nn after 13, nearest Resize-10 scaling both ways */
    CHECK_OK(ir_graph_create(&g));
    g->opset = 11;
    float sc[4] = {1, 1, 0.5f, 2};
    int64_t d4[1] = {4};
    input(g, "x", IR_F32, 4, xd);
    cst(g, "sc", IR_F32, 1, d4, sc);
    add(g, IR_OP_Resize, "r10", 10, "x,sc", "y10", 0);
    CHECK_OK(ir_graph_add_output(g, T(g, "y10")));
    CHECK_STATUS(round_trip(g, 11, &r), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "r10") != NULL);
    ir_graph_destroy(g);
    CHECK_OK(ir_graph_create(&g));
    g->opset = 11;
    input(g, "x", IR_F32, 4, xd);
    cst(g, "sc", IR_F32, 1, d4, sc);
    attr_s(g, add(g, IR_OP_Resize, "rtf", 11, "x,,sc", "y", 1), "coordinate_transformation_mode",
           "tf_half_pixel_for_nn");
    CHECK_OK(ir_graph_add_output(g, T(g, "y")));
    CHECK_OK(round_trip(g, 12, &r));
    ir_graph_destroy(r);
    CHECK_STATUS(round_trip(g, 13, &r), DLA_ERR_UNSUPPORTED);
    ir_graph_destroy(g);
}

int main(void)
{
    dla_set_log_level(DLA_LOG_ERROR);
    test_extract();
    test_round_trip();
    test_forms();
    test_opset18();
    test_forms_structural();
    return TEST_RESULT();
}
