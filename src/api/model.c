/* Public model API: ONNX import, constant folding and the host executor behind dla/model.h. */
#include "dla/model.h"
#include "api_internal.h"
#include "host/host.h"
#include "onnx/onnx_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dla_model {
    ir_graph *g;
    host_exec *x;
    int x_threads;
    int *decl_rank;                          /* declared input shapes, restored after each run */
    int64_t (*decl_dims)[IR_MAX_RANK];
    char err[1024];
};

/* Copies the thread's last error into the handle and returns st. */
static dla_status fail(dla_model *m, dla_status st)
{
    if (m && st != DLA_OK)
        snprintf(m->err, sizeof m->err, "%s", dla_last_error());
    return st;
}

const char *dla_model_last_error(const dla_model *m) { return m ? m->err : dla_last_error(); }

/* "a:1x3x224x224,b:2x5" -> overrides. Names may contain ':' (the last one separates the shape). */
static dla_status parse_shapes(const char *spec, onnx_shape_override **out, int *n_out, char **storage)
{
    *out = NULL;
    *n_out = 0;
    *storage = NULL;
    if (!spec || !*spec)
        return DLA_OK;
    char *s = strdup(spec);
    int cap = 1;
    for (const char *p = spec; *p; p++)
        cap += *p == ',';
    onnx_shape_override *ov = calloc((size_t)cap, sizeof *ov);
    if (!s || !ov) {
        free(s);
        free(ov);
        return base_error(DLA_ERR_NOMEM, "out of memory");
    }
    int n = 0;
    for (char *item = strtok(s, ","); item; item = strtok(NULL, ",")) {
        char *colon = strrchr(item, ':');
        if (!colon || colon == item) {
            free(s);
            free(ov);
            return base_error(DLA_ERR_INVALID_ARG, "--shapes: '%s' is not NAME:DIMS (e.g. input:1x3x224x224)",
                              item);
        }
        *colon = '\0';
        ov[n].name = item;
        char *p = colon + 1;
        while (*p) {
            char *end;
            long long d = strtoll(p, &end, 10);
            if (end == p || d <= 0 || d > (1LL << 31) || ov[n].rank >= IR_MAX_RANK ||
                (*end && *end != 'x')) {
                dla_status st = base_error(DLA_ERR_INVALID_ARG,
                                           "--shapes: bad dimensions '%s' for '%s' (positive integers joined by "
                                           "'x', at most %d)",
                                           colon + 1, item, IR_MAX_RANK);
                free(s);
                free(ov);
                return st;
            }
            ov[n].dims[ov[n].rank++] = d;
            p = *end ? end + 1 : end;
        }
        n++;
    }
    *out = ov;
    *n_out = n;
    *storage = s;
    return DLA_OK;
}

static dla_status finish_load(dla_model *m, const dla_load_options *opts)
{
    ir_graph *g = m->g;
    if (!opts || !opts->no_fold) {
        host_ctx ctx;
        BASE_TRY(host_ctx_init(&ctx, 0));
        dla_status st = ir_graph_fold(g, host_fold_compute, &ctx, NULL);
        host_ctx_release(&ctx);
        BASE_TRY(st);
        BASE_TRY(ir_graph_toposort(g));
        /* re-infer after folding: shapes that depended on folded values become static */
        for (int i = 0; i < g->n_nodes; i++)
            if (ir_infer_lookup(g->nodes[i]->op))
                BASE_TRY(ir_infer_node(g->nodes[i]));
    }
    BASE_TRY(ir_graph_verify(g));
    m->decl_rank = calloc((size_t)g->n_inputs + 1, sizeof(int));
    m->decl_dims = calloc((size_t)g->n_inputs + 1, sizeof *m->decl_dims);
    if (!m->decl_rank || !m->decl_dims)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_inputs; i++) {
        m->decl_rank[i] = g->inputs[i]->rank;
        memcpy(m->decl_dims[i], g->inputs[i]->dims, sizeof m->decl_dims[i]);
    }
    return DLA_OK;
}

/* owned: bytes is malloc'd and handed to the importer, which frees it once parsed (also on errors). */
static dla_status load(const void *bytes, void *owned, size_t size, const char *origin, const char *base_dir,
                       const dla_load_options *opts, dla_model **out)
{
    *out = NULL;
    base_clear_error();
    onnx_shape_override *ov;
    int n_ov;
    char *ov_storage;
    dla_status st = parse_shapes(opts ? opts->shapes : NULL, &ov, &n_ov, &ov_storage);
    if (st != DLA_OK) {
        free(owned);
        return st;
    }
    dla_model *m = calloc(1, sizeof *m);
    if (!m) {
        free(owned);
        st = base_error(DLA_ERR_NOMEM, "out of memory");
        goto free_ov;
    }
    onnx_import_options io = {.origin = origin, .base_dir = base_dir, .shapes = ov, .n_shapes = n_ov};
    st = owned ? onnx_import_owned(owned, size, &io, &m->g) : onnx_import(bytes, size, &io, &m->g);
    if (st == DLA_OK)
        st = finish_load(m, opts);
    if (st != DLA_OK) {
        dla_model_destroy(m);
        goto free_ov;
    }
    *out = m;
free_ov:
    free(ov);
    free(ov_storage);
    return st;
}

dla_status dla_model_load_memory(const void *bytes, size_t size, const dla_load_options *opts, dla_model **out)
{
    return load(bytes, NULL, size, "<memory>", NULL, opts, out);
}

dla_status dla_model_load_file(const char *path, const dla_load_options *opts, dla_model **out)
{
    *out = NULL;
    base_clear_error();
    void *bytes;
    size_t size;
    BASE_TRY(base_read_file(path, &bytes, &size));
    char *dir = base_dirname(path);
    if (!dir) {
        free(bytes);
        return base_error(DLA_ERR_NOMEM, "out of memory");
    }
    dla_status st = load(NULL, bytes, size, path, dir, opts, out); /* frees bytes once parsed */
    free(dir);
    return st;
}

void dla_model_destroy(dla_model *m)
{
    if (!m)
        return;
    host_exec_destroy(m->x);
    ir_graph_destroy(m->g);
    free(m->decl_rank);
    free(m->decl_dims);
    free(m);
}

int dla_model_num_inputs(const dla_model *m) { return m->g->n_inputs; }
int dla_model_num_outputs(const dla_model *m) { return m->g->n_outputs; }
int dla_model_opset(const dla_model *m) { return m->g->opset; }

static void describe(const ir_tensor *t, dla_tensor *info)
{
    memset(info, 0, sizeof *info);
    info->name = (char *)t->name;
    info->dtype = (dla_dtype)t->dtype;
    info->rank = t->rank;
    for (int i = 0; i < t->rank && i < DLA_MAX_RANK; i++)
        info->dims[i] = t->dims[i];
    info->nbytes = ir_tensor_nbytes(t);
}

dla_status dla_model_input(const dla_model *m, int i, dla_tensor *info)
{
    if (i < 0 || i >= m->g->n_inputs)
        return base_error(DLA_ERR_INVALID_ARG, "input index %d out of range (model has %d)", i, m->g->n_inputs);
    describe(m->g->inputs[i], info);
    return DLA_OK;
}

dla_status dla_model_output(const dla_model *m, int i, dla_tensor *info)
{
    if (i < 0 || i >= m->g->n_outputs)
        return base_error(DLA_ERR_INVALID_ARG, "output index %d out of range (model has %d)", i,
                          m->g->n_outputs);
    describe(m->g->outputs[i], info);
    return DLA_OK;
}

int dla_model_num_layers(const dla_model *m) { return m->g->n_nodes; }

dla_status dla_model_layer(const dla_model *m, int i, dla_layer_info *info)
{
    if (i < 0 || i >= m->g->n_nodes)
        return base_error(DLA_ERR_INVALID_ARG, "layer index %d out of range (model has %d)", i, m->g->n_nodes);
    const ir_node *n = m->g->nodes[i];
    memset(info, 0, sizeof *info);
    info->name = n->name;
    info->op = n->op_type;
    const ir_tensor *o = n->n_out ? n->out[0] : NULL;
    info->output = o ? o->name : "";
    if (o)
        ir_shape_str(o, info->shape, sizeof info->shape);
    info->params = ir_node_params(n);
    info->macs = ir_node_macs(n);
    return DLA_OK;
}

static int find_input(const dla_model *m, const dla_tensor *t, int pos)
{
    if (!t->name)
        return pos < m->g->n_inputs ? pos : -1;
    for (int i = 0; i < m->g->n_inputs; i++)
        if (strcmp(m->g->inputs[i]->name, t->name) == 0)
            return i;
    return -1;
}

static dla_status bind_inputs(dla_model *m, int n_inputs, const dla_tensor *const *inputs)
{
    ir_graph *g = m->g;
    unsigned char *bound = calloc((size_t)g->n_inputs + 1, 1);
    if (!bound)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    dla_status st = DLA_OK;
    for (int k = 0; k < n_inputs && st == DLA_OK; k++) {
        const dla_tensor *t = inputs[k];
        int i = find_input(m, t, k);
        if (i < 0) {
            st = base_error(DLA_ERR_INVALID_ARG, "input '%s' is not an input of the model", t->name ? t->name : "?");
            break;
        }
        ir_tensor *it = g->inputs[i];
        if (it->dtype != IR_UNDEFINED && (ir_dtype)t->dtype != it->dtype) {
            st = base_error(DLA_ERR_INVALID_ARG, "input '%s': element type %s given, the model expects %s",
                            it->name, dla_dtype_name(t->dtype), ir_dtype_name(it->dtype));
            break;
        }
        int rank = m->decl_rank[i];
        if (rank >= 0 && rank != t->rank) {
            st = base_error(DLA_ERR_INVALID_ARG, "input '%s': rank %d given, the model expects %d", it->name,
                            t->rank, rank);
            break;
        }
        for (int d = 0; rank >= 0 && d < rank; d++)
            if (m->decl_dims[i][d] >= 0 && m->decl_dims[i][d] != t->dims[d]) {
                st = base_error(DLA_ERR_INVALID_ARG, "input '%s': dimension %d is %lld, the model expects %lld",
                                it->name, d, (long long)t->dims[d], (long long)m->decl_dims[i][d]);
                break;
            }
        if (st != DLA_OK)
            break;
        it->dtype = (ir_dtype)t->dtype;
        ir_tensor_set_shape(it, t->rank, t->dims);
        it->data = t->data;
        it->data_kind = IR_DATA_RUNTIME;
        bound[i] = 1;
    }
    for (int i = 0; st == DLA_OK && i < g->n_inputs; i++)
        if (!bound[i])
            st = base_error(DLA_ERR_INVALID_ARG, "input '%s' was not given", g->inputs[i]->name);
    free(bound);
    return st;
}

static void unbind_inputs(dla_model *m)
{
    for (int i = 0; i < m->g->n_inputs; i++) {
        ir_tensor *t = m->g->inputs[i];
        t->data = NULL;
        t->data_kind = IR_DATA_NONE;
        ir_tensor_set_shape(t, m->decl_rank[i], m->decl_dims[i]);
    }
}

static dla_status collect_outputs(dla_model *m, dla_tensor ***outputs, int *n_outputs)
{
    ir_graph *g = m->g;
    dla_tensor **outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
    if (!outs)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_outputs; i++) {
        ir_tensor *t = g->outputs[i];
        dla_tensor *o = calloc(1, sizeof *o);
        if (!o) {
            dla_tensors_destroy(outs, i);
            return base_error(DLA_ERR_NOMEM, "out of memory");
        }
        outs[i] = o;
        o->name = strdup(t->name);
        o->dtype = (dla_dtype)t->dtype;
        o->rank = t->rank;
        memcpy(o->dims, t->dims, sizeof(int64_t) * (size_t)(t->rank > 0 ? t->rank : 0));
        o->nbytes = ir_tensor_nbytes(t);
        o->data = host_exec_take_output(m->x, i);
        if (!o->name || !o->data) {
            dla_tensors_destroy(outs, i + 1);
            return base_error(DLA_ERR_NOMEM, "out of memory for output '%s'", t->name);
        }
    }
    *outputs = outs;
    *n_outputs = g->n_outputs;
    return DLA_OK;
}

dla_status dla_model_run(dla_model *m, const dla_run_options *opts, int n_inputs, const dla_tensor *const *inputs,
                         dla_tensor ***outputs, int *n_outputs)
{
    *outputs = NULL;
    *n_outputs = 0;
    base_clear_error();
    int threads = opts ? opts->n_threads : 0;
    if (m->x && m->x_threads != threads) {
        host_exec_destroy(m->x);
        m->x = NULL;
    }
    if (!m->x) {
        host_options ho = {.n_threads = threads};
        BASE_TRY(fail(m, host_exec_create(m->g, &ho, &m->x)));
        m->x_threads = threads;
    }
    dla_status st = bind_inputs(m, n_inputs, inputs);
    if (st == DLA_OK)
        st = host_exec_run(m->x);
    if (st == DLA_OK)
        st = collect_outputs(m, outputs, n_outputs);
    unbind_inputs(m);
    return fail(m, st);
}

size_t dla_model_peak_activation_bytes(const dla_model *m) { return m->x ? host_exec_peak_bytes(m->x) : 0; }

/* ---- for compile.c (api_internal.h) ---------------------------------------------------------------------- */

ir_graph *api_model_graph(dla_model *m) { return m->g; }

void api_model_graph_changed(dla_model *m)
{
    host_exec_destroy(m->x);
    m->x = NULL;
}

dla_status api_model_fail(dla_model *m, dla_status st) { return fail(m, st); }
