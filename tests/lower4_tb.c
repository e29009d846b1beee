/* Test-only task builder: see lower4_tb.h. */
#include "lower4_tb.h"

#include "compiler/lower.h"
#include "compiler/sparsity.h"
#include "engine/format.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct tb_tensor {
    cc_prec prec;
    float scale;
    int has_surface;
    cc_surface s;
    int alias_of;     /* tensor id or -1 */
    uint32_t alias_off;
} tb_tensor;

struct cc_task_builder {
    const ir_graph *g;
    cc_prec dflt;
    tb_tensor *t;
    int n_t;
    eng_buffer *bufs;
    int n_bufs, cap_bufs;
    eng_lut *luts;
    int n_luts;
    eng_op *ops;
    char **layers;
    const char **precs;
    int n_ops, cap_ops;
    unsigned char *marked;
};

cc_task_builder *l4tb_create(const ir_graph *g, cc_prec default_prec)
{
    cc_task_builder *tb = calloc(1, sizeof *tb);
    if (!tb)
        return NULL;
    tb->g = g;
    tb->dflt = default_prec;
    tb->n_t = g->n_tensors;
    tb->t = calloc((size_t)g->n_tensors + 1, sizeof *tb->t);
    tb->marked = calloc((size_t)g->n_nodes + 1, 1);
    for (int i = 0; i < g->n_tensors; i++) {
        tb->t[i].prec = default_prec;
        tb->t[i].alias_of = -1;
    }
    return tb;
}

void l4tb_destroy(cc_task_builder *tb)
{
    if (!tb)
        return;
    for (int i = 0; i < tb->n_bufs; i++)
        free(tb->bufs[i].data);
    for (int i = 0; i < tb->n_ops; i++)
        free(tb->layers[i]);
    free(tb->bufs);
    free(tb->luts);
    free(tb->ops);
    free(tb->layers);
    free(tb->precs);
    free(tb->t);
    free(tb->marked);
    free(tb);
}

void l4tb_set(cc_task_builder *tb, const ir_tensor *t, cc_prec prec, float scale)
{
    tb->t[t->id].prec = prec;
    tb->t[t->id].scale = prec == CC_PREC_INT8 ? scale : 0.0f;
}

static dla_status new_buffer(cc_task_builder *tb, size_t size, int16_t *mem)
{
    if (tb->n_bufs == tb->cap_bufs) {
        int cap = tb->cap_bufs ? tb->cap_bufs * 2 : 16;
        eng_buffer *b = realloc(tb->bufs, sizeof *b * (size_t)cap);
        if (!b)
            return base_error(DLA_ERR_NOMEM, "tb: out of memory");
        tb->bufs = b;
        tb->cap_bufs = cap;
    }
    uint8_t *d = calloc(size ? size : 1, 1);
    if (!d)
        return base_error(DLA_ERR_NOMEM, "tb: out of memory");
    tb->bufs[tb->n_bufs].data = d;
    tb->bufs[tb->n_bufs].size = size;
    *mem = (int16_t)tb->n_bufs++;
    return DLA_OK;
}

dla_status cc_tb_surface(cc_task_builder *tb, const ir_tensor *t, cc_surface *out)
{
    tb_tensor *e = &tb->t[t->id];
    if (e->has_surface) {
        *out = e->s;
        return DLA_OK;
    }
    int c, h, w;
    lw_chw(t, &c, &h, &w);
    eng_precision ep = e->prec == CC_PREC_INT8 ? ENG_INT8 : ENG_FP16;
    cc_surface s;
    memset(&s, 0, sizeof s);
    BASE_TRY(eng_geom_make(c, h, w, ep, ENG_LAYOUT_FEATURE, &s.geom));
    s.prec = e->prec;
    s.scale = e->scale;
    if (e->alias_of >= 0) {
        cc_surface base;
        BASE_TRY(cc_tb_surface(tb, tb->g->tensors[e->alias_of], &base));
        s.mem = base.mem;
        s.offset = base.offset + e->alias_off;
        s.geom.line_stride = base.geom.line_stride;
        s.geom.surf_stride = base.geom.surf_stride;
    } else {
        BASE_TRY(new_buffer(tb, s.geom.size, &s.mem));
    }
    e->s = s;
    e->has_surface = 1;
    *out = s;
    return DLA_OK;
}

dla_status cc_tb_alias(cc_task_builder *tb, const ir_tensor *alias, const ir_tensor *t, uint32_t offset)
{
    if (tb->t[alias->id].has_surface || tb->t[t->id].has_surface)
        return base_error(DLA_ERR_INTERNAL, "tb: alias '%s' -> '%s' after first use", alias->name, t->name);
    tb->t[alias->id].alias_of = t->id;
    tb->t[alias->id].alias_off = offset;
    return DLA_OK;
}

cc_prec cc_tb_prec(const cc_task_builder *tb, const ir_tensor *t) { return tb->t[t->id].prec; }
float cc_tb_scale(const cc_task_builder *tb, const ir_tensor *t) { return tb->t[t->id].scale; }
/* the harness builds dense convolutions (2:4 sparsity has its own tests) */
cc_sparsity cc_tb_sparsity(const cc_task_builder *tb)
{
    (void)tb;
    return CC_SPARSITY_DISABLE;
}

dla_status cc_tb_const(cc_task_builder *tb, const char *name, const void *data, size_t size, int16_t *mem)
{
    (void)name;
    BASE_TRY(new_buffer(tb, size, mem));
    memcpy(tb->bufs[*mem].data, data, size);
    return DLA_OK;
}

dla_status cc_tb_scratch(cc_task_builder *tb, const char *name, const eng_geom *geom, cc_surface *out)
{
    (void)name;
    memset(out, 0, sizeof *out);
    out->geom = *geom;
    out->prec = geom->precision == ENG_INT8 ? CC_PREC_INT8 : CC_PREC_FP16;
    return new_buffer(tb, geom->size, &out->mem);
}

dla_status cc_tb_lut(cc_task_builder *tb, const eng_lut *lut, int16_t *index)
{
    eng_lut *l = realloc(tb->luts, sizeof *l * (size_t)(tb->n_luts + 1));
    if (!l)
        return base_error(DLA_ERR_NOMEM, "tb: out of memory");
    tb->luts = l;
    l[tb->n_luts] = *lut;
    *index = (int16_t)tb->n_luts++;
    return DLA_OK;
}

dla_status cc_tb_add_op(cc_task_builder *tb, const eng_op *op, const char *layer_name, const char *precision)
{
    if (tb->n_ops == tb->cap_ops) {
        int cap = tb->cap_ops ? tb->cap_ops * 2 : 16;
        eng_op *o = realloc(tb->ops, sizeof *o * (size_t)cap);
        char **l = realloc(tb->layers, sizeof *l * (size_t)cap);
        const char **p = realloc((void *)tb->precs, sizeof *p * (size_t)cap);
        if (o)
            tb->ops = o;
        if (l)
            tb->layers = l;
        if (p)
            tb->precs = p;
        if (!o || !l || !p)
            return base_error(DLA_ERR_NOMEM, "tb: out of memory");
        tb->cap_ops = cap;
    }
    tb->ops[tb->n_ops] = *op;
    tb->ops[tb->n_ops].index = (int16_t)tb->n_ops;
    size_t len = strlen(layer_name);
    tb->layers[tb->n_ops] = malloc(len + 1);
    if (!tb->layers[tb->n_ops])
        return base_error(DLA_ERR_NOMEM, "tb: out of memory");
    memcpy(tb->layers[tb->n_ops], layer_name, len + 1);
    tb->precs[tb->n_ops] = precision;
    tb->n_ops++;
    return DLA_OK;
}

void cc_tb_mark(cc_task_builder *tb, const ir_node *n) { tb->marked[n->id] = 1; }
int cc_tb_is_marked(const cc_task_builder *tb, const ir_node *n) { return tb->marked[n->id]; }

dla_status l4tb_raw(cc_task_builder *tb, const ir_tensor *t, cc_surface *s, uint8_t **base)
{
    BASE_TRY(cc_tb_surface(tb, t, s));
    *base = tb->bufs[s->mem].data + s->offset;
    return DLA_OK;
}

int l4tb_has_surface(const cc_task_builder *tb, const ir_tensor *t) { return tb->t[t->id].has_surface; }

dla_status l4tb_write(cc_task_builder *tb, const ir_tensor *t, const float *data)
{
    cc_surface s;
    uint8_t *b;
    BASE_TRY(l4tb_raw(tb, t, &s, &b));
    return eng_fmt_pack_f32(&s.geom, 1, data, s.prec == CC_PREC_INT8 ? s.scale : 1.0f, b,
                            tb->bufs[s.mem].size - s.offset);
}

dla_status l4tb_read(cc_task_builder *tb, const ir_tensor *t, float *data)
{
    cc_surface s;
    uint8_t *b;
    BASE_TRY(l4tb_raw(tb, t, &s, &b));
    return eng_fmt_unpack_f32(&s.geom, 1, b, tb->bufs[s.mem].size - s.offset,
                              s.prec == CC_PREC_INT8 ? s.scale : 1.0f, data);
}

dla_status l4tb_run(cc_task_builder *tb, eng_stats *st) { return l4tb_run_timed(tb, st, NULL); }

static double l4tb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

dla_status l4tb_run_timed(cc_task_builder *tb, eng_stats *st, double *op_seconds)
{
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = tb->bufs;
    ctx.n_bufs = tb->n_bufs;
    ctx.luts = tb->luts;
    ctx.n_luts = tb->n_luts;
    dla_status s = DLA_OK;
    for (int i = 0; i < tb->n_ops && s == DLA_OK; i++) {
        double t0 = op_seconds ? l4tb_now() : 0;
        s = eng_exec_op(&ctx, &tb->ops[i]);
        if (op_seconds && tb->ops[i].type < ENG_OP_TYPE_COUNT)
            op_seconds[tb->ops[i].type] += l4tb_now() - t0;
    }
    if (st) {
        st->saturated += ctx.stats.saturated;
        st->nan_inputs += ctx.stats.nan_inputs;
        st->lut_hits += ctx.stats.lut_hits;
        st->lut_underflow += ctx.stats.lut_underflow;
        st->lut_overflow += ctx.stats.lut_overflow;
    }
    eng_ctx_release(&ctx);
    return s;
}

int l4tb_n_ops(const cc_task_builder *tb) { return tb->n_ops; }
const eng_op *l4tb_op(const cc_task_builder *tb, int i) { return &tb->ops[i]; }
const char *l4tb_layer(const cc_task_builder *tb, int i) { return tb->layers[i]; }
const char *l4tb_precision(const cc_task_builder *tb, int i) { return tb->precs[i]; }
int l4tb_n_buffers(const cc_task_builder *tb) { return tb->n_bufs; }
int l4tb_n_luts(const cc_task_builder *tb) { return tb->n_luts; }
