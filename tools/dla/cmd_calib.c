/* dla calib: INT8 calibration of a model on .npy inputs; writes a TensorRT calibration cache and prints the
 * per-tensor scales. */
#include "cli.h"
#include "dla/calib.h"
#include "dla/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage_text =
    "usage: dla calib MODEL.onnx [--calibData=DIR] [--out=FILE.cache] [--shapes=NAME:DIMS,...]\n"
    "                 [--method=max|percentile[:P]|entropy] [--threads N] [--quiet]\n"
    "       dla calib --show FILE.cache\n"
    "\n"
    "Runs MODEL in FP32 on the inputs in DIR and writes one INT8 scale per activation tensor (scale = amax / 127)\n"
    "as a TensorRT calibration cache (for --calib=FILE). Inputs: for a one-input model, DIR/NAME_*.npy (NAME =\n"
    "the input's name, characters other than [A-Za-z0-9_.-] as '_'), or every .npy in DIR when there are none;\n"
    "for several inputs, NAME_K.npy per input for each key K. A file with a multiple of a fixed batch is split.\n"
    "Without --calibData the inputs are random (a warning: the scales are then meaningless for accuracy).\n"
    "Default output: MODEL's file name with .calib.cache, in the current folder.\n";

static char *default_out(const char *model)
{
    const char *base = strrchr(model, '/');
    base = base ? base + 1 : model;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".onnx") == 0)
        n -= 5;
    char *out = malloc(n + 16);
    if (out)
        sprintf(out, "%.*s.calib.cache", (int)n, base);
    return out;
}

static void print_table(const dla_calib *c, int show_max)
{
    printf("%-40s %12s %12s %12s %9s\n", "tensor", "max|x|", "amax", "scale", "hex");
    for (int i = 0; i < dla_calib_count(c); i++) {
        dla_calib_entry e;
        dla_calib_get(c, i, &e);
        unsigned bits;
        memcpy(&bits, &e.scale, sizeof bits);
        char mx[32] = "-";
        if (show_max && e.max_abs > 0)
            snprintf(mx, sizeof mx, "%.6g", (double)e.max_abs);
        printf("%-40s %12s %12.6g %12.6g %9x\n", e.name, mx, (double)e.amax, (double)e.scale, bits);
    }
}

static int show(const char *path)
{
    dla_calib *c;
    dla_status st = dla_calib_load(path, &c);
    if (st != DLA_OK)
        return cli_fail("calib", st);
    printf("%s: %s, %d tensor scale(s)\n", path, *dla_calib_header(c) ? dla_calib_header(c) : "no header",
           dla_calib_count(c));
    print_table(c, 0);
    dla_calib_destroy(c);
    return 0;
}

int cmd_calib(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = NULL, *shapes = NULL, *method = NULL, *show_path = NULL;
    long threads = 0;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_value(argc, argv, &i, "--calibData")))
            data = v;
        else if ((v = cli_value(argc, argv, &i, "--out")))
            out = v;
        else if ((v = cli_value(argc, argv, &i, "--shapes")))
            shapes = v;
        else if ((v = cli_value(argc, argv, &i, "--method")))
            method = v;
        else if ((v = cli_value(argc, argv, &i, "--show")))
            show_path = v;
        else if ((v = cli_value(argc, argv, &i, "--threads"))) {
            if ((threads = cli_int("calib", "--threads", v, 1, 1024)) < 0)
                return 2;
        } else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dla calib: unknown flag '%s' (see dla calib --help)\n", argv[i]);
            return 2;
        } else if (!model)
            model = argv[i];
        else {
            fprintf(stderr, "dla calib: more than one model given ('%s', '%s')\n", model, argv[i]);
            return 2;
        }
    }
    if (show_path) {
        if (model || data || out || method) {
            fprintf(stderr, "dla calib: --show FILE takes no model or calibration flags\n");
            return 2;
        }
        return show(show_path);
    }
    if (!model) {
        fprintf(stderr, "dla calib: no model given\n%s", usage_text);
        return 2;
    }
    dla_calib_options o = {.n_threads = (int)threads};
    if (method && dla_calib_parse_method(method, &o) != DLA_OK) {
        fprintf(stderr, "dla calib: --method: %s\n", dla_last_error());
        return 2;
    }
    char *dflt = out ? NULL : default_out(model);
    if (!out && !dflt)
        return cli_fail("calib", DLA_ERR_NOMEM);
    dla_load_options lo = {.shapes = shapes};
    dla_model *m;
    dla_status st = dla_model_load_file(model, &lo, &m);
    if (st != DLA_OK) {
        free(dflt);
        return cli_fail("calib", st);
    }
    double t0 = cli_now();
    dla_calib *c = NULL;
    st = data ? dla_model_calibrate_dir(m, data, &o, &c) : dla_model_calibrate_random(m, &o, &c);
    double secs = cli_now() - t0;
    if (st == DLA_OK)
        st = dla_calib_save(c, out ? out : dflt);
    if (st != DLA_OK) {
        int rc = cli_fail("calib", st);
        dla_calib_destroy(c);
        dla_model_destroy(m);
        free(dflt);
        return rc;
    }
    if (!quiet)
        print_table(c, 1);
    char mname[48];
    if (o.method == DLA_CALIB_PERCENTILE)
        snprintf(mname, sizeof mname, "percentile %g", o.percentile);
    else
        snprintf(mname, sizeof mname, "%s", o.method == DLA_CALIB_ENTROPY ? "entropy" : "max");
    printf("calibrated %d tensor(s) with %s in %.2f s%s; wrote %s\n", dla_calib_count(c), mname, secs,
           data ? "" : " on RANDOM inputs", out ? out : dflt);
    dla_calib_destroy(c);
    dla_model_destroy(m);
    free(dflt);
    return 0;
}
