/* INT8 calibration: scale tables, TensorRT calibration caches (round trip, header variants, malformed lines
 * named), the percentile / entropy calibrators on synthetic histograms with known answers, the range collector
 * on a hand-built graph with known ranges, Q/DQ scales, and the public API on the Fashion-MNIST model and on a
 * two-input model fed from a folder of .npy files. */
#include "check.h"
#include "compiler/calib.h"
#include "compiler/cc.h"
#include "dla/calib.h"
#include "dla/compiler.h"
#include "dla/model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* ---- scale tables --------------------------------------------------------------------------------------- */

static void test_table(void)
{
    cc_scale_table *t;
    CHECK_OK(cc_scale_table_create(&t));
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "t%d", i);
        CHECK_OK(cc_scale_table_add(t, name, (float)i * 0.5f, 0));
    }
    CHECK(t->n == 1000);
    int found = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "t%d", i);
        float s = -1;
        found += cc_scale_table_find(t, name, &s) && s == (float)i * 0.5f;
    }
    CHECK(found == 1000);
    CHECK(!cc_scale_table_find(t, "t1000", NULL));
    CHECK(!cc_scale_table_find(t, "", NULL));
    CHECK_OK(cc_scale_table_add(t, "t7", 9.0f, 1.0f)); /* replaces, keeps its place */
    CHECK(t->n == 1000);
    CHECK(strcmp(t->items[7].name, "t7") == 0 && t->items[7].scale == 9.0f && t->items[7].max_abs == 1.0f);
    CHECK_STATUS(cc_scale_table_add(t, "bad", NAN, 0), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_scale_table_add(t, "bad", -1.0f, 0), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_scale_table_add(t, "bad", INFINITY, 0), DLA_ERR_INVALID_ARG);
    CHECK(!cc_scale_table_find(t, "bad", NULL));

    cc_scale_table *u;
    CHECK_OK(cc_scale_table_create(&u));
    CHECK_OK(cc_scale_table_add(u, "t7", 1.0f, 0));
    CHECK_OK(cc_scale_table_add(u, "new", 2.0f, 0));
    CHECK_OK(cc_scale_table_merge(t, u, 0));
    float s = 0;
    CHECK(cc_scale_table_find(t, "t7", &s) && s == 9.0f); /* kept */
    CHECK(cc_scale_table_find(t, "new", &s) && s == 2.0f);
    CHECK_OK(cc_scale_table_merge(t, u, 1));
    CHECK(cc_scale_table_find(t, "t7", &s) && s == 1.0f); /* overwritten */
    CHECK(t->n == 1001);
    cc_scale_table_free(u);
    cc_scale_table_free(t);
    cc_scale_table_free(NULL);
}

/* ---- calibration cache ---------------------------------------------------------------------------------- */

static void test_cache_round_trip(void)
{
    static const char *names[] = {"input", "input_tensor:0", "(Unnamed Layer* 3) [Convolution]_output",
                                  "/res1/Add_output_0", "a: b", "z"};
    const float scales[] = {0.0159265f, 1e-30f, 3.0e38f, 1.4e-45f /* denormal */, 0.0f, 1.0f / 127.0f};
    cc_scale_table *t, *r;
    CHECK_OK(cc_scale_table_create(&t));
    for (int i = 0; i < 6; i++)
        CHECK_OK(cc_scale_table_add(t, names[i], scales[i], 0));
    char path[] = "/tmp/dla_calib_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK_OK(cc_calib_cache_write(path, t, NULL));
    CHECK_OK(cc_scale_table_create(&r));
    CHECK_OK(cc_calib_cache_read(path, r));
    CHECK(strcmp(r->header, "TRT-8601-EntropyCalibration2") == 0);
    CHECK(r->n == 6);
    for (int i = 0; i < 6 && i < r->n; i++) {
        CHECK(strcmp(r->items[i].name, names[i]) == 0);
        CHECK(bits_of(r->items[i].scale) == bits_of(scales[i]));
    }
    /* the exact text: TensorRT prints the bits with std::hex (no leading zeros) */
    char *text;
    size_t size;
    CHECK_OK(cc_calib_cache_format(t, "TRT-8600-MinMaxCalibration", &text, &size));
    char want[256];
    snprintf(want, sizeof want, "TRT-8600-MinMaxCalibration\ninput: %x\ninput_tensor:0: %x\n(Unnamed Layer* 3) "
             "[Convolution]_output: %x\n", (unsigned)bits_of(scales[0]), (unsigned)bits_of(scales[1]),
             (unsigned)bits_of(scales[2]));
    CHECK(strncmp(text, want, strlen(want)) == 0);
    CHECK(bits_of(1.0f / 127.0f) == 0x3c010204u && strstr(text, "\nz: 3c010204\n") != NULL);
    CHECK(strstr(text, "\n/res1/Add_output_0: 1\n") != NULL);
    CHECK(strstr(text, "\na: b: 0\n") != NULL);
    CHECK(size == strlen(text));
    free(text);
    cc_scale_table_free(r);
    cc_scale_table_free(t);
    unlink(path);

    /* the public API reads and writes the same file */
    dla_calib *c;
    const char *cache = "TRT-8601-EntropyCalibration2\nx: 3f800000\ny: 3c010204\n";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(cache, f);
        fclose(f);
    }
    CHECK_OK(dla_calib_load(path, &c));
    float s = 0;
    CHECK(dla_calib_count(c) == 2 && dla_calib_find(c, "x", &s) && s == 1.0f);
    dla_calib_entry e;
    CHECK_OK(dla_calib_get(c, 1, &e));
    CHECK(strcmp(e.name, "y") == 0 && bits_of(e.scale) == 0x3c010204u && fabsf(e.amax - 127 * e.scale) < 1e-6f);
    CHECK_STATUS(dla_calib_get(c, 2, &e), DLA_ERR_INVALID_ARG);
    CHECK_OK(dla_calib_save(c, path));
    void *bytes;
    CHECK_OK(base_read_file(path, &bytes, &size));
    CHECK(size == strlen(cache) && memcmp(bytes, cache, size) == 0);
    free(bytes);
    dla_calib_destroy(c);
    unlink(path);
}

static int parses(const char *text, cc_scale_table **out)
{
    CHECK_OK(cc_scale_table_create(out));
    return cc_calib_cache_parse(text, strlen(text), "c.cache", *out) == DLA_OK;
}

static void test_cache_variants(void)
{
    cc_scale_table *t;
    float s;
    /* qdq-translator's header, CRLF line ends, upper-case hex, blank lines, a later entry replacing */
    CHECK(parses("TRT-8600-EntropyCalibration2\r\nx: 3F800000\r\n\r\ny:3c010204\r\nx: 40000000\r\n", &t));
    CHECK(strcmp(t->header, "TRT-8600-EntropyCalibration2") == 0);
    CHECK(t->n == 2 && cc_scale_table_find(t, "x", &s) && s == 2.0f && cc_scale_table_find(t, "y", &s) &&
          bits_of(s) == 0x3c010204u);
    cc_scale_table_free(t);
    /* an older TensorRT calibrator */
    CHECK(parses("TRT-7000-MinMaxCalibration\nconv1: 3d2f5c29", &t));
    CHECK(t->n == 1 && strcmp(t->header, "TRT-7000-MinMaxCalibration") == 0);
    cc_scale_table_free(t);
    /* no header at all */
    CHECK(parses("data: 3c010a14\nprob: 3c8a8a8b\n", &t));
    CHECK(t->n == 2 && t->header[0] == '\0');
    cc_scale_table_free(t);
    /* a header and no entries */
    CHECK(parses("TRT-8601-EntropyCalibration2\n", &t));
    CHECK(t->n == 0);
    cc_scale_table_free(t);
    /* scale 0 is kept (the lowering reads it as "no scale"); short hex */
    CHECK(parses("TRT-8601-EntropyCalibration2\nz: 0\n", &t));
    CHECK(cc_scale_table_find(t, "z", &s) && s == 0.0f);
    cc_scale_table_free(t);
}

/* text must fail with DLA_ERR_FORMAT and a message that starts with want ("c.cache:3:"). */
static void bad_cache(const char *text, size_t len, const char *want)
{
    cc_scale_table *t;
    CHECK_OK(cc_scale_table_create(&t));
    dla_status st = cc_calib_cache_parse(text, len, "c.cache", t);
    CHECK(st == DLA_ERR_FORMAT);
    if (strncmp(dla_last_error(), want, strlen(want)) != 0) {
        fprintf(stderr, "  cache error '%s' does not start with '%s'\n", dla_last_error(), want);
        check_failures++;
    }
    cc_scale_table_free(t);
}

static void test_cache_malformed(void)
{
#define BAD(text, want) bad_cache(text, strlen(text), want)
    BAD("TRT-8601-EntropyCalibration2\nx: 3f800000\nno colon here\n", "c.cache:3: expected");
    BAD("TRT-8601-EntropyCalibration2\nx: 3g800000\n", "c.cache:2: the value of 'x'");
    BAD("TRT-8601-EntropyCalibration2\nx: 3f8000000\n", "c.cache:2: the value of 'x'");
    BAD("TRT-8601-EntropyCalibration2\nx:\n", "c.cache:2: the value of 'x'");
    BAD("TRT-8601-EntropyCalibration2\nx: 3f80 0000\n", "c.cache:2: the value of 'x'");
    BAD("TRT-8601-EntropyCalibration2\n\n\nneg: bf800000\n", "c.cache:4: the scale of 'neg'");
    BAD("TRT-8601-EntropyCalibration2\nnan: 7fc00000\n", "c.cache:2: the scale of 'nan'");
    BAD("TRT-8601-EntropyCalibration2\ninf: 7f800000\n", "c.cache:2: the scale of 'inf'");
    BAD("TRT-8601-EntropyCalibration2\r\nok: 3f800000\r\n: 3f800000\r\n", "c.cache:3: empty tensor name");
    BAD("TRT-x-EntropyCalibration2\nx: 3f800000\n", "c.cache:1: header");
    BAD("\nCALIBRATION\nx: 3f800000\n", "c.cache:2: header");
    BAD("TRT-8601-\n", "c.cache:1: header");
    BAD("", "c.cache: empty");
    BAD("\n \n", "c.cache: empty");
    bad_cache("TRT-8601-EntropyCalibration2\nx: 3f8\0000000\n", 40, "c.cache: a NUL byte");
#undef BAD
    /* a missing file names the path */
    cc_scale_table *t;
    CHECK_OK(cc_scale_table_create(&t));
    CHECK(cc_calib_cache_read("/nonexistent/x.cache", t) != DLA_OK);
    CHECK(strstr(dla_last_error(), "/nonexistent/x.cache") != NULL);
    cc_scale_table_free(t);
    dla_calib *c = (dla_calib *)1;
    CHECK(dla_calib_load("/nonexistent/x.cache", &c) != DLA_OK && c == NULL);
}

/* ---- calibrators ---------------------------------------------------------------------------------------- */

static void test_method_parse(void)
{
    cc_calib_method m;
    double p;
    CHECK_OK(cc_calib_parse_method("max", &m, &p));
    CHECK(m == CC_CALIB_MAX);
    CHECK_OK(cc_calib_parse_method("entropy", &m, &p));
    CHECK(m == CC_CALIB_ENTROPY);
    CHECK_OK(cc_calib_parse_method("percentile", &m, &p));
    CHECK(m == CC_CALIB_PERCENTILE && p == 99.99);
    CHECK_OK(cc_calib_parse_method("percentile:99.9", &m, &p));
    CHECK(m == CC_CALIB_PERCENTILE && p == 99.9);
    CHECK_STATUS(cc_calib_parse_method("percentile:101", &m, &p), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_calib_parse_method("percentile:", &m, &p), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_calib_parse_method("percentile:0", &m, &p), DLA_ERR_INVALID_ARG);
    CHECK_STATUS(cc_calib_parse_method("minmax", &m, &p), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "minmax") != NULL);
    dla_calib_options o = {0};
    CHECK_OK(dla_calib_parse_method("percentile:99.5", &o));
    CHECK(o.method == DLA_CALIB_PERCENTILE && o.percentile == 99.5);
}

static void test_percentile(void)
{
    enum { N = 10000, B = CC_CALIB_BINS };
    static float x[2 * N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(i + 1) * (i % 2 ? 1 : -1); /* |x| = 1 .. 10000, both signs */
    static uint64_t h[B];
    uint64_t zeros = 0;
    double w = (double)N / B;
    cc_hist_add_f32(h, B, N, x, N, &zeros, 1);
    uint64_t total = 0;
    for (int b = 0; b < B; b++)
        total += h[b];
    CHECK(total == N && zeros == 0);
    CHECK(h[B - 1] >= 1); /* |x| = max goes to the last bin */
    CHECK_NEAR(cc_calib_percentile(h, B, N, zeros, 99.0), 9900, w);
    CHECK_NEAR(cc_calib_percentile(h, B, N, zeros, 50.0), 5000, w);
    CHECK_NEAR(cc_calib_percentile(h, B, N, zeros, 100.0), 10000, w);
    /* zeros count in the total: half the values zero -> the 90th percentile is the 80th of the nonzero ones */
    for (int i = 0; i < N; i++)
        x[N + i] = i % 2 ? 0.0f : -0.0f;
    memset(h, 0, sizeof h);
    zeros = 0;
    cc_hist_add_f32(h, B, N, x, 2 * N, &zeros, 4); /* below the threading size: one thread */
    CHECK(zeros == N);
    CHECK_NEAR(cc_calib_percentile(h, B, N, zeros, 90.0), 8000, w);
    CHECK(cc_calib_percentile(h, B, N, zeros, 40.0) == 0); /* inside the zeros */
    /* the threaded histogram equals the serial one */
    size_t n = 300000;
    float *y = malloc(sizeof *y * n);
    static uint64_t h1[B], h2[B];
    for (size_t i = 0; i < n; i++)
        y[i] = (float)((i * 2654435761u) % 100003) * (i % 3 ? 1.0f : -1.0f) - (i % 7 == 0 ? 0.0f : 0.5f);
    uint64_t z1 = 0, z2 = 0;
    cc_hist_add_f32(h1, B, 100003, y, n, &z1, 1);
    cc_hist_add_f32(h2, B, 100003, y, n, &z2, 8);
    CHECK(z1 == z2 && memcmp(h1, h2, sizeof h1) == 0);
    free(y);
}

static double laplace(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    double u = ((*s >> 8) + 0.5) / 16777216.0 - 0.5;
    return -(u < 0 ? -1 : 1) * log(1 - 2 * fabs(u));
}

static void test_entropy(void)
{
    enum { B = CC_CALIB_BINS };
    static uint64_t h[B];
    /* exactly uniform |x| over [0, 8]: every threshold below max clips mass; the full range loses nothing */
    for (int b = 0; b < B; b++)
        h[b] = 64;
    CHECK_NEAR(cc_calib_entropy(h, B, 8.0), 8.0, 1e-12);
    /* heavy tailed (Laplace, scale 1): the threshold lies well below the max |x| */
    memset(h, 0, sizeof h);
    enum { N = 400000 };
    float *x = malloc(sizeof *x * N);
    unsigned s = 12345;
    double mx = 0;
    for (int i = 0; i < N; i++) {
        x[i] = (float)laplace(&s);
        mx = fmax(mx, fabs(x[i]));
    }
    uint64_t zeros = 0;
    cc_hist_add_f32(h, B, mx, x, N, &zeros, 4);
    double t = cc_calib_entropy(h, B, mx);
    double p9999 = cc_calib_percentile(h, B, mx, zeros, 99.99);
    if (!(t < 0.9 * mx && t > p9999)) {
        fprintf(stderr, "entropy threshold %g for Laplace data with max %g (99.99%%: %g)\n", t, mx, p9999);
        check_failures++;
    }
    /* Laplace (scale 0.7) with 0.1 % outliers spread up to 50: the threshold clips the outliers */
    memset(h, 0, sizeof h);
    mx = 0;
    for (int i = 0; i < N; i++) {
        x[i] = i % 1000 == 0 ? (float)(50.0 * (i + 1) / N) : (float)(laplace(&s) * 0.7);
        mx = fmax(mx, fabs(x[i]));
    }
    zeros = 0;
    cc_hist_add_f32(h, B, mx, x, N, &zeros, 4);
    double t2 = cc_calib_entropy(h, B, mx);
    if (!(t2 < 0.5 * mx && t2 > 2.0)) {
        fprintf(stderr, "entropy threshold %g for data with 0.1%% outliers up to %g\n", t2, mx);
        check_failures++;
    }
    /* a multiple of the bin width */
    double k = t2 / (mx / B);
    CHECK_NEAR(k, floor(k + 0.5), 1e-6);
    free(x);
    /* nothing in the histogram: max */
    memset(h, 0, sizeof h);
    CHECK(cc_calib_entropy(h, B, 2.0) == 2.0);
}

/* ---- the collector on a hand-built graph ---------------------------------------------------------------- */

/* x [N,4] -> Relu -> r; y = Add(r, c) with c = [1, -10, 0, 0]; also an int64 Shape output (not calibrated). */
static ir_graph *tiny_graph(int64_t batch)
{
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 13;
    ir_tensor *x, *r, *c, *y, *sh;
    CHECK_OK(ir_graph_tensor(g, "x", &x));
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, 2, (const int64_t[]){batch, 4});
    if (batch < 0)
        x->dim_param[0] = "N";
    CHECK_OK(ir_graph_add_input(g, x));
    CHECK_OK(ir_graph_tensor(g, "c", &c));
    c->dtype = IR_F32;
    ir_tensor_set_shape(c, 1, (const int64_t[]){4});
    CHECK_OK(ir_tensor_alloc_const(g, c));
    memcpy(c->data, (const float[]){1, -10, 0, 0}, 16);
    ir_node *n;
    CHECK_OK(ir_graph_add_node(g, IR_OP_Relu, "relu", 1, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "r", &r));
    n->in[0] = x;
    n->out[0] = r;
    n->opset = 13;
    CHECK_OK(ir_graph_add_node(g, IR_OP_Add, "add", 2, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "y", &y));
    n->in[0] = r;
    n->in[1] = c;
    n->out[0] = y;
    n->opset = 13;
    CHECK_OK(ir_graph_add_node(g, IR_OP_Shape, "shape", 1, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "sh", &sh));
    n->in[0] = y;
    n->out[0] = sh;
    n->opset = 13;
    CHECK_OK(ir_graph_add_output(g, y));
    CHECK_OK(ir_graph_add_output(g, sh));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    return g;
}

static float tiny_data[3][8] = {
    {-3, 1, 2, -0.5f, 0, 0, 0, 0},
    {0.5f, -7, 4, 1, 0, 0, 0, 0},
    {-3, 1, 2, -0.5f, 0.5f, -7, 4, 1}, /* both, as one batch of 2 */
};

static dla_status tiny_feed(void *user, int b, ir_graph *g)
{
    int batch2 = *(int *)user;
    ir_tensor *x = g->inputs[0];
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, 2, (const int64_t[]){batch2 ? 2 : 1, 4});
    x->data = batch2 ? tiny_data[2] : tiny_data[b];
    x->data_kind = IR_DATA_RUNTIME;
    return DLA_OK;
}

static void test_collector(void)
{
    /* batch 1 twice: max |x| = 7; relu: 4; y = relu + c: batch 0 [1,-9,2,0], batch 1 [1.5,-10,4,1] -> 10 */
    ir_graph *g = tiny_graph(1);
    cc_scale_table *t;
    CHECK_OK(cc_scale_table_create(&t));
    int batch2 = 0;
    cc_calib_options o = {.method = CC_CALIB_MAX, .n_threads = 2};
    CHECK_OK(cc_calibrate(g, 2, tiny_feed, &batch2, &o, t));
    float s = 0;
    CHECK(t->n == 3);
    CHECK(cc_scale_table_find(t, "x", &s) && s == 7.0f / 127);
    CHECK(cc_scale_table_find(t, "r", &s) && s == 4.0f / 127);
    CHECK(cc_scale_table_find(t, "y", &s) && s == 10.0f / 127);
    CHECK(!cc_scale_table_find(t, "sh", NULL) && !cc_scale_table_find(t, "c", NULL));
    const cc_scale *e = cc_scale_table_get(t, "y");
    CHECK(e && e->max_abs == 10.0f);
    /* the graph is as before: input unbound, shapes as declared */
    CHECK(g->inputs[0]->data == NULL && g->inputs[0]->dims[0] == 1);
    CHECK(ir_graph_find(g, "y")->data == NULL && ir_graph_find(g, "y")->dims[0] == 1);
    cc_scale_table_free(t);
    ir_graph_destroy(g);

    /* a dynamic batch: fed as one batch of 2, same ranges; the symbolic dim is back afterwards */
    g = tiny_graph(-1);
    CHECK_OK(cc_scale_table_create(&t));
    batch2 = 1;
    o.method = CC_CALIB_PERCENTILE;
    o.percentile = 100;
    CHECK_OK(cc_calibrate(g, 1, tiny_feed, &batch2, &o, t));
    CHECK(cc_scale_table_find(t, "x", &s) && fabsf(s * 127 - 7.0f) < 1e-5f);
    CHECK(cc_scale_table_find(t, "y", &s) && fabsf(s * 127 - 10.0f) < 1e-5f);
    CHECK(g->inputs[0]->dims[0] == -1 && ir_graph_find(g, "r")->dims[0] == -1);
    cc_scale_table_free(t);

    /* the collector by hand: pass 0 ranges, pass 1 histogram counts */
    cc_collector *c;
    CHECK_OK(cc_collector_create(g, &o, &c));
    CHECK(cc_collector_count(c) == 3); /* x, r, y: not the int64 Shape output */
    tiny_feed(&batch2, 0, g);
    CHECK_OK(cc_collector_run(c));
    CHECK_STATUS(cc_collector_scales(c, CC_CALIB_ENTROPY, 0, NULL), DLA_ERR_INVALID_ARG); /* needs pass 1 */
    CHECK_OK(cc_collector_start_histograms(c));
    CHECK_STATUS(cc_collector_start_histograms(c), DLA_ERR_INVALID_ARG);
    tiny_feed(&batch2, 0, g); /* the executor unbinds inputs after their last use: bind again */
    CHECK_OK(cc_collector_run(c));
    const cc_range *r = cc_collector_find(c, "r");
    CHECK(r && r->max_abs == 4.0 && r->n_values == 8 && r->n_zeros == 3 && r->hist);
    uint64_t sum = 0;
    for (int b = 0; r && b < CC_CALIB_BINS; b++)
        sum += r->hist[b];
    CHECK(sum == 5);
    CHECK(r && r->hist[CC_CALIB_BINS - 1] == 1); /* the value 4 = max */
    CHECK(r && r->hist[CC_CALIB_BINS / 4] == 2); /* the two 1s */
    CHECK(cc_collector_find(c, "c") == NULL && cc_collector_find(c, "sh") == NULL);
    g->inputs[0]->data = NULL;
    g->inputs[0]->data_kind = IR_DATA_NONE;
    cc_collector_destroy(c);
    ir_graph_destroy(g);
}

/* ---- Q/DQ scales ---------------------------------------------------------------------------------------- */

static void test_qdq(void)
{
    /* x -> QuantizeLinear(0.05, 0) -> DequantizeLinear(0.05, 0) -> Relu -> y */
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    g->opset = 13;
    ir_tensor *x, *s, *z, *q, *dq, *y;
    CHECK_OK(ir_graph_tensor(g, "x", &x));
    x->dtype = IR_F32;
    ir_tensor_set_shape(x, 4, (const int64_t[]){1, 2, 3, 3});
    CHECK_OK(ir_graph_add_input(g, x));
    CHECK_OK(ir_graph_tensor(g, "s", &s));
    s->dtype = IR_F32;
    ir_tensor_set_shape(s, 0, NULL);
    CHECK_OK(ir_tensor_alloc_const(g, s));
    *(float *)s->data = 0.05f;
    CHECK_OK(ir_graph_tensor(g, "z", &z));
    z->dtype = IR_I8;
    ir_tensor_set_shape(z, 0, NULL);
    CHECK_OK(ir_tensor_alloc_const(g, z));
    ir_node *n;
    CHECK_OK(ir_graph_add_node(g, IR_OP_QuantizeLinear, "q", 3, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "xq", &q));
    n->in[0] = x, n->in[1] = s, n->in[2] = z, n->out[0] = q, n->opset = 13;
    CHECK_OK(ir_graph_add_node(g, IR_OP_DequantizeLinear, "dq", 3, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "xdq", &dq));
    n->in[0] = q, n->in[1] = s, n->in[2] = z, n->out[0] = dq, n->opset = 13;
    CHECK_OK(ir_graph_add_node(g, IR_OP_Relu, "relu", 1, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "y", &y));
    n->in[0] = dq, n->out[0] = y, n->opset = 13;
    CHECK_OK(ir_graph_add_output(g, y));
    CHECK_OK(ir_graph_toposort(g));
    CHECK_OK(ir_graph_infer(g));
    cc_scale_table *t;
    CHECK_OK(cc_scale_table_create(&t));
    int added = -1;
    CHECK_OK(cc_scales_from_qdq(g, 0, t, &added));
    CHECK(added == 0); /* before the rewrite nothing is recorded */
    int changed = 0;
    CHECK_OK(cc_rewrite(g, &changed));
    CHECK_OK(cc_scales_from_qdq(g, 0, t, &added));
    float sc = 0;
    CHECK(added == 1 && cc_scale_table_find(t, "x", &sc) && sc == 0.05f);
    cc_scale_table_free(t);
    ir_graph_destroy(g);
}

/* ---- the public API ------------------------------------------------------------------------------------- */

static char log_seen[4096];
static void capture(dla_log_level level, const char *message, void *user)
{
    (void)user;
    if (level <= DLA_LOG_WARN && strlen(log_seen) + strlen(message) + 2 < sizeof log_seen) {
        strcat(log_seen, message);
        strcat(log_seen, "\n");
    }
}

static void test_fashion(void)
{
    const char *model = "models/fashion/fashion_resnet.onnx", *dir = "models/fashion/samples";
    dla_model *m;
    if (access(model, R_OK) != 0 || access(dir, R_OK) != 0) {
        fprintf(stderr, "test_fashion: %s not found: skipped\n", model);
        return;
    }
    CHECK_OK(dla_model_load_file(model, &(dla_load_options){.shapes = "input:1x1x28x28"}, &m));
    if (!m)
        return;
    dla_calib *c = NULL;
    CHECK_OK(dla_model_calibrate_dir(m, dir, NULL, &c));
    if (!c) {
        dla_model_destroy(m);
        return;
    }
    /* every Conv output has a scale, and so has the input */
    int convs = 0, with = 0;
    for (int i = 0; i < dla_model_num_layers(m); i++) {
        dla_layer_info li;
        CHECK_OK(dla_model_layer(m, i, &li));
        if (strcmp(li.op, "Conv") == 0) {
            convs++;
            float s = 0;
            with += dla_calib_find(c, li.output, &s) && s > 0;
        }
    }
    CHECK(convs == 7 && with == convs);
    /* the input's amax is the max |x| over input_0..7 and input_batch8 (the same 8 images) */
    float mx = 0;
    for (int k = 0; k < 8; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/input_%d.npy", dir, k);
        dla_tensor *t;
        CHECK_OK(dla_tensor_load(path, &t));
        for (size_t i = 0; t && i < t->nbytes / 4; i++)
            mx = fmaxf(mx, fabsf(((float *)t->data)[i]));
        dla_tensor_destroy(t);
    }
    float s = 0;
    CHECK(dla_calib_find(c, "input", &s) && s == mx / 127.0f);
    dla_calib_destroy(c);

    /* the model still runs as before calibration (shapes and bindings restored) */
    dla_tensor *x, *want, **ys = NULL;
    int ny = 0;
    CHECK_OK(dla_tensor_load("models/fashion/samples/input_3.npy", &x));
    CHECK_OK(dla_tensor_load("models/fashion/samples/expected_logits_3.npy", &want));
    CHECK_OK(dla_model_run(m, NULL, 1, (const dla_tensor *const *)&x, &ys, &ny));
    if (ny == 1 && want)
        for (int i = 0; i < 10; i++)
            CHECK_NEAR(((float *)ys[0]->data)[i], ((float *)want->data)[i], 1e-3);
    dla_tensors_destroy(ys, ny);
    dla_tensor_destroy(x);
    dla_tensor_destroy(want);

    /* entropy: every threshold at most the max seen */
    dla_calib_options o = {.method = DLA_CALIB_ENTROPY};
    CHECK_OK(dla_model_calibrate_dir(m, dir, &o, &c));
    int n_ok = 0;
    for (int i = 0; c && i < dla_calib_count(c); i++) {
        dla_calib_entry e;
        dla_calib_get(c, i, &e);
        n_ok += e.amax > 0 && e.amax <= e.max_abs * (1 + 1e-6f);
    }
    CHECK(c && n_ok == dla_calib_count(c) && n_ok >= 21);
    dla_calib_destroy(c);

    /* random inputs: loud warning */
    log_seen[0] = '\0';
    dla_set_log_hook(capture, NULL);
    o = (dla_calib_options){.random_batches = 2, .seed = 1};
    CHECK_OK(dla_model_calibrate_random(m, &o, &c));
    dla_set_log_hook(NULL, NULL);
    CHECK(strstr(log_seen, "calibrating on random inputs: INT8 accuracy will be meaningless") != NULL);
    CHECK(c && dla_calib_count(c) >= 21);
    dla_calib_destroy(c);

    /* after the DLA rewrites (dla_model_place), calibration sees the rewritten graph: the Gemm head is a Conv now,
     * and every Conv output still gets a scale */
    dla_placement *pl = NULL;
    CHECK_OK(dla_model_place(m, &(dla_build_options){.int8 = 1, .allow_gpu_fallback = 1}, &pl));
    dla_placement_destroy(pl);
    CHECK_OK(dla_model_calibrate_dir(m, dir, NULL, &c));
    convs = with = 0;
    for (int i = 0; i < dla_model_num_layers(m); i++) {
        dla_layer_info li;
        CHECK_OK(dla_model_layer(m, i, &li));
        if (strcmp(li.op, "Conv") == 0) {
            convs++;
            with += dla_calib_find(c, li.output, NULL);
        }
    }
    CHECK(convs >= 7 && with == convs);
    dla_calib_destroy(c);

    /* a folder with no .npy files */
    CHECK_STATUS(dla_model_calibrate_dir(m, "models/fashion/../../src/base", NULL, &c), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "no .npy files") != NULL && c == NULL);
    dla_model_destroy(m);
}

static void save(const char *dir, const char *file, int64_t d0, float value)
{
    dla_tensor *t;
    CHECK_OK(dla_tensor_create(NULL, DLA_FLOAT32, 3, (const int64_t[]){d0, 4, 5}, &t));
    for (int64_t i = 0; t && i < d0 * 20; i++)
        ((float *)t->data)[i] = i == 7 ? value : 0.25f;
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    CHECK_OK(dla_tensor_save_npy(t, path));
    dla_tensor_destroy(t);
}

/* test_add (inputs x, y of 3x4x5; output sum) from a folder: x_K / y_K pairs, a file of 2 batches split. */
static void test_two_inputs(void)
{
    const char *model = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";
    if (access(model, R_OK) != 0) {
        fprintf(stderr, "test_two_inputs: %s not found: skipped\n", model);
        return;
    }
    char dir[] = "/tmp/dla_calib_dir_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    save(dir, "x_1.npy", 3, -2.0f);
    save(dir, "y_1.npy", 3, 0.5f);  /* sum at element 7: -1.5 */
    save(dir, "x_10.npy", 6, 3.0f); /* two batches; the second's element 7 is 0.25 */
    save(dir, "y_10.npy", 6, 4.0f); /* sum 7 */
    save(dir, "labels.npy", 1, 0);  /* names no input: ignored with a warning */
    dla_model *m;
    CHECK_OK(dla_model_load_file(model, NULL, &m));
    dla_calib *c = NULL;
    CHECK_OK(dla_model_calibrate_dir(m, dir, NULL, &c));
    float s = 0;
    CHECK(dla_calib_find(c, "x", &s) && s == 3.0f / 127);
    CHECK(dla_calib_find(c, "y", &s) && s == 4.0f / 127);
    CHECK(dla_calib_find(c, "sum", &s) && s == 7.0f / 127);
    dla_calib_destroy(c);
    /* y_2 without x_2 */
    save(dir, "y_2.npy", 3, 1.0f);
    CHECK_STATUS(dla_model_calibrate_dir(m, dir, NULL, &c), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "y_2.npy has no partner for input 'x'") != NULL);
    /* a batch that is not a multiple of 3 */
    char path[256];
    snprintf(path, sizeof path, "%s/y_2.npy", dir);
    unlink(path);
    save(dir, "x_3.npy", 4, 1.0f);
    save(dir, "y_3.npy", 4, 1.0f);
    CHECK_STATUS(dla_model_calibrate_dir(m, dir, NULL, &c), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "x_3.npy has batch 4, not a multiple") != NULL);
    dla_model_destroy(m);
    const char *files[] = {"x_1.npy", "y_1.npy", "x_10.npy", "y_10.npy", "labels.npy", "x_3.npy", "y_3.npy"};
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    test_table();
    test_cache_round_trip();
    test_cache_variants();
    test_cache_malformed();
    test_method_parse();
    test_percentile();
    test_entropy();
    test_collector();
    test_qdq();
    test_fashion();
    test_two_inputs();
    return TEST_RESULT();
}
