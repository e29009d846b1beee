/* dla eval: runners — one batch of float NCHW images through the host FP32 reference executor (dla/model.h) or
 * through a loadable on a software DLA core (dla/runtime.h), outputs converted to float32. */
#include "eval.h"

#include "dla/loadable.h"
#include "dla/model.h"
#include "dla/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eval_runner {
    int is_engine;
    char in_name[128];
    int in_rank;            /* the model's input rank: 4, or 3 ([N, H, W], fed as C = 1) */
    int64_t in_dims[4];
    int n_out;
    eval_output *out;
    /* host */
    dla_model *model;
    int threads;
    /* engine */
    dla_device *dev;
    dla_module *mod;
    dla_tensor_desc in_desc, *out_desc;
    void *in_buf, **out_buf;
    dla_mem *in_mem, **out_mem;
    /* host post-processing fed by the outputs above (--post) */
    dla_model *post;
    int n_post;
    eval_output *post_out;
};

static int fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, EVAL_ERR_SIZE, fmt, ap);
    va_end(ap);
    return -1;
}

static int set_output(eval_output *o, const char *name, int rank, const int64_t *dims, size_t count, char *err)
{
    snprintf(o->name, sizeof o->name, "%s", name ? name : "");
    o->rank = rank > 8 ? 8 : rank;
    for (int d = 0; d < o->rank; d++)
        o->dims[d] = dims[d];
    if (count != o->count || !o->data) {
        free(o->data);
        o->data = malloc(sizeof(float) * (count ? count : 1));
        if (!o->data)
            return fail(err, "output '%s': out of memory for %zu values", o->name, count);
    }
    o->count = count;
    return 0;
}

/* Any numeric dense buffer -> float. */
static int to_float(dla_dtype t, const void *src, size_t count, float *dst, const char *name, char *err)
{
    for (size_t i = 0; i < count; i++) {
        switch (t) {
        case DLA_FLOAT32: dst[i] = ((const float *)src)[i]; break;
        case DLA_FLOAT64: dst[i] = (float)((const double *)src)[i]; break;
        case DLA_INT64: dst[i] = (float)((const int64_t *)src)[i]; break;
        case DLA_INT32: dst[i] = (float)((const int32_t *)src)[i]; break;
        case DLA_INT16: dst[i] = (float)((const int16_t *)src)[i]; break;
        case DLA_INT8: dst[i] = (float)((const int8_t *)src)[i]; break;
        case DLA_UINT8: dst[i] = (float)((const uint8_t *)src)[i]; break;
        case DLA_BOOL: dst[i] = (float)((const uint8_t *)src)[i]; break;
        default: return fail(err, "output '%s': element type %s has no float conversion", name, dla_dtype_name(t));
        }
    }
    return 0;
}

void eval_runner_free(eval_runner *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n_out; i++)
        free(r->out[i].data);
    free(r->out);
    for (int i = 0; i < r->n_post; i++)
        free(r->post_out[i].data);
    free(r->post_out);
    dla_model_destroy(r->post);
    dla_model_destroy(r->model);
    if (r->dev) {
        if (r->in_mem)
            dla_mem_unregister(r->dev, r->in_mem);
        for (int i = 0; r->out_mem && i < r->n_out; i++)
            if (r->out_mem[i])
                dla_mem_unregister(r->dev, r->out_mem[i]);
        dla_module_unload(r->mod);
        dla_device_destroy(r->dev);
    }
    free(r->in_buf);
    for (int i = 0; r->out_buf && i < r->n_out; i++)
        free(r->out_buf[i]);
    free(r->out_buf);
    free(r->out_mem);
    free(r->out_desc);
    free(r);
}

static void set_in_dims(eval_runner *r, int rank, const int64_t *dims)
{
    /* [N, C, H, W]; [N, H, W] models read as C = 1 */
    r->in_rank = rank;
    for (int d = 0; d < 4; d++)
        r->in_dims[d] = -1;
    if (rank == 4)
        for (int d = 0; d < 4; d++)
            r->in_dims[d] = dims[d];
    else if (rank == 3) {
        r->in_dims[0] = dims[0];
        r->in_dims[1] = 1;
        r->in_dims[2] = dims[1];
        r->in_dims[3] = dims[2];
    }
}

int eval_model_shapes(const char *onnx, const int64_t chw[3], int64_t *batch, char *shapes, size_t size, char *err)
{
    dla_model *m;
    if (dla_model_load_file(onnx, NULL, &m) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    int rc = 0;
    dla_tensor t;
    if (dla_model_num_inputs(m) != 1) {
        rc = fail(err, "%s: dla eval feeds one input; the model has %d", onnx, dla_model_num_inputs(m));
        goto done;
    }
    dla_model_input(m, 0, &t);
    if (t.rank != 4 && !(t.rank == 3 && chw[0] == 1)) {
        rc = fail(err, "%s: input '%s' has rank %d; the dataset's images are %lldx%lldx%lld (a model input "
                  "[N, C, H, W], or [N, H, W] for one channel)", onnx, t.name, t.rank, (long long)chw[0],
                  (long long)chw[1], (long long)chw[2]);
        goto done;
    }
    int64_t want[4] = {*batch, chw[0], chw[1], chw[2]};
    if (t.rank == 3) {
        want[1] = chw[1];
        want[2] = chw[2];
    }
    for (int d = 1; d < t.rank; d++)
        if (t.dims[d] > 0 && t.dims[d] != want[d]) {
            rc = fail(err, "%s: input '%s' dimension %d is %lld; the dataset's images are %lldx%lldx%lld", onnx,
                      t.name, d, (long long)t.dims[d], (long long)chw[0], (long long)chw[1], (long long)chw[2]);
            goto done;
        }
    if (t.dims[0] > 0)
        *batch = want[0] = t.dims[0];
    size_t n = (size_t)snprintf(shapes, size, "%s:", t.name);
    for (int d = 0; d < t.rank && n < size; d++)
        n += (size_t)snprintf(shapes + n, size - n, "%s%lld", d ? "x" : "", (long long)want[d]);
done:
    dla_model_destroy(m);
    return rc;
}

int eval_runner_host(const char *onnx, const char *shapes, int threads, eval_runner **out, char *err)
{
    *out = NULL;
    eval_runner *r = calloc(1, sizeof *r);
    if (!r)
        return fail(err, "out of memory");
    dla_load_options lo = {.shapes = shapes};
    if (dla_model_load_file(onnx, &lo, &r->model) != DLA_OK) {
        free(r);
        return fail(err, "%s", dla_last_error());
    }
    r->threads = threads;
    if (dla_model_num_inputs(r->model) != 1) {
        fail(err, "%s: dla eval feeds one input; the model has %d", onnx, dla_model_num_inputs(r->model));
        eval_runner_free(r);
        return -1;
    }
    dla_tensor t;
    dla_model_input(r->model, 0, &t);
    snprintf(r->in_name, sizeof r->in_name, "%s", t.name);
    if (t.rank != 4 && t.rank != 3) {
        fail(err, "%s: input '%s' has rank %d; dla eval feeds images [N, C, H, W]", onnx, t.name, t.rank);
        eval_runner_free(r);
        return -1;
    }
    set_in_dims(r, t.rank, t.dims);
    r->n_out = dla_model_num_outputs(r->model);
    r->out = calloc((size_t)r->n_out + 1, sizeof *r->out);
    if (!r->out) {
        eval_runner_free(r);
        return fail(err, "out of memory");
    }
    for (int i = 0; i < r->n_out; i++) {
        dla_model_output(r->model, i, &t);
        snprintf(r->out[i].name, sizeof r->out[i].name, "%s", t.name);
    }
    *out = r;
    return 0;
}

static int engine_open(eval_runner *r, const void *bytes, size_t size, char *err)
{
    int standalone = 0;
    dla_loadable *l;
    if (dla_loadable_load(bytes, size, &l) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    dla_loadable_info in;
    dla_loadable_get_info(l, &in);
    standalone = in.standalone;
    dla_loadable_destroy(l);
    if (dla_device_create(0, standalone ? DLA_MODE_STANDALONE : DLA_MODE_HYBRID, &r->dev) != DLA_OK ||
        dla_module_load(r->dev, bytes, size, &r->mod) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    dla_module_attribute a;
    dla_module_get_attributes(r->mod, DLA_NUM_INPUT_TENSORS, &a);
    if (a.num_input_tensors != 1)
        return fail(err, "the loadable has %u inputs; dla eval feeds one", a.num_input_tensors);
    a.input_tensor_desc = &r->in_desc;
    if (dla_module_get_attributes(r->mod, DLA_INPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    dla_module_get_attributes(r->mod, DLA_NUM_OUTPUT_TENSORS, &a);
    r->n_out = (int)a.num_output_tensors;
    r->out = calloc((size_t)r->n_out + 1, sizeof *r->out);
    r->out_desc = calloc((size_t)r->n_out + 1, sizeof *r->out_desc);
    r->out_buf = calloc((size_t)r->n_out + 1, sizeof *r->out_buf);
    r->out_mem = calloc((size_t)r->n_out + 1, sizeof *r->out_mem);
    r->in_buf = calloc(1, r->in_desc.size ? r->in_desc.size : 1);
    if (!r->out || !r->out_desc || !r->out_buf || !r->out_mem || !r->in_buf)
        return fail(err, "out of memory");
    a.output_tensor_desc = r->out_desc;
    if (r->n_out && dla_module_get_attributes(r->mod, DLA_OUTPUT_TENSOR_DESCRIPTORS, &a) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    if (dla_mem_register(r->dev, r->in_buf, r->in_desc.size, &r->in_mem) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    for (int i = 0; i < r->n_out; i++) {
        r->out_buf[i] = calloc(1, r->out_desc[i].size ? r->out_desc[i].size : 1);
        if (!r->out_buf[i])
            return fail(err, "out of memory for output '%s'", r->out_desc[i].name);
        if (dla_mem_register(r->dev, r->out_buf[i], r->out_desc[i].size, &r->out_mem[i]) != DLA_OK)
            return fail(err, "%s", dla_last_error());
        snprintf(r->out[i].name, sizeof r->out[i].name, "%s", r->out_desc[i].name);
    }
    snprintf(r->in_name, sizeof r->in_name, "%s", r->in_desc.name);
    if (r->in_desc.rank != 4 && r->in_desc.rank != 3)
        return fail(err, "the loadable's input '%s' has rank %d; dla eval feeds images [N, C, H, W]", r->in_name,
                    r->in_desc.rank);
    set_in_dims(r, r->in_desc.rank, r->in_desc.dims);
    return 0;
}

int eval_runner_engine(const void *bytes, size_t size, eval_runner **out, char *err)
{
    *out = NULL;
    eval_runner *r = calloc(1, sizeof *r);
    if (!r)
        return fail(err, "out of memory");
    r->is_engine = 1;
    if (engine_open(r, bytes, size, err) != 0) {
        eval_runner_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void eval_runner_input_shape(const eval_runner *r, int64_t dims[4], const char **name)
{
    memcpy(dims, r->in_dims, sizeof r->in_dims);
    if (name)
        *name = r->in_name;
}

static int run_host(eval_runner *r, const float *x, int64_t n, char *err)
{
    dla_tensor in;
    memset(&in, 0, sizeof in);
    in.name = r->in_name;
    in.dtype = DLA_FLOAT32;
    in.rank = 4;
    in.dims[0] = n;
    for (int d = 1; d < 4; d++)
        in.dims[d] = r->in_dims[d];
    in.nbytes = sizeof(float) * (size_t)(n * in.dims[1] * in.dims[2] * in.dims[3]);
    in.data = (void *)x;
    if (r->in_rank == 3) { /* [N, H, W] */
        in.rank = 3;
        in.dims[1] = r->in_dims[2];
        in.dims[2] = r->in_dims[3];
    }
    const dla_tensor *ins[1] = {&in};
    dla_tensor **ys;
    int n_ys;
    dla_run_options ro = {.n_threads = r->threads};
    if (dla_model_run(r->model, &ro, 1, ins, &ys, &n_ys) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    int rc = 0;
    for (int i = 0; i < n_ys && i < r->n_out && rc == 0; i++) {
        size_t esize = dla_dtype_size(ys[i]->dtype), count = esize ? ys[i]->nbytes / esize : 0;
        rc = set_output(&r->out[i], ys[i]->name ? ys[i]->name : r->out[i].name, ys[i]->rank, ys[i]->dims, count, err);
        if (rc == 0)
            rc = to_float(ys[i]->dtype, ys[i]->data, count, r->out[i].data, r->out[i].name, err);
    }
    dla_tensors_destroy(ys, n_ys);
    return rc;
}

static int run_engine(eval_runner *r, const float *x, int64_t n, char *err)
{
    if (n != r->in_dims[0])
        return fail(err, "the loadable's input '%s' takes batches of %lld images, got %lld", r->in_name,
                    (long long)r->in_dims[0], (long long)n);
    if (dla_tensor_pack(&r->in_desc, x, r->in_buf, r->in_desc.size) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    dla_task t = {.module = r->mod, .inputs = &r->in_mem, .n_inputs = 1, .outputs = r->out_mem,
                  .n_outputs = r->n_out};
    if (dla_submit(r->dev, &t, 1) != DLA_OK || dla_synchronize(r->dev) != DLA_OK)
        return fail(err, "%s", dla_last_error());
    for (int i = 0; i < r->n_out; i++) {
        const dla_tensor_desc *d = &r->out_desc[i];
        size_t count = (size_t)(d->n * d->c * d->h * d->w);
        if (set_output(&r->out[i], d->name, d->rank, d->dims, count, err) != 0)
            return -1;
        int dense_int = d->format == DLA_FORMAT_NCHW && d->dtype != DLA_FLOAT32 && d->dtype != DLA_FLOAT16 &&
                        d->dtype != DLA_INT8;
        if (dense_int) {
            if (dla_dtype_size(d->dtype) * count > d->size)
                return fail(err, "output '%s': %zu values of %s do not fit its %llu bytes", d->name, count,
                            dla_dtype_name(d->dtype), (unsigned long long)d->size);
            if (to_float(d->dtype, r->out_buf[i], count, r->out[i].data, d->name, err) != 0)
                return -1;
        } else if (dla_tensor_unpack(d, r->out_buf[i], d->size, r->out[i].data) != DLA_OK) {
            return fail(err, "%s", dla_last_error());
        }
    }
    return 0;
}

int eval_runner_attach_post(eval_runner *r, const char *onnx, char *err)
{
    if (dla_model_load_file(onnx, NULL, &r->post) != DLA_OK)
        return fail(err, "--post: %s", dla_last_error());
    for (int i = 0; i < dla_model_num_inputs(r->post); i++) {
        dla_tensor t;
        dla_model_input(r->post, i, &t);
        int found = 0;
        for (int k = 0; k < r->n_out; k++)
            found |= strcmp(r->out[k].name, t.name) == 0;
        if (!found) {
            size_t len = (size_t)snprintf(err, EVAL_ERR_SIZE, "--post %s: input '%s' is no output of the model "
                                          "(outputs:", onnx, t.name);
            for (int k = 0; k < r->n_out && len < EVAL_ERR_SIZE; k++)
                len += (size_t)snprintf(err + len, EVAL_ERR_SIZE - len, " '%s'", r->out[k].name);
            if (len < EVAL_ERR_SIZE)
                snprintf(err + len, EVAL_ERR_SIZE - len, ")");
            return -1;
        }
    }
    r->n_post = dla_model_num_outputs(r->post);
    r->post_out = calloc((size_t)r->n_post + 1, sizeof *r->post_out);
    if (!r->post_out)
        return fail(err, "out of memory");
    return 0;
}

/* The post-processing model on the host, fed by name from the outputs of the run (as float32). */
static int run_post(eval_runner *r, char *err)
{
    int n_in = dla_model_num_inputs(r->post);
    dla_tensor *ins = calloc((size_t)n_in + 1, sizeof *ins);
    const dla_tensor **ip = calloc((size_t)n_in + 1, sizeof *ip);
    if (!ins || !ip) {
        free(ins);
        free(ip);
        return fail(err, "out of memory");
    }
    for (int i = 0; i < n_in; i++) {
        dla_tensor t;
        dla_model_input(r->post, i, &t);
        const eval_output *o = NULL;
        for (int k = 0; k < r->n_out; k++)
            if (strcmp(r->out[k].name, t.name) == 0)
                o = &r->out[k];
        ins[i].name = o ? (char *)o->name : NULL;
        ins[i].dtype = DLA_FLOAT32;
        ins[i].rank = o ? o->rank : 0;
        if (o)
            memcpy(ins[i].dims, o->dims, sizeof o->dims);
        ins[i].data = o ? o->data : NULL;
        ins[i].nbytes = o ? o->count * sizeof(float) : 0;
        ip[i] = &ins[i];
    }
    dla_tensor **ys;
    int n_ys;
    dla_run_options ro = {.n_threads = r->threads};
    int rc = 0;
    if (dla_model_run(r->post, &ro, n_in, ip, &ys, &n_ys) != DLA_OK) {
        rc = fail(err, "--post: %s", dla_last_error());
    } else {
        for (int i = 0; i < n_ys && i < r->n_post && rc == 0; i++) {
            size_t esize = dla_dtype_size(ys[i]->dtype), count = esize ? ys[i]->nbytes / esize : 0;
            rc = set_output(&r->post_out[i], ys[i]->name, ys[i]->rank, ys[i]->dims, count, err);
            if (rc == 0)
                rc = to_float(ys[i]->dtype, ys[i]->data, count, r->post_out[i].data, ys[i]->name, err);
        }
        dla_tensors_destroy(ys, n_ys);
    }
    free(ins);
    free(ip);
    return rc;
}

int eval_runner_run(eval_runner *r, const float *x, int64_t n, char *err)
{
    int rc = r->is_engine ? run_engine(r, x, n, err) : run_host(r, x, n, err);
    return rc == 0 && r->post ? run_post(r, err) : rc;
}

int eval_runner_num_outputs(const eval_runner *r) { return r->post ? r->n_post : r->n_out; }

const eval_output *eval_runner_output(const eval_runner *r, int i)
{
    if (r->post)
        return i >= 0 && i < r->n_post ? &r->post_out[i] : NULL;
    return i >= 0 && i < r->n_out ? &r->out[i] : NULL;
}

const eval_output *eval_runner_find(const eval_runner *r, const char *name)
{
    for (int i = 0; i < eval_runner_num_outputs(r); i++)
        if (strcmp(eval_runner_output(r, i)->name, name) == 0)
            return eval_runner_output(r, i);
    return NULL;
}
