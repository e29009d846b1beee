/* Public loadable inspection API (dla/loadable.h) over the loadable layer's reader and describer. */
#include "dla/loadable.h"
#include "loadable/loadable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dla_loadable {
    void *bytes; /* owned copy: the view points into it */
    size_t size;
    ldb_view view;
};

dla_status dla_loadable_check(const void *bytes, size_t size)
{
    ldb_view v;
    dla_status st = ldb_parse(bytes, size, &v);
    ldb_view_free(&v);
    return st;
}

dla_status dla_loadable_load(const void *bytes, size_t size, dla_loadable **out)
{
    *out = NULL;
    if (!bytes && size)
        return base_error(DLA_ERR_INVALID_ARG, "dla_loadable_load: NULL buffer of %zu bytes", size);
    dla_loadable *l = calloc(1, sizeof *l);
    if (!l || !(l->bytes = malloc(size ? size : 1))) {
        free(l);
        return base_error(DLA_ERR_NOMEM, "loadable: out of memory for %zu bytes", size);
    }
    if (size)
        memcpy(l->bytes, bytes, size);
    l->size = size;
    dla_status st = ldb_parse(l->bytes, size, &l->view);
    if (st != DLA_OK) {
        dla_loadable_destroy(l);
        return st;
    }
    *out = l;
    return DLA_OK;
}

dla_status dla_loadable_load_file(const char *path, dla_loadable **out)
{
    *out = NULL;
    void *data;
    size_t size;
    BASE_TRY(base_read_file(path, &data, &size));
    dla_status st = dla_loadable_load(data, size, out);
    free(data);
    if (st != DLA_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", dla_last_error());
        return base_error(st, "%s: %s", path, msg);
    }
    return DLA_OK;
}

void dla_loadable_destroy(dla_loadable *l)
{
    if (!l)
        return;
    ldb_view_free(&l->view);
    free(l->bytes);
    free(l);
}

void dla_loadable_get_info(const dla_loadable *l, dla_loadable_info *out)
{
    const ldb_view *v = &l->view;
    memset(out, 0, sizeof *out);
    out->version_major = v->major;
    out->version_minor = v->minor;
    out->version_patch = v->patch;
    out->size = l->size;
    out->standalone = (v->flags & LDB_FLAG_STANDALONE) != 0;
    out->n_tasks = (int)v->n_tasks;
    for (uint32_t i = 0; i < v->n_tasks; i++) {
        if (v->tasks[i].type == LDB_TASK_DLA) {
            out->n_dla_tasks++;
            out->n_dla_ops += (int)v->tasks[i].ops.count;
        } else {
            out->n_host_tasks++;
        }
    }
    out->n_layers = (int)v->n_layers;
    out->n_tensors = (int)v->n_tensors;
    out->n_inputs = (int)v->n_inputs;
    out->n_outputs = (int)v->n_outputs;
    out->weight_bytes = ldb_view_weight_bytes(v);
    for (int p = 0; p < DLA_POOL_COUNT; p++) {
        out->pool_limit[p] = v->pools.limit[p];
        out->pool_used[p] = v->pools.used[p];
    }
    out->dlakit_version = v->build.dlakit_version;
    out->platform = v->build.platform;
    out->model = v->build.model;
    out->options = v->build.options;
}

dla_status dla_loadable_layer_info(const dla_loadable *l, int i, dla_loadable_layer *out)
{
    const ldb_view *v = &l->view;
    if (i < 0 || (uint32_t)i >= v->n_layers)
        return base_error(DLA_ERR_INVALID_ARG, "loadable layer %d: the loadable has %u layers", i, v->n_layers);
    for (uint32_t t = 0; t < v->n_tasks; t++) {
        const ldb_task *task = &v->tasks[t];
        if ((uint32_t)i < task->layer_first || (uint32_t)i - task->layer_first >= task->n_layers ||
            task->type != LDB_TASK_DLA)
            continue;
        const ldb_layer *ly = &v->layers[i];
        *out = (dla_loadable_layer){ly->name, ly->precision, (int)t, (int)ly->op_count, ly->units};
        return DLA_OK;
    }
    return base_error(DLA_ERR_INTERNAL, "loadable layer %d belongs to no task", i);
}

dla_status dla_loadable_describe(const dla_loadable *l, int json, char **text)
{
    return ldb_describe(&l->view, json, text);
}
