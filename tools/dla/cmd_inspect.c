/* dla inspect: what a loadable holds — build info, tasks, fused layers with precisions, tensors and formats,
 * memory pools, weight bytes — as text or JSON. The file is fully validated first. */
#include "cli.h"
#include "dla/loadable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                 "  with their precisions, tensors (dims, type, format, size), memory pools and weight bytes");
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
    dla_loadable_destroy(l);
    if (st != DLA_OK)
        return cli_fail("inspect", st);
    fputs(text, stdout);
    free(text);
    return 0;
}
