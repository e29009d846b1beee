/* dla inspect: what a loadable holds — build info, tasks, fused layers with precisions, tensors and formats,
 * memory pools, weight bytes — as text or JSON. The file is fully validated first. */
#include "cli.h"
#include "dla/compiler.h"
#include "dla/loadable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text mode, after the description: per DLA task, how many INT8 convs run 2:4 sparse (built with --sparsity
 * enable|force); nothing when none does. */
static void print_sparsity(const char *path, int n_tasks)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    void *bytes = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && (bytes = malloc((size_t)size)) &&
        fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        free(bytes);
        bytes = NULL;
    }
    fclose(f);
    dla_sparsity_summary all;
    if (bytes && dla_loadable_sparsity(bytes, (size_t)size, -1, &all) == DLA_OK && all.sparse_convs) {
        printf("2:4 structured sparsity: %d of %d INT8 convs\n", all.sparse_convs, all.int8_convs);
        for (int t = 0; t < n_tasks; t++) {
            dla_sparsity_summary s;
            if (dla_loadable_sparsity(bytes, (size_t)size, t, &s) == DLA_OK) /* DLA tasks only */
                printf("  task %d: %d of %d INT8 convs sparse, %d not eligible (C/groups <= 64), %d dense\n", t,
                       s.sparse_convs, s.int8_convs, s.small_c, s.dense);
        }
    }
    free(bytes);
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: dla inspect LOADABLE [--json]\n"
                 "  prints the loadable's build info, tasks (DLA | HOST) with op counts per processor, fused layers\n"
                 "  with their precisions, tensors (dims, type, format, size), memory pools and weight bytes, and\n"
                 "  (text) how many INT8 convs of each DLA task run 2:4 structured-sparse when any does");
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dla inspect: unknown flag '%s'\n", argv[i]);
            return 2;
        } else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "dla inspect: more than one file given ('%s', '%s')\n", path, argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "dla inspect: no loadable given (usage: dla inspect LOADABLE [--json])\n");
        return 2;
    }
    dla_loadable *l;
    dla_status st = dla_loadable_load_file(path, &l);
    if (st != DLA_OK)
        return cli_fail("inspect", st);
    char *text;
    st = dla_loadable_describe(l, json, &text);
    dla_loadable_info info;
    dla_loadable_get_info(l, &info);
    dla_loadable_destroy(l);
    if (st != DLA_OK)
        return cli_fail("inspect", st);
    fputs(text, stdout);
    free(text);
    if (!json)
        print_sparsity(path, info.n_tasks);
    return 0;
}
