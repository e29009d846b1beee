/* dla info: what a model is — inputs, outputs, op histogram, parameters and MACs per layer and in total. */
#include "cli.h"
#include "dla/model.h"

#include <stdio.h>
#include <string.h>


static void print_shape_line(const dla_tensor *t)
{
    printf("  %-24s %-8s ", t->name, dla_dtype_name(t->dtype));
    if (t->rank < 0)
        printf("unknown");
    else if (t->rank == 0)
        printf("scalar");
    for (int d = 0; d < t->rank; d++) {
        if (t->dims[d] < 0)
            printf("%s?", d ? "x" : "");
        else
            printf("%s%lld", d ? "x" : "", (long long)t->dims[d]);
    }
    printf("\n");
}

/* If some input has an unknown dim, writes a --shapes value with those dims set to 1 and returns 1. */
static int dynamic_shapes(const dla_model *m, char *buf, size_t size)
{
    int dynamic = 0;
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < dla_model_num_inputs(m); i++) {
        dla_tensor t;
        dla_model_input(m, i, &t);
        if (t.rank <= 0)
            continue;
        pos += (size_t)snprintf(buf + pos, pos < size ? size - pos : 0, "%s%s:", pos ? "," : "", t.name);
        for (int d = 0; d < t.rank; d++) {
            dynamic |= t.dims[d] < 0;
            pos += (size_t)snprintf(buf + pos, pos < size ? size - pos : 0, "%s%lld", d ? "x" : "",
                                    (long long)(t.dims[d] < 0 ? 1 : t.dims[d]));
        }
    }
    return dynamic && pos < size;
}

int cmd_info(int argc, char **argv)
{
    const char *model = NULL, *shapes = NULL;
    int per_layer = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_value(argc, argv, &i, "--shapes")))
            shapes = v;
        else if (strcmp(argv[i], "--summary") == 0)
            per_layer = 0;
        else if (strcmp(argv[i], "--help") == 0) {
            puts("usage: dla info MODEL.onnx [--shapes=NAME:1x3x224x224,...] [--summary]");
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dla info: unknown flag '%s'\n", argv[i]);
            return 2;
        } else if (!model)
            model = argv[i];
        else {
            fprintf(stderr, "dla info: more than one model given ('%s', '%s')\n", model, argv[i]);
            return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "dla info: no model given (usage: dla info MODEL.onnx)\n");
        return 2;
    }
    dla_load_options lo = {.shapes = shapes};
    dla_model *m;
    dla_status st = dla_model_load_file(model, &lo, &m);
    if (st != DLA_OK)
        return cli_fail("info", st);
    /* Dynamic dims (a symbolic batch) leave MACs unknown: count them for 1, as trtexec needs --shapes anyway. */
    char auto_shapes[1024];
    if (!shapes && dynamic_shapes(m, auto_shapes, sizeof auto_shapes)) {
        dla_model_destroy(m);
        lo.shapes = auto_shapes;
        st = dla_model_load_file(model, &lo, &m);
        if (st != DLA_OK)
            return cli_fail("info", st);
        printf("note: dynamic dimensions set to 1 for the counts (--shapes=%s); pass --shapes to choose\n",
               auto_shapes);
    }
    printf("model: %s (opset %d)\ninputs:\n", model, dla_model_opset(m));
    for (int i = 0; i < dla_model_num_inputs(m); i++) {
        dla_tensor t;
        dla_model_input(m, i, &t);
        print_shape_line(&t);
    }
    printf("outputs:\n");
    for (int i = 0; i < dla_model_num_outputs(m); i++) {
        dla_tensor t;
        dla_model_output(m, i, &t);
        print_shape_line(&t);
    }
    /* op histogram, in first-seen order */
    enum { MAX_OPS = 256 };
    const char *ops[MAX_OPS];
    int counts[MAX_OPS], n_ops = 0;
    int64_t total_params = 0, total_macs = 0;
    int n = dla_model_num_layers(m);
    if (per_layer)
        printf("layers:\n  %-5s %-32s %-20s %-20s %12s %14s\n", "#", "name", "op", "output shape", "params", "MACs");
    for (int i = 0; i < n; i++) {
        dla_layer_info li;
        dla_model_layer(m, i, &li);
        int k = 0;
        while (k < n_ops && strcmp(ops[k], li.op) != 0)
            k++;
        if (k == n_ops && n_ops < MAX_OPS) {
            ops[n_ops] = li.op;
            counts[n_ops++] = 0;
        }
        if (k < n_ops)
            counts[k]++;
        total_params += li.params;
        total_macs += li.macs;
        if (per_layer)
            printf("  %-5d %-32.32s %-20s %-20s %12lld %14lld\n", i, li.name, li.op, li.shape, (long long)li.params,
                   (long long)li.macs);
    }
    printf("op histogram:\n");
    for (int k = 0; k < n_ops; k++)
        printf("  %-24s %d\n", ops[k], counts[k]);
    printf("total: %d layers, %lld parameters in layers, %.3f GMACs\n", n, (long long)total_params,
           (double)total_macs / 1e9);
    dla_model_destroy(m);
    return 0;
}
