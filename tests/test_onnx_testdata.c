/* onnx: imports every model.onnx of libonnx-testdata and reads its test tensors. A model may fail only with
 * DLA_ERR_UNSUPPORTED (an op or feature dlakit lacks); any other failure is an importer or inference bug.
 * Prints the counts per suite. Skips (77) when the test data is not installed. */
#include "check.h"
#include "onnx/onnx_import.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TESTDATA "/usr/share/libonnx-testdata/data"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads the .pb files of test_data_set_0 of one case; returns how many failed to parse. */
static int read_pbs(const char *case_dir, int *n_read)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/test_data_set_0", case_dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int bad = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".pb") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ir_dtype dt;
        int rank;
        int64_t dims[IR_MAX_RANK];
        void *data;
        dla_status st = onnx_read_tensor_pb_file(path, &dt, &rank, dims, &data, NULL);
        (*n_read)++;
        bad += st != DLA_OK;
        free(data);
    }
    closedir(d);
    return bad;
}

/* Imports mutated copies of a model (flipped bytes, truncations): each must fail cleanly or import; run under
 * the sanitizer build this is a small fuzzer over real models. Returns how many mutants imported. */
static int mutate(const char *path, unsigned *seed)
{
    void *bytes;
    size_t n;
    if (base_read_file(path, &bytes, &n) != DLA_OK || n == 0) {
        free(bytes);
        return 0;
    }
    unsigned char *c = malloc(n);
    int ok = 0;
    for (int t = 0; c && t < 16; t++) {
        memcpy(c, bytes, n);
        for (int f = 0; f <= t % 3; f++) {
            *seed = *seed * 1103515245u + 12345u;
            c[(*seed >> 8) % n] ^= (unsigned char)(1u + (*seed >> 24) % 255);
        }
        size_t len = t % 4 == 0 ? (*seed >> 4) % n : n;
        ir_graph *g;
        onnx_import_options o = {.origin = path};
        dla_status st = onnx_import(c, len, &o, &g);
        CHECK((st == DLA_OK) == (g != NULL));
        CHECK(st == DLA_OK || dla_last_error()[0] != '\0');
        ok += st == DLA_OK;
        ir_graph_destroy(g);
    }
    free(c);
    free(bytes);
    return ok;
}

static void run_suite(const char *suite)
{
    char sdir[512];
    snprintf(sdir, sizeof sdir, "%s/%s", TESTDATA, suite);
    DIR *d = opendir(sdir);
    if (!d)
        return;
    int ok = 0, unsupported = 0, failed = 0, pbs = 0, bad_pbs = 0, mutants = 0, mutants_ok = 0;
    unsigned seed = 7;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char cdir[1024], path[1200];
        snprintf(cdir, sizeof cdir, "%s/%s", sdir, e->d_name);
        snprintf(path, sizeof path, "%s/model.onnx", cdir);
        if (!is_dir(cdir))
            continue;
        ir_graph *g;
        dla_status st = onnx_import_file(path, NULL, &g);
        if (st == DLA_OK)
            ok++;
        else if (st == DLA_ERR_UNSUPPORTED)
            unsupported++;
        else {
            failed++;
            fprintf(stderr, "FAIL %s: %s: %s\n", e->d_name, dla_status_str(st), dla_last_error());
        }
        ir_graph_destroy(g);
        bad_pbs += read_pbs(cdir, &pbs);
        mutants_ok += mutate(path, &seed);
        mutants += 16;
    }
    closedir(d);
    printf("%-18s imported %d, unsupported %d, failed %d; test tensors read %d, unreadable %d; mutated models "
           "%d (%d still import)\n",
           suite, ok, unsupported, failed, pbs - bad_pbs, bad_pbs, mutants, mutants_ok);
    CHECK(failed == 0);
}

int main(void)
{
    if (!is_dir(TESTDATA "/node")) {
        printf("%s not installed: skipped\n", TESTDATA);
        return TEST_SKIP;
    }
    run_suite("node");
    run_suite("simple");
    run_suite("pytorch-converted");
    run_suite("pytorch-operator");
    return TEST_RESULT();
}
