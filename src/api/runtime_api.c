/* Public runtime API (dla/runtime.h) over src/runtime. This layer supplies what the runtime may not depend on:
 * the ONNX importer that turns a HOST task's serialized subgraph into a graph. */
#include "dla/runtime.h"
#include "ir/ir.h"
#include "onnx/onnx_import.h"
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>

static dla_status deserialize_onnx(void *user, const void *bytes, size_t size, ir_graph **out)
{
    (void)user;
    onnx_import_options o = {.origin = "<HOST subgraph>"};
    BASE_TRY(onnx_import(bytes, size, &o, out));
    dla_status st = ir_graph_verify(*out);
    if (st != DLA_OK) {
        ir_graph_destroy(*out);
        *out = NULL;
    }
    return st;
}

#define ARG(cond, ...)                                                                                        \
    do {                                                                                                      \
        if (!(cond))                                                                                          \
            return base_error(DLA_ERR_INVALID_ARG, __VA_ARGS__);                                              \
    } while (0)

/* ---- devices ---------------------------------------------------------------------------------------------- */

dla_status dla_device_get_count(int *count)
{
    base_clear_error();
    ARG(count, "dla_device_get_count: count is NULL");
    *count = DLA_NUM_CORES;
    return DLA_OK;
}

dla_status dla_device_create(int core, unsigned flags, dla_device **out)
{
    base_clear_error();
    ARG(out, "dla_device_create: out is NULL");
    return rt_device_create(core, flags, deserialize_onnx, NULL, out);
}

void dla_device_destroy(dla_device *dev) { rt_device_destroy(dev); }

int dla_device_core(const dla_device *dev) { return dev ? dev->core : -1; }

dla_status dla_device_get_last_error(dla_device *dev)
{
    if (!dev)
        return DLA_ERR_INVALID_ARG;
    pthread_mutex_lock(&dev->mu);
    dla_status st = dev->async_status;
    dev->async_status = DLA_OK;
    pthread_mutex_unlock(&dev->mu);
    return st;
}

const char *dla_device_last_error(const dla_device *dev)
{
    static _Thread_local char copy[1024];
    if (!dev)
        return dla_last_error();
    dla_device *d = (dla_device *)dev;
    pthread_mutex_lock(&d->mu);
    snprintf(copy, sizeof copy, "%s", d->msg);
    pthread_mutex_unlock(&d->mu);
    return copy;
}

/* ---- modules ---------------------------------------------------------------------------------------------- */

dla_status dla_module_load(dla_device *dev, const void *bytes, size_t size, dla_module **out)
{
    base_clear_error();
    ARG(dev && out, "dla_module_load: device and out must not be NULL");
    *out = NULL;
    return rt_device_fail(dev, rt_module_load(dev, bytes, size, out));
}

dla_status dla_module_load_file(dla_device *dev, const char *path, dla_module **out)
{
    base_clear_error();
    ARG(dev && path && out, "dla_module_load_file: device, path and out must not be NULL");
    *out = NULL;
    void *bytes;
    size_t size;
    BASE_TRY(rt_device_fail(dev, base_read_file(path, &bytes, &size)));
    dla_status st = rt_module_load(dev, bytes, size, out);
    free(bytes);
    if (st != DLA_OK)
        st = rt_wrap(st, "%s", path);
    return rt_device_fail(dev, st);
}

dla_status dla_module_unload(dla_module *mod)
{
    if (!mod)
        return DLA_OK;
    base_clear_error();
    return rt_module_unload(mod);
}

dla_status dla_module_get_attributes(const dla_module *mod, dla_module_attribute_type attr, dla_module_attribute *val)
{
    base_clear_error();
    ARG(mod && val, "dla_module_get_attributes: module and value must not be NULL");
    switch (attr) {
    case DLA_NUM_INPUT_TENSORS: val->num_input_tensors = mod->n_in; return DLA_OK;
    case DLA_NUM_OUTPUT_TENSORS: val->num_output_tensors = mod->n_out; return DLA_OK;
    case DLA_INPUT_TENSOR_DESCRIPTORS:
        ARG(val->input_tensor_desc || !mod->n_in, "DLA_INPUT_TENSOR_DESCRIPTORS: no array given");
        for (uint32_t i = 0; i < mod->n_in; i++)
            val->input_tensor_desc[i] = mod->in_desc[i];
        return DLA_OK;
    case DLA_OUTPUT_TENSOR_DESCRIPTORS:
        ARG(val->output_tensor_desc || !mod->n_out, "DLA_OUTPUT_TENSOR_DESCRIPTORS: no array given");
        for (uint32_t i = 0; i < mod->n_out; i++)
            val->output_tensor_desc[i] = mod->out_desc[i];
        return DLA_OK;
    case DLA_NUM_TASKS: val->num_tasks = mod->view.n_tasks; return DLA_OK;
    case DLA_NUM_LAYERS: val->num_layers = mod->view.n_layers; return DLA_OK;
    default: return base_error(DLA_ERR_INVALID_ARG, "dla_module_get_attributes: unknown attribute %d", (int)attr);
    }
}

/* ---- memory and events ------------------------------------------------------------------------------------ */

dla_status dla_mem_register(dla_device *dev, void *ptr, size_t size, dla_mem **out)
{
    base_clear_error();
    ARG(dev && out, "dla_mem_register: device and out must not be NULL");
    return rt_device_fail(dev, rt_mem_register(dev, ptr, size, out));
}

dla_status dla_mem_unregister(dla_device *dev, dla_mem *mem)
{
    base_clear_error();
    ARG(dev && mem, "dla_mem_unregister: device and memory must not be NULL");
    return rt_device_fail(dev, rt_mem_unregister(dev, mem));
}

dla_status dla_event_create(dla_event **out)
{
    base_clear_error();
    ARG(out, "dla_event_create: out is NULL");
    return rt_event_create(out);
}

void dla_event_destroy(dla_event *ev) { rt_event_destroy(ev); }

dla_status dla_event_signal(dla_event *ev)
{
    base_clear_error();
    ARG(ev, "dla_event_signal: event is NULL");
    return rt_event_signal(ev, DLA_OK, NULL);
}

dla_status dla_event_wait(dla_event *ev)
{
    base_clear_error();
    ARG(ev, "dla_event_wait: event is NULL");
    return rt_event_wait(ev);
}

int dla_event_query(const dla_event *ev) { return ev ? rt_event_query(ev) : 0; }

dla_status dla_event_reset(dla_event *ev)
{
    base_clear_error();
    ARG(ev, "dla_event_reset: event is NULL");
    rt_event_reset(ev);
    return DLA_OK;
}

/* ---- execution -------------------------------------------------------------------------------------------- */

dla_status dla_submit(dla_device *dev, const dla_task *tasks, int n_tasks)
{
    base_clear_error();
    ARG(dev, "dla_submit: device is NULL");
    return rt_device_fail(dev, rt_submit(dev, tasks, n_tasks));
}

dla_status dla_synchronize(dla_device *dev)
{
    base_clear_error();
    ARG(dev, "dla_synchronize: device is NULL");
    return rt_synchronize(dev);
}

dla_status dla_tensor_pack(const dla_tensor_desc *desc, const float *nchw, void *dst, size_t dst_size)
{
    base_clear_error();
    ARG(desc && nchw && dst, "dla_tensor_pack: descriptor, source and destination must not be NULL");
    return rt_tensor_pack(desc, nchw, dst, dst_size);
}

dla_status dla_tensor_unpack(const dla_tensor_desc *desc, const void *src, size_t src_size, float *nchw)
{
    base_clear_error();
    ARG(desc && src && nchw, "dla_tensor_unpack: descriptor, source and destination must not be NULL");
    return rt_tensor_unpack(desc, src, src_size, nchw);
}

/* ---- statistics ------------------------------------------------------------------------------------------- */

dla_status dla_module_run_count(const dla_module *mod, uint64_t *runs, double *last_ms)
{
    base_clear_error();
    ARG(mod, "dla_module_run_count: module is NULL");
    dla_module *m = (dla_module *)mod;
    pthread_mutex_lock(&m->stats_mu);
    if (runs)
        *runs = m->stats.runs;
    if (last_ms)
        *last_ms = m->stats.last_ms;
    pthread_mutex_unlock(&m->stats_mu);
    return DLA_OK;
}

dla_status dla_module_layer_stats(const dla_module *mod, int i, dla_layer_stats *out)
{
    base_clear_error();
    ARG(mod && out, "dla_module_layer_stats: module and out must not be NULL");
    ARG(i >= 0 && (uint32_t)i < mod->view.n_layers, "dla_module_layer_stats: layer %d; the module has %u", i,
        mod->view.n_layers);
    dla_module *m = (dla_module *)mod;
    pthread_mutex_lock(&m->stats_mu);
    *out = m->stats.layers[i];
    pthread_mutex_unlock(&m->stats_mu);
    return DLA_OK;
}

dla_status dla_module_task_stats(const dla_module *mod, int i, dla_task_stats *out)
{
    base_clear_error();
    ARG(mod && out, "dla_module_task_stats: module and out must not be NULL");
    ARG(i >= 0 && (uint32_t)i < mod->view.n_tasks, "dla_module_task_stats: task %d; the module has %u", i,
        mod->view.n_tasks);
    dla_module *m = (dla_module *)mod;
    pthread_mutex_lock(&m->stats_mu);
    *out = m->stats.tasks[i];
    pthread_mutex_unlock(&m->stats_mu);
    return DLA_OK;
}

dla_status dla_module_stats_csv(const dla_module *mod, char **csv)
{
    base_clear_error();
    ARG(mod && csv, "dla_module_stats_csv: module and csv must not be NULL");
    return rt_stats_csv(mod, csv);
}

/* ---- dynamic outputs ------------------------------------------------------------------------------------- */

static dla_status output_tensor(const dla_module *mod, int i, const char *fn, const ldb_tensor **t, uint32_t *id)
{
    if (!mod || i < 0 || (uint32_t)i >= mod->n_out)
        return base_error(DLA_ERR_INVALID_ARG, "%s: output %d of a module with %u outputs", fn, i,
                          mod ? mod->n_out : 0);
    *id = mod->out_tensor[i];
    *t = *id == LDB_NONE ? NULL : &mod->view.tensors[*id];
    return DLA_OK;
}

dla_status dla_module_output_dims(const dla_module *mod, int i, int *rank, int64_t *dims)
{
    base_clear_error();
    ARG(rank && dims, "dla_module_output_dims: rank and dims must not be NULL");
    const ldb_tensor *t = NULL;
    uint32_t id = LDB_NONE;
    BASE_TRY(output_tensor(mod, i, "dla_module_output_dims", &t, &id));
    if (!t || !(t->flags & LDB_TENSOR_DYNAMIC)) {
        const dla_tensor_desc *d = &mod->out_desc[i];
        *rank = d->rank;
        for (int k = 0; k < d->rank && k < DLA_MAX_RANK; k++)
            dims[k] = d->dims[k];
        return DLA_OK;
    }
    const rt_dyn *dy = &mod->dyn[id];
    if (!dy->valid)
        return base_error(DLA_ERR_INVALID_ARG, "dla_module_output_dims: dynamic output %d '%s' has not been produced "
                          "by a completed run", i, t->name);
    *rank = dy->rank;
    for (int k = 0; k < dy->rank && k < DLA_MAX_RANK; k++)
        dims[k] = dy->dims[k];
    return DLA_OK;
}

dla_status dla_module_output_data(const dla_module *mod, int i, const void **data, uint64_t *size)
{
    base_clear_error();
    ARG(data && size, "dla_module_output_data: data and size must not be NULL");
    *data = NULL;
    *size = 0;
    const ldb_tensor *t = NULL;
    uint32_t id = LDB_NONE;
    BASE_TRY(output_tensor(mod, i, "dla_module_output_data", &t, &id));
    if (!t || !(t->flags & LDB_TENSOR_DYNAMIC))
        return DLA_OK;
    const rt_dyn *dy = &mod->dyn[id];
    if (!dy->valid)
        return base_error(DLA_ERR_INVALID_ARG, "dla_module_output_data: dynamic output %d '%s' has not been produced "
                          "by a completed run", i, t->name);
    *data = dy->data;
    *size = dy->size;
    return DLA_OK;
}
