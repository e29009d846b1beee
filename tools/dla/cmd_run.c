/* dla run: execute an ONNX model on the host FP32 reference executor, or run ONNX backend tests. */
#include "cli.h"
#include "dla/model.h"
#include "dla/conformance.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define MAX_INPUTS 64

static const char run_usage[] =
    "usage: dla run MODEL.onnx --input NAME=FILE [--input ...] --output-dir DIR [--threads N] [--shapes S]\n"
    "                          [--bench N] [--top K] [--expect NAME=FILE.npy]\n"
    "       dla run --onnx-test DIR [--exceptions FILE] [--threads N] [--verbose]\n"
    "\n"
    "FILE is .npy or an ONNX TensorProto .pb. Each output is written as DIR/<output name>.npy (characters\n"
    "outside [A-Za-z0-9_.-] become '_'). --bench N runs N timed iterations after one warm-up and prints one\n"
    "JSON line. --top K prints the K best classes of each row of a 2-D float output. --expect compares an\n"
    "output with a .npy (tolerance 1e-3 of its largest magnitude) and exits 1 on a mismatch.\n"
    "--onnx-test runs one backend-test directory (model.onnx + test_data_set_*/) or every such\n"
    "directory below DIR, and prints PASS/FAIL/SKIP per test and a summary line.\n";

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- conformance ---------------------------------------------------------------------------------------- */

typedef struct exception_row {
    char test[160];
    int skip;           /* 1: not expected to pass; reason says why */
    double rtol, atol;  /* tolerance override when skip == 0 */
    char reason[256];
} exception_row;

static int load_exceptions(const char *path, exception_row **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    if (!path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "dla run: --exceptions %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        exception_row r;
        memset(&r, 0, sizeof r);
        char kind[16];
        int used = 0;
        if (sscanf(p, "%159s %15s %n", r.test, kind, &used) < 2) {
            fprintf(stderr, "dla run: %s:%d: expected 'TEST skip REASON' or 'TEST tol RTOL ATOL REASON'\n", path,
                    lineno);
            fclose(f);
            free(*rows);
            return -1;
        }
        p += used;
        if (strcmp(kind, "skip") == 0)
            r.skip = 1;
        else if (strcmp(kind, "tol") != 0 || sscanf(p, "%lf %lf %n", &r.rtol, &r.atol, &used) < 2) {
            fprintf(stderr, "dla run: %s:%d: kind must be 'skip' or 'tol RTOL ATOL'\n", path, lineno);
            fclose(f);
            free(*rows);
            return -1;
        } else
            p += used;
        snprintf(r.reason, sizeof r.reason, "%s", p);
        r.reason[strcspn(r.reason, "\n")] = '\0';
        exception_row *g = realloc(*rows, sizeof *g * (size_t)(*n + 1));
        if (!g) {
            fclose(f);
            free(*rows);
            return -1;
        }
        *rows = g;
        g[(*n)++] = r;
    }
    fclose(f);
    return 0;
}

static const exception_row *find_exception(const exception_row *rows, int n, const char *test)
{
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].test, test) == 0)
            return &rows[i];
    return NULL;
}

static int has_model(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/model.onnx", dir);
    struct stat st;
    return stat(p, &st) == 0;
}

static int test_filter(const struct dirent *e) { return e->d_name[0] != '.'; }

static int run_onnx_tests(const char *dir, const char *exc_path, int threads, int verbose)
{
    exception_row *exc;
    int n_exc;
    if (load_exceptions(exc_path, &exc, &n_exc) != 0)
        return 2;
    struct dirent **ents = NULL;
    int n = 0, single = has_model(dir);
    if (!single) {
        n = scandir(dir, &ents, test_filter, alphasort);
        if (n < 0) {
            fprintf(stderr, "dla run: --onnx-test %s: %s\n", dir, strerror(errno));
            free(exc);
            return 2;
        }
    }
    int pass = 0, fail = 0, skip = 0, known = 0, total = single ? 1 : n;
    for (int i = 0; i < total; i++) {
        char path[4096];
        const char *name;
        if (single) {
            snprintf(path, sizeof path, "%s", dir);
            name = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
        } else {
            snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
            name = ents[i]->d_name;
            if (!has_model(path))
                continue;
        }
        const exception_row *ex = find_exception(exc, n_exc, name);
        dla_onnx_test_options o = {.n_threads = threads};
        if (ex && !ex->skip) {
            o.rtol = ex->rtol;
            o.atol = ex->atol;
        }
        dla_onnx_test_result r;
        dla_status st = dla_onnx_test_run(path, &o, &r);
        if (st != DLA_OK) {
            r.verdict = DLA_TEST_FAIL;
            snprintf(r.message, sizeof r.message, "%s", dla_last_error());
        }
        const char *tag = dla_onnx_test_verdict_str(r.verdict);
        if (r.verdict == DLA_TEST_PASS)
            pass++;
        else if (r.verdict == DLA_TEST_SKIP)
            skip++;
        else if (ex && ex->skip) {
            known++;
            tag = "KNOWN";
        } else
            fail++;
        if (verbose || r.verdict != DLA_TEST_PASS || single)
            printf("%-5s %s: %s%s%s\n", tag, name, r.message, ex ? " [exception: " : "",
                   ex ? ex->reason : "");
        if (ex && ex->skip && r.verdict == DLA_TEST_PASS)
            printf("NOTE  %s passes now: remove it from %s\n", name, exc_path);
        fflush(stdout);
        if (!single)
            free(ents[i]);
    }
    free(ents);
    free(exc);
    printf("onnx-test summary for %s: %d passed, %d failed, %d skipped (unsupported op), %d known failures "
           "(listed exceptions)\n",
           dir, pass, fail, skip, known);
    return fail ? 1 : 0;
}

/* ---- model run ------------------------------------------------------------------------------------------ */

static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.' || *s == '-'))
            *s = '_';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Prints, for a float [N, C] output, the top-k classes of each row. */
static void print_top(const dla_tensor *t, int k)
{
    if (t->dtype != DLA_FLOAT32 || t->rank != 2)
        return;
    int64_t rows = t->dims[0], cols = t->dims[1];
    if (k > cols)
        k = (int)cols;
    const float *p = t->data;
    for (int64_t r = 0; r < rows; r++) {
        printf("%s[%lld] top-%d:", t->name, (long long)r, k);
        unsigned char taken[4096] = {0};
        for (int j = 0; j < k && cols <= 4096; j++) {
            int64_t best = -1;
            for (int64_t c = 0; c < cols; c++)
                if (!taken[c] && (best < 0 || p[r * cols + c] > p[r * cols + best]))
                    best = c;
            taken[best] = 1;
            printf(" %lld (%.4f)", (long long)best, p[r * cols + best]);
        }
        printf("\n");
    }
}

/* --expect NAME=FILE.npy: compares output NAME with the file (rtol 1e-3, atol 1e-5 relative to the largest
 * expected magnitude); returns 0 when every expectation holds. */
static int check_expectations(dla_tensor **outs, int n_out, char **specs, int n_spec)
{
    int bad = 0;
    for (int i = 0; i < n_spec; i++) {
        char *eq = strchr(specs[i], '=');
        if (!eq) {
            fprintf(stderr, "dla run: --expect '%s' is not NAME=FILE.npy\n", specs[i]);
            return 1;
        }
        *eq = '\0';
        int k = 0;
        while (k < n_out && strcmp(outs[k]->name, specs[i]) != 0)
            k++;
        dla_tensor *want = NULL;
        dla_status st = k < n_out ? dla_tensor_load(eq + 1, &want) : DLA_ERR_INVALID_ARG;
        if (k == n_out)
            fprintf(stderr, "dla run: --expect: the model has no output '%s'\n", specs[i]);
        else if (st != DLA_OK)
            cli_fail("run", st);
        if (st != DLA_OK) {
            *eq = '=';
            return 1;
        }
        double scale = 0, err = 0;
        for (size_t j = 0; want->dtype == DLA_FLOAT32 && j < want->nbytes / 4; j++) {
            double v = ((const float *)want->data)[j];
            scale = v > scale ? v : -v > scale ? -v : scale;
        }
        char msg[512] = "";
        int ok = dla_tensor_compare(outs[k], want, 0, 1e-3 * scale + 1e-5, &err, msg, sizeof msg);
        printf("%s %s vs %s: max |err| %.3g (largest expected |value| %.3g)%s%s\n", ok ? "MATCH" : "MISMATCH",
               specs[i], eq + 1, err, scale, ok ? "" : ": ", msg);
        bad |= !ok;
        *eq = '=';
        dla_tensor_destroy(want);
    }
    return bad;
}

static int run_model(const char *model, char **in_specs, int n_in, const char *out_dir, const char *shapes,
                     int threads, int bench, int top, char **expects, int n_expect)
{
    int rc = 1;
    dla_tensor *ins[MAX_INPUTS] = {0};
    dla_tensor **outs = NULL;
    int n_out = 0;
    dla_model *m = NULL;
    dla_load_options lo = {.shapes = shapes};
    dla_status st = dla_model_load_file(model, &lo, &m);
    if (st != DLA_OK)
        return cli_fail("run", st);
    for (int i = 0; i < n_in; i++) {
        char *eq = strchr(in_specs[i], '=');
        const char *file = eq ? eq + 1 : in_specs[i];
        st = dla_tensor_load(file, &ins[i]);
        if (st != DLA_OK) {
            cli_fail("run", st);
            goto out;
        }
        free(ins[i]->name);
        ins[i]->name = eq ? strndup(in_specs[i], (size_t)(eq - in_specs[i])) : NULL;
    }
    dla_run_options ro = {.n_threads = threads};
    double t0 = cli_now();
    st = dla_model_run(m, &ro, n_in, (const dla_tensor *const *)ins, &outs, &n_out);
    double first = cli_now() - t0;
    if (st != DLA_OK) {
        cli_fail("run", st);
        goto out;
    }
    if (bench > 0) {
        double *ts = malloc(sizeof(double) * (size_t)bench);
        if (!ts)
            goto out;
        for (int k = 0; k < bench && st == DLA_OK; k++) {
            dla_tensors_destroy(outs, n_out);
            outs = NULL;
            double t = cli_now();
            st = dla_model_run(m, &ro, n_in, (const dla_tensor *const *)ins, &outs, &n_out);
            ts[k] = cli_now() - t;
        }
        if (st != DLA_OK) {
            free(ts);
            cli_fail("run", st);
            goto out;
        }
        qsort(ts, (size_t)bench, sizeof *ts, cmp_double);
        double median = ts[bench / 2], batch = ins[0] && ins[0]->rank > 0 ? (double)ins[0]->dims[0] : 1;
        printf("{\"model\":\"%s\",\"threads\":%d,\"iterations\":%d,\"first_ms\":%.3f,\"median_ms\":%.3f,"
               "\"min_ms\":%.3f,\"items_per_s\":%.2f,\"peak_rss_mb\":%.1f,\"peak_activation_mb\":%.1f}\n",
               model, threads, bench, first * 1e3, median * 1e3, ts[0] * 1e3, batch / median,
               peak_rss_kb() / 1024.0, dla_model_peak_activation_bytes(m) / 1048576.0);
        free(ts);
    }
    for (int i = 0; top > 0 && i < n_out; i++)
        print_top(outs[i], top);
    if (check_expectations(outs, n_out, expects, n_expect) != 0)
        goto out;
    if (out_dir) {
        if (!is_dir(out_dir) && mkdir(out_dir, 0777) != 0) {
            fprintf(stderr, "dla run: --output-dir %s: %s\n", out_dir, strerror(errno));
            goto out;
        }
        for (int i = 0; i < n_out; i++) {
            char name[512], path[4096];
            snprintf(name, sizeof name, "%s", outs[i]->name);
            sanitize(name);
            snprintf(path, sizeof path, "%s/%s.npy", out_dir, name);
            st = dla_tensor_save_npy(outs[i], path);
            if (st != DLA_OK) {
                cli_fail("run", st);
                goto out;
            }
            if (!bench)
                printf("wrote %s (%s, %zu bytes)\n", path, dla_dtype_name(outs[i]->dtype), outs[i]->nbytes);
        }
    }
    rc = 0;
out:
    for (int i = 0; i < n_in; i++)
        dla_tensor_destroy(ins[i]);
    dla_tensors_destroy(outs, n_out);
    dla_model_destroy(m);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *out_dir = NULL, *onnx_test = NULL, *exc = NULL, *shapes = NULL;
    char *inputs[MAX_INPUTS], *expects[MAX_INPUTS];
    int n_in = 0, n_expect = 0, verbose = 0;
    long threads = 0, bench = 0, top = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_value(argc, argv, &i, "--input"))) {
            if (n_in == MAX_INPUTS) {
                fprintf(stderr, "dla run: more than %d --input flags\n", MAX_INPUTS);
                return 2;
            }
            inputs[n_in++] = (char *)v;
        } else if ((v = cli_value(argc, argv, &i, "--expect"))) {
            if (n_expect == MAX_INPUTS) {
                fprintf(stderr, "dla run: more than %d --expect flags\n", MAX_INPUTS);
                return 2;
            }
            expects[n_expect++] = (char *)v;
        } else if ((v = cli_value(argc, argv, &i, "--output-dir")))
            out_dir = v;
        else if ((v = cli_value(argc, argv, &i, "--onnx-test")))
            onnx_test = v;
        else if ((v = cli_value(argc, argv, &i, "--exceptions")))
            exc = v;
        else if ((v = cli_value(argc, argv, &i, "--shapes")))
            shapes = v;
        else if ((v = cli_value(argc, argv, &i, "--threads"))) {
            if ((threads = cli_int("run", "--threads", v, 1, 1024)) < 0)
                return 2;
        } else if ((v = cli_value(argc, argv, &i, "--bench"))) {
            if ((bench = cli_int("run", "--bench", v, 1, 1000000)) < 0)
                return 2;
        } else if ((v = cli_value(argc, argv, &i, "--top"))) {
            if ((top = cli_int("run", "--top", v, 1, 4096)) < 0)
                return 2;
        } else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--help") == 0) {
            fputs(run_usage, stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dla run: unknown flag '%s' (or it is missing its value)\n%s", argv[i], run_usage);
            return 2;
        } else if (!model)
            model = argv[i];
        else {
            fprintf(stderr, "dla run: more than one model given ('%s', '%s')\n", model, argv[i]);
            return 2;
        }
    }
    if (onnx_test) {
        if (model || n_in || out_dir) {
            fprintf(stderr, "dla run: --onnx-test takes no model, --input or --output-dir\n");
            return 2;
        }
        return run_onnx_tests(onnx_test, exc, (int)threads, verbose);
    }
    if (!model) {
        fprintf(stderr, "dla run: no model given\n%s", run_usage);
        return 2;
    }
    if (!out_dir && !bench && !top && !n_expect) {
        fprintf(stderr, "dla run: --output-dir DIR is required (or --bench N, --top K, --expect)\n");
        return 2;
    }
    return run_model(model, inputs, n_in, out_dir, shapes, (int)threads, (int)bench, (int)top, expects, n_expect);
}
