/* Placement and partitioning on hand-built graphs, with a fake rule (Sigmoid runs on the host, everything else
 * on the DLA) so the tests do not depend on the rule table: chains, convexity splits, islands, the subgraph cap,
 * batch splits, --layerDeviceTypes and the build error without GPU fallback. Every placement is also checked
 * for the invariants: subgraphs are convex, of one batch size, numbered densely in order of their first node. */
#include "check.h"
#include "compiler/fold_shapes.h"
#include "compiler/partition.h"
#include "dla/compiler.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fake_check(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (n->op == IR_OP_Sigmoid) {
        snprintf(reason, size, "fake rule: Sigmoid '%s' runs on the host", n->name);
        return 0;
    }
    return 1;
}

/* ---- graph building ------------------------------------------------------------------------------------ */

static ir_graph *G;

static void begin(void)
{
    CHECK_OK(ir_graph_create(&G));
    G->opset = 13;
    ir_tensor *x;
    CHECK_OK(ir_graph_tensor(G, "x", &x));
    x->dtype = IR_F32;
    int64_t d[] = {1, 4, 8, 8};
    ir_tensor_set_shape(x, 4, d);
    CHECK_OK(ir_graph_add_input(G, x));
}

/* A node `name` of op reading the named tensors (NULL-terminated) and writing "<name>_out" of shape
 * batch x 4 x 8 x 8. */
static ir_node *node_b(ir_op op, const char *name, int64_t batch, ...)
{
    const char *ins[8];
    int n_in = 0;
    va_list ap;
    va_start(ap, batch);
    for (const char *s; (s = va_arg(ap, const char *)) && n_in < 8;)
        ins[n_in++] = s;
    va_end(ap);
    ir_node *n;
    CHECK_OK(ir_graph_add_node(G, op, name, n_in, 1, 0, &n));
    for (int i = 0; i < n_in; i++)
        CHECK_OK(ir_graph_tensor(G, ins[i], &n->in[i]));
    char out[128];
    snprintf(out, sizeof out, "%s_out", name);
    CHECK_OK(ir_graph_tensor(G, out, &n->out[0]));
    n->out[0]->dtype = IR_F32;
    int64_t d[] = {batch, 4, 8, 8};
    ir_tensor_set_shape(n->out[0], 4, d);
    return n;
}
#define node(op, name, ...) node_b(op, name, 1, __VA_ARGS__, (const char *)NULL)

/* A "Conv" with `macs` multiply-accumulates (weight 1 x macs x 1 x 1, output 1x1x1x1). */
static ir_node *conv(const char *name, const char *in, int64_t macs)
{
    ir_node *n;
    CHECK_OK(ir_graph_add_node(G, IR_OP_Conv, name, 2, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(G, in, &n->in[0]));
    char buf[128];
    snprintf(buf, sizeof buf, "%s_w", name);
    CHECK_OK(ir_graph_tensor(G, buf, &n->in[1]));
    int64_t wd[] = {1, macs, 1, 1}, yd[] = {1, 1, 1, 1};
    n->in[1]->dtype = IR_F32;
    ir_tensor_set_shape(n->in[1], 4, wd);
    CHECK_OK(ir_graph_add_input(G, n->in[1])); /* an input, not a constant: no weight storage needed */
    snprintf(buf, sizeof buf, "%s_out", name);
    CHECK_OK(ir_graph_tensor(G, buf, &n->out[0]));
    n->out[0]->dtype = IR_F32;
    ir_tensor_set_shape(n->out[0], 4, yd);
    CHECK(ir_node_macs(n) == macs);
    return n;
}

static void end(const char *output)
{
    CHECK_OK(ir_graph_add_output(G, ir_graph_find(G, output)));
    CHECK_OK(ir_graph_toposort(G));
}

static const cc_node_place *P_of(const cc_placement *p, const char *name)
{
    for (int i = 0; i < G->n_nodes; i++)
        if (strcmp(G->nodes[i]->name, name) == 0)
            return &p->nodes[i];
    fprintf(stderr, "no node '%s'\n", name);
    abort();
}

static cc_place_options opts(int fallback)
{
    cc_place_options o;
    memset(&o, 0, sizeof o);
    o.target.precisions = CC_FP16;
    o.allow_gpu_fallback = fallback;
    o.min_island_macs = -1;
    return o;
}

/* Reachability from node a to node b (a != b) along tensors. */
static int reaches(int a, int b)
{
    if (a >= b)
        return 0;
    unsigned char *seen = calloc((size_t)G->n_nodes, 1);
    seen[a] = 1;
    for (int v = a + 1; v <= b; v++)
        for (int j = 0; j < G->nodes[v]->n_in && !seen[v]; j++) {
            const ir_tensor *t = G->nodes[v]->in[j];
            if (t && t->producer && seen[t->producer->id])
                seen[v] = 1;
        }
    int r = seen[b];
    free(seen);
    return r;
}

/* Invariants of every placement: dense numbering, convexity (brute force), one batch per subgraph, counts. */
static void check_invariants(const cc_placement *p)
{
    int n = G->n_nodes, next = 0, n_dla = 0, n_host = 0;
    for (int v = 0; v < n; v++) {
        const cc_node_place *np = &p->nodes[v];
        if (np->device == CC_DEV_HOST) {
            n_host++;
            CHECK(np->subgraph == -1);
            CHECK(np->reason[0] != '\0');
            continue;
        }
        if (np->subgraph == CC_SUBGRAPH_BUILD_TIME)
            continue;
        n_dla++;
        CHECK(np->subgraph >= 0 && np->subgraph <= next);
        if (np->subgraph == next)
            next++;
    }
    CHECK(next == p->n_subgraphs);
    CHECK(n_dla == p->n_dla && n_host == p->n_host);
    for (int s = 0; s < p->n_subgraphs; s++) {
        int64_t batch = -2;
        for (int v = 0; v < n; v++) {
            if (p->nodes[v].device != CC_DEV_DLA || p->nodes[v].subgraph != s)
                continue;
            if (batch == -2)
                batch = cc_node_batch(G->nodes[v]);
            CHECK(cc_node_batch(G->nodes[v]) == batch);
        }
        for (int w = 0; w < n; w++) { /* no outside node both below and above the subgraph */
            if (p->nodes[w].device == CC_DEV_DLA && p->nodes[w].subgraph == s)
                continue;
            int from = 0, to = 0;
            for (int v = 0; v < n; v++) {
                if (p->nodes[v].device != CC_DEV_DLA || p->nodes[v].subgraph != s)
                    continue;
                from |= reaches(v, w);
                to |= reaches(w, v);
            }
            if (from && to)
                fprintf(stderr, "subgraph %d is not convex: '%s' leaves and re-enters it\n", s, G->nodes[w]->name);
            CHECK(!(from && to));
        }
    }
}

static dla_status place(const cc_place_options *o, cc_placement *p)
{
    dla_status st = cc_place_with(G, o, fake_check, p);
    if (cc_placement_complete(p))
        check_invariants(p);
    return st;
}

static void finish(cc_placement *p)
{
    cc_placement_release(p);
    ir_graph_destroy(G);
    G = NULL;
}

/* ---- tests --------------------------------------------------------------------------------------------- */

static void test_chain_with_host_node(void)
{
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "a_out");
    node(IR_OP_Sigmoid, "h", "b_out");
    node(IR_OP_Relu, "c", "h_out");
    node(IR_OP_Relu, "d", "c_out");
    end("d_out");
    cc_place_options o = opts(1);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 2 && p.n_dla == 4 && p.n_host == 1);
    CHECK(P_of(&p, "a")->subgraph == 0 && P_of(&p, "b")->subgraph == 0);
    CHECK(P_of(&p, "c")->subgraph == 1 && P_of(&p, "d")->subgraph == 1);
    CHECK(P_of(&p, "h")->device == CC_DEV_HOST && strstr(P_of(&p, "h")->reason, "fake rule") != NULL);
    CHECK(P_of(&p, "a")->reason[0] == '\0');
    finish(&p);

    /* everything on the DLA: one subgraph, and no error without fallback */
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "a_out");
    node(IR_OP_Add, "c", "a_out", "b_out");
    end("c_out");
    o = opts(0);
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 1 && p.n_dla == 3 && p.n_host == 0);
    finish(&p);
}

static void test_diamond_convexity(void)
{
    /* a -> b -> m, a -> h(host) -> m: {a, b, m} would leave to h and come back: split */
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "a_out");
    node(IR_OP_Sigmoid, "h", "a_out");
    node(IR_OP_Add, "m", "b_out", "h_out");
    node(IR_OP_Relu, "e", "m_out");
    end("e_out");
    cc_place_options o = opts(1);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 2);
    CHECK(P_of(&p, "a")->subgraph == P_of(&p, "b")->subgraph);
    CHECK(P_of(&p, "m")->subgraph != P_of(&p, "a")->subgraph);
    CHECK(P_of(&p, "m")->subgraph == P_of(&p, "e")->subgraph);
    finish(&p);

    /* merging two producers' subgraphs through v must not capture a path a -> h -> z between them:
     * a -> v, b -> v, a -> h(host) -> z, b -> z */
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "x");
    node(IR_OP_Sigmoid, "h", "a_out");
    node(IR_OP_Add, "z", "h_out", "b_out");
    node(IR_OP_Add, "v", "a_out", "b_out");
    node(IR_OP_Add, "out", "v_out", "z_out");
    end("out_out");
    CHECK_OK(place(&o, &p)); /* check_invariants verifies convexity by brute force */
    CHECK(P_of(&p, "h")->device == CC_DEV_HOST);
    CHECK(!(P_of(&p, "a")->subgraph == P_of(&p, "z")->subgraph));
    finish(&p);

    /* two DLA branches meeting at an Add merge into one subgraph */
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "x");
    node(IR_OP_Add, "c", "a_out", "b_out");
    end("c_out");
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 1);
    finish(&p);
}

static void test_tiny_island(void)
{
    /* conv1 -> h1 -> r -> h2 -> conv2: r alone between two host layers goes to the host */
    begin();
    conv("conv1", "x", 5000000);
    node(IR_OP_Sigmoid, "h1", "conv1_out");
    node(IR_OP_Relu, "r", "h1_out");
    node(IR_OP_Sigmoid, "h2", "r_out");
    conv("conv2", "h2_out", 5000000);
    end("conv2_out");
    cc_place_options o = opts(1);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "r")->device == CC_DEV_HOST);
    CHECK(strcmp(P_of(&p, "r")->reason,
                 "island of 1 layer too small to be worth a DLA round trip (0 MACs < 1000000)") == 0);
    CHECK(p.n_subgraphs == 2 && p.n_host == 3 && p.macs_dla == 10000000 && p.macs_host == 0);
    cc_placement_release(&p);
    /* the rule is off with min_island_macs = 0 */
    o.min_island_macs = 0;
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "r")->device == CC_DEV_DLA && p.n_subgraphs == 3);
    cc_placement_release(&p);
    /* a larger node limit: islands of up to 2 layers go */
    o.min_island_macs = -1;
    o.min_island_nodes = 1; /* "fewer than 1 layer": never */
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "r")->device == CC_DEV_DLA);
    finish(&p);

    /* an island with enough MACs stays (exactly at the limit is not "fewer") */
    begin();
    conv("conv1", "x", 5000000);
    node(IR_OP_Sigmoid, "h1", "conv1_out");
    conv("mid", "h1_out", 1000000);
    node(IR_OP_Sigmoid, "h2", "mid_out");
    conv("conv2", "h2_out", 5000000);
    end("conv2_out");
    o = opts(1);
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "mid")->device == CC_DEV_DLA && p.n_subgraphs == 3);
    cc_placement_release(&p);
    o.min_island_macs = 1000001; /* one above: it goes */
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "mid")->device == CC_DEV_HOST);
    CHECK(strstr(P_of(&p, "mid")->reason, "(1000000 MACs < 1000001)") != NULL);
    finish(&p);

    /* a single small layer that is the whole network is not an island (no round trip to save) */
    begin();
    node(IR_OP_Relu, "r", "x");
    end("r_out");
    o = opts(1);
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "r")->device == CC_DEV_DLA && p.n_subgraphs == 1);
    finish(&p);
}

static void test_subgraph_cap(void)
{
    /* 20 conv islands separated by host Sigmoids; MACs permuted so the smallest are spread out */
    begin();
    char prev[64] = "x", name[64];
    int64_t macs[20];
    for (int i = 0; i < 20; i++) {
        macs[i] = 2000000 + (int64_t)((i * 7) % 20) * 1000;
        snprintf(name, sizeof name, "conv%d", i);
        conv(name, prev, macs[i]);
        snprintf(prev, sizeof prev, "conv%d_out", i);
        snprintf(name, sizeof name, "sig%d", i);
        node(IR_OP_Sigmoid, name, prev);
        snprintf(prev, sizeof prev, "sig%d_out", i);
    }
    end(prev);
    cc_place_options o = opts(1);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 16 && p.n_dla == 16 && p.n_host == 24);
    int evicted = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "conv%d", i);
        const cc_node_place *np = P_of(&p, name);
        int rank = (int)((macs[i] - 2000000) / 1000); /* 0 = smallest */
        CHECK((np->device == CC_DEV_HOST) == (rank < 4));
        if (np->device == CC_DEV_HOST) {
            evicted++;
            CHECK(strcmp(np->reason, "more than 16 DLA subgraphs: the smallest go to the host") == 0);
        }
    }
    CHECK(evicted == 4);
    cc_placement_release(&p);
    /* configurable */
    o.max_subgraphs = 5;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 5);
    CHECK(strstr(P_of(&p, "conv0")->reason, "more than 5 DLA subgraphs") != NULL); /* conv0 is the smallest */
    cc_placement_release(&p);
    /* forced layers stay: with every conv forced onto the DLA the cap is an error */
    o.layer_device_types = "conv*:DLA";
    CHECK_STATUS(place(&o, &p), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "more than 5 DLA subgraphs") != NULL);
    finish(&p);
}

static void test_batch_split(void)
{
    begin();
    node_b(IR_OP_Relu, "a", 2, "x", (const char *)NULL);
    node_b(IR_OP_Relu, "b", 2, "a_out", (const char *)NULL);
    node_b(IR_OP_Reshape, "c", 1, "b_out", (const char *)NULL); /* 2x4x8x8 -> 1x4x8x8 (batch changes) */
    node_b(IR_OP_Relu, "d", 1, "c_out", (const char *)NULL);
    end("d_out");
    cc_place_options o = opts(0);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_subgraphs == 2 && p.n_host == 0);
    CHECK(P_of(&p, "a")->subgraph == 0 && P_of(&p, "b")->subgraph == 0);
    CHECK(P_of(&p, "c")->subgraph == 1 && P_of(&p, "d")->subgraph == 1);
    finish(&p);
    ir_tensor t = {.rank = 5, .dims = {2, 3, 4, 5, 6}};
    ir_tensor *outs[] = {&t};
    ir_node n = {.n_out = 1, .out = outs};
    CHECK(cc_node_batch(&n) == 6); /* NPQRS -> N*P */
    t.rank = 3; /* below 4-D the lowering's view: n = dims[0] (an FC's [N,K] output keeps its batch) */
    CHECK(cc_node_batch(&n) == 2);
    t.rank = 1;
    CHECK(cc_node_batch(&n) == 1);
    t.rank = 5;
    t.dims[1] = -1;
    CHECK(cc_node_batch(&n) == -1);
}

static void test_forced(void)
{
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Relu, "b", "a_out");
    node(IR_OP_Sigmoid, "h", "b_out");
    node(IR_OP_Relu, "c", "h_out");
    end("c_out");
    cc_place_options o = opts(1);
    cc_placement p;
    o.layer_device_types = "b:GPU";
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "b")->device == CC_DEV_HOST && P_of(&p, "b")->forced);
    CHECK(strstr(P_of(&p, "b")->reason, "--layerDeviceTypes") != NULL);
    CHECK(P_of(&p, "a")->device == CC_DEV_DLA && !P_of(&p, "a")->forced);
    cc_placement_release(&p);
    /* forced GPU layers are no build error without fallback (TensorRT's per-layer device type) */
    o = opts(0);
    o.layer_device_types = "h:gpu,b:GPU";
    CHECK_OK(place(&o, &p));
    CHECK(p.n_host == 2 && p.n_subgraphs == 2);
    cc_placement_release(&p);
    /* forcing DLA on a layer the rules reject: the rule's reason */
    o = opts(1);
    o.layer_device_types = "a:DLA,h:DLA";
    CHECK_STATUS(place(&o, &p), DLA_ERR_UNSUPPORTED);
    CHECK(strstr(dla_last_error(), "--layerDeviceTypes") && strstr(dla_last_error(), "'h'") &&
          strstr(dla_last_error(), "fake rule: Sigmoid 'h' runs on the host"));
    cc_placement_release(&p);
    /* unknown layer names and devices */
    o.layer_device_types = "a:GPU,nosuch:GPU";
    CHECK_STATUS(place(&o, &p), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "--layerDeviceTypes") && strstr(dla_last_error(), "'nosuch'"));
    cc_placement_release(&p);
    o.layer_device_types = "a:CPU";
    CHECK_STATUS(place(&o, &p), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "a:CPU") != NULL);
    cc_placement_release(&p);
    o.layer_device_types = "a";
    CHECK_STATUS(place(&o, &p), DLA_ERR_INVALID_ARG);
    cc_placement_release(&p);
    /* a wildcard; an exact name wins over it */
    o.layer_device_types = "*:GPU,c:DLA";
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "a")->device == CC_DEV_HOST && P_of(&p, "b")->device == CC_DEV_HOST);
    CHECK(P_of(&p, "c")->device == CC_DEV_DLA && P_of(&p, "c")->forced);
    /* a forced-DLA single layer between host layers is not removed by the island rule */
    CHECK(p.n_subgraphs == 1);
    finish(&p);
}

static void test_no_fallback_lists_every_layer(void)
{
    begin();
    node(IR_OP_Relu, "a", "x");
    node(IR_OP_Sigmoid, "s1", "a_out");
    node(IR_OP_Relu, "b", "s1_out");
    node(IR_OP_Sigmoid, "s2", "b_out");
    node(IR_OP_Sigmoid, "s3", "s2_out");
    end("s3_out");
    cc_place_options o = opts(0);
    cc_placement p;
    CHECK_STATUS(place(&o, &p), DLA_ERR_UNSUPPORTED);
    const char *e = dla_last_error();
    CHECK(strstr(e, "3 layers cannot run on the DLA") != NULL && strstr(e, "--allowGPUFallback") != NULL);
    CHECK(strstr(e, "\n  Sigmoid 's1': fake rule: Sigmoid 's1' runs on the host") != NULL);
    CHECK(strstr(e, "'s2'") && strstr(e, "'s3'"));
    /* the island rule does not apply without fallback: b stays on the DLA and is not listed */
    CHECK(strstr(e, "'b'") == NULL);
    CHECK(p.nodes != NULL && p.n_host == 3 && p.n_dla == 2); /* the placement is still there to print */
    finish(&p);

    /* many host layers: the message stays within the error buffer and says how many are left out */
    begin();
    char prev[64] = "x", name[64];
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof name, "a_rather_long_layer_name_for_sigmoid_%d", i);
        node(IR_OP_Sigmoid, name, prev);
        snprintf(prev, sizeof prev, "%s_out", name);
    }
    end(prev);
    CHECK_STATUS(place(&o, &p), DLA_ERR_UNSUPPORTED);
    e = dla_last_error();
    CHECK(strstr(e, "60 layers cannot run") != NULL && strstr(e, "more (the placement lists every one)") != NULL);
    CHECK(strlen(e) < 1024);
    CHECK(p.n_host == 60);
    finish(&p);
}

static void test_build_time_nodes(void)
{
    begin();
    ir_node *k = node(IR_OP_Relu, "k", "x");
    node(IR_OP_Relu, "a", "x");
    end("a_out");
    CHECK_OK(ir_tensor_alloc_const(G, k->out[0])); /* k's output is a build-time constant */
    cc_place_options o = opts(0);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(P_of(&p, "k")->subgraph == CC_SUBGRAPH_BUILD_TIME);
    CHECK(p.n_dla == 1 && p.n_host == 0 && p.n_subgraphs == 1);
    finish(&p);
}

/* Shape of a static shape is a build-time constant: folded with what it feeds, so Reshape's shape becomes known */
static void test_fold_static_shapes(void)
{
    begin();
    node(IR_OP_Relu, "r", "x");
    ir_node *sh = node(IR_OP_Shape, "s", "r_out");
    ir_node *rs = node(IR_OP_Reshape, "y", "r_out", "s_out");
    ir_tensor_set_shape(sh->out[0], -1, NULL); /* as the importer leaves them: unknown until inferred */
    ir_tensor_set_shape(rs->out[0], -1, NULL);
    end("y_out");
    CHECK_OK(ir_graph_infer(G));
    CHECK(!ir_tensor_shape_known(rs->out[0])); /* the shape input has no value yet */
    int folded = 0;
    CHECK_OK(cc_fold_static_shapes(G, &folded));
    CHECK(folded == 1 && G->n_nodes == 2);
    const ir_tensor *y = ir_graph_find(G, "y_out");
    CHECK(y->rank == 4 && y->dims[0] == 1 && y->dims[1] == 4 && y->dims[3] == 8);
    const ir_tensor *s = ir_graph_find(G, "s_out");
    CHECK(s->data_kind == IR_DATA_CONST && ((const int64_t *)s->data)[1] == 4);
    cc_place_options o = opts(0);
    cc_placement p;
    CHECK_OK(place(&o, &p));
    CHECK(p.n_dla == 2 && p.n_subgraphs == 1);
    finish(&p);
    /* a dynamic input shape is left alone */
    begin();
    ir_graph_find(G, "x")->dims[0] = -1;
    node(IR_OP_Shape, "s", "x");
    end("s_out");
    CHECK_OK(cc_fold_static_shapes(G, &folded));
    CHECK(folded == 0 && G->n_nodes == 1);
    ir_graph_destroy(G);
    G = NULL;
}

/* The public API on the bundled Fashion-MNIST CNN (real rule table and rewrites). */
static void test_api(void)
{
    const char *path = "models/fashion/fashion_resnet.onnx";
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "test_api: %s not found (run from the source folder): skipped\n", path);
        return;
    }
    fclose(f);
    dla_load_options lo = {.shapes = "input:1x1x28x28"};
    dla_model *m;
    CHECK_OK(dla_model_load_file(path, &lo, &m));
    if (!m)
        return;
    /* outputs before and after the rewrites are the same (the executor is rebuilt on the rewritten graph) */
    int64_t dims[] = {1, 1, 28, 28};
    dla_tensor *x;
    CHECK_OK(dla_tensor_create("input", DLA_FLOAT32, 4, dims, &x));
    for (int i = 0; i < 784; i++)
        ((float *)x->data)[i] = (float)((i * 37) % 101) / 101.0f;
    dla_tensor **y0, **y1;
    int n0, n1;
    CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&x, &y0, &n0));

    dla_placement *p;
    dla_build_options o = {.fp16 = 1};
    CHECK_OK(dla_model_place(m, &o, &p));
    CHECK(p != NULL);
    if (!p)
        return;
    dla_placement_summary s;
    dla_placement_get_summary(p, &s);
    CHECK(s.layers == dla_placement_num_layers(p) && s.on_dla == s.layers && s.on_gpu == 0 && s.subgraphs == 1);
    CHECK(s.macs_dla > 8000000 && s.macs_gpu == 0);
    dla_layer_placement l;
    CHECK_OK(dla_placement_layer(p, 0, &l));
    CHECK(strcmp(l.device, "DLA") == 0 && l.subgraph == 0 && l.reason[0] == '\0' && strcmp(l.op, "Conv") == 0);
    CHECK_STATUS(dla_placement_layer(p, s.layers, &l), DLA_ERR_INVALID_ARG);
    dla_subgraph_info sg;
    CHECK_OK(dla_placement_subgraph(p, 0, &sg));
    CHECK(sg.layers == s.layers && strcmp(sg.first, "/stem/stem.0/Conv") == 0);
    char want[256];
    snprintf(want, sizeof want, "Layers running on DLA: {ForeignNode[%s...%s]}", sg.first, sg.last);
    CHECK(strstr(dla_placement_build_log(p), want) == dla_placement_build_log(p));
    CHECK(strcmp(dla_placement_errors(p), "") == 0);
    dla_placement_destroy(p);

    CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&x, &y1, &n1));
    CHECK(n0 == 1 && n1 == 1);
    for (int i = 0; n0 == 1 && n1 == 1 && i < 10; i++)
        CHECK_NEAR(((float *)y1[0]->data)[i], ((float *)y0[0]->data)[i], 1e-4 + 1e-4 * fabs(((float *)y0[0]->data)[i]));
    dla_tensors_destroy(y0, n0);
    dla_tensors_destroy(y1, n1);

    /* a forced GPU layer in the middle splits the network in two subgraphs, with no fallback needed */
    o.layer_device_types = "/Relu_1:GPU";
    CHECK_OK(dla_model_place(m, &o, &p));
    if (p) {
        dla_placement_get_summary(p, &s);
        CHECK(s.on_gpu == 1 && s.subgraphs == 2);
        CHECK(strstr(dla_placement_build_log(p),
                     "Layers running on GPU (host fallback): Relu '/Relu_1': forced to the GPU by "
                     "--layerDeviceTypes\n") != NULL);
        CHECK(strcmp(dla_placement_errors(p), "") == 0);
        dla_placement_destroy(p);
    }
    o.layer_device_types = "/no/such/layer:GPU";
    CHECK_STATUS(dla_model_place(m, &o, &p), DLA_ERR_INVALID_ARG);
    CHECK(p == NULL && strstr(dla_model_last_error(m), "/no/such/layer") != NULL);
    dla_model_destroy(m);
    dla_tensor_destroy(x);

    /* dynamic shapes: every layer blocks a build without fallback; the placement is still returned */
    CHECK_OK(dla_model_load_file(path, NULL, &m));
    if (!m)
        return;
    o.layer_device_types = NULL;
    CHECK_STATUS(dla_model_place(m, &o, &p), DLA_ERR_UNSUPPORTED);
    CHECK(p != NULL);
    if (p) {
        int lines = 0;
        for (const char *c = dla_placement_errors(p); *c; c++)
            lines += *c == '\n';
        dla_placement_get_summary(p, &s);
        CHECK(lines == s.on_gpu && s.on_gpu > 10);
        CHECK(strstr(dla_placement_errors(p), "Conv '/stem/stem.0/Conv': ") == dla_placement_errors(p));
        dla_placement_destroy(p);
    }
    CHECK(strstr(dla_model_last_error(m), "cannot run on the DLA") != NULL);
    dla_model_destroy(m);
    dla_placement_destroy(NULL);

    /* the operator table: sorted, every op once, Conv native on the CONV unit */
    int n = dla_op_support_count(), conv = 0;
    CHECK(n > 100);
    dla_op_support prev, cur;
    for (int i = 0; i < n; i++) {
        CHECK_OK(dla_op_support_at(i, &cur));
        if (i)
            CHECK(strcmp(prev.op, cur.op) < 0);
        if (strcmp(cur.op, "Conv") == 0) {
            conv = 1;
            CHECK(strcmp(cur.unit, "CONV") == 0 && strcmp(cur.how, "native") == 0);
        }
        prev = cur;
    }
    CHECK(conv);
    CHECK_STATUS(dla_op_support_at(n, &cur), DLA_ERR_INVALID_ARG);
}

int main(void)
{
    test_chain_with_host_node();
    test_diamond_convexity();
    test_tiny_island();
    test_subgraph_cap();
    test_batch_split();
    test_forced();
    test_no_fallback_lists_every_layer();
    test_build_time_nodes();
    test_fold_static_shapes();
    test_api();
    return TEST_RESULT();
}
