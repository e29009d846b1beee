/* Host pooling: MaxPool (with optional Indices), AveragePool, LpPool over 1..6 spatial axes, and the global
 * pools. Window geometry comes from ir_pool_geom_get (the same rules as shape inference). A float32 2-D path
 * serves CNNs; every other case goes through the generic N-D path (values in double, so uint8/int8 MaxPool is
 * exact). Work is split over the N x C planes. */
#include "host/norm_pool.h"
#include "ir/pool_geom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POOL_PAR_MIN 16384 /* output elements x window below which pooling stays on one thread */

typedef enum pool_kind { POOL_MAX, POOL_AVG, POOL_LP } pool_kind;

typedef struct pool_job {
    ir_pool_geom g;
    pool_kind kind;
    int count_pad;     /* AveragePool count_include_pad */
    int p;             /* LpPool order */
    int col_major;     /* MaxPool storage_order = 1: indices count the first spatial axis fastest */
    int64_t planes;    /* N x C */
    int64_t in_plane;  /* input spatial size */
    int64_t out_plane; /* output spatial size */
} pool_job;

/* Window taps of axis i at output position o that fall inside the input: [*lo, *hi); and, for
 * count_include_pad, how many fall inside the padded input. */
static void axis_range(const ir_pool_geom *g, int i, int64_t o, int64_t *lo, int64_t *hi, int64_t *padded)
{
    int64_t start = o * g->s[i] - g->pb[i], d = g->d[i], k = g->k[i];
    int64_t a = start >= 0 ? 0 : (-start + d - 1) / d;
    int64_t lim = g->in[i] - start; /* taps with offset t*d < lim are inside */
    int64_t b = lim <= 0 ? 0 : (lim + d - 1) / d;
    *lo = a;
    *hi = b < k ? b : k;
    int64_t plim = g->in[i] + g->pe[i] - start; /* the padded end */
    int64_t pb = plim <= 0 ? 0 : (plim + d - 1) / d;
    *padded = pb < k ? pb : k;
}

static double finish(const pool_job *j, double acc, int64_t cnt)
{
    if (j->kind == POOL_AVG)
        return acc / (double)cnt;
    if (j->kind == POOL_LP)
        return j->p == 1 ? acc : j->p == 2 ? sqrt(acc) : pow(acc, 1.0 / j->p);
    return acc;
}

/* One plane, any dtype and rank. ind (may be NULL) receives flat input indices for MaxPool. */
static void pool_plane_generic(const pool_job *j, ir_dtype dt, const void *x, void *y, int64_t *ind, int64_t pl)
{
    const ir_pool_geom *g = &j->g;
    int nsp = g->nsp;
    int64_t istride[IR_POOL_MAX_SPATIAL], cstride[IR_POOL_MAX_SPATIAL];
    int64_t acc_st = 1;
    for (int i = nsp - 1; i >= 0; i--) {
        istride[i] = acc_st;
        acc_st *= g->in[i];
    }
    acc_st = 1;
    for (int i = 0; i < nsp; i++) {
        cstride[i] = acc_st;
        acc_st *= g->in[i];
    }
    int64_t xbase = pl * j->in_plane;
    for (int64_t op = 0; op < j->out_plane; op++) {
        int64_t lo[IR_POOL_MAX_SPATIAL], hi[IR_POOL_MAX_SPATIAL], start[IR_POOL_MAX_SPATIAL];
        int64_t rem = op, padded = 1, inside = 1;
        for (int i = nsp - 1; i >= 0; i--) {
            int64_t o = rem % g->out[i], pc;
            rem /= g->out[i];
            axis_range(g, i, o, &lo[i], &hi[i], &pc);
            start[i] = o * g->s[i] - g->pb[i];
            padded *= pc;
            inside *= hi[i] > lo[i] ? hi[i] - lo[i] : 0;
        }
        double acc = j->kind == POOL_MAX ? -INFINITY : 0.0;
        int64_t best = -1;
        if (inside > 0) {
            int64_t t[IR_POOL_MAX_SPATIAL];
            memcpy(t, lo, sizeof(int64_t) * (size_t)nsp);
            for (;;) {
                int64_t off = 0;
                for (int i = 0; i < nsp; i++)
                    off += (start[i] + t[i] * g->d[i]) * istride[i];
                double v = ir_get_f64(dt, x, (size_t)(xbase + off));
                if (j->kind == POOL_MAX) {
                    if (v > acc || best < 0) {
                        acc = v;
                        best = off;
                    }
                } else {
                    acc += j->kind == POOL_AVG ? v : j->p == 1 ? fabs(v) : j->p == 2 ? v * v : pow(fabs(v), j->p);
                }
                int i = nsp - 1;
                for (; i >= 0; i--) {
                    if (++t[i] < hi[i])
                        break;
                    t[i] = lo[i];
                }
                if (i < 0)
                    break;
            }
        }
        ir_set_f64(dt, y, (size_t)(pl * j->out_plane + op), finish(j, acc, j->count_pad ? padded : inside));
        if (ind) {
            int64_t flat = best < 0 ? 0 : best;
            if (j->col_major && best >= 0) {
                flat = 0;
                for (int i = 0; i < nsp; i++)
                    flat += ((best / istride[i]) % g->in[i]) * cstride[i];
            }
            ind[pl * j->out_plane + op] = xbase + flat;
        }
    }
}

/* Window tap ranges of every output column of a 2-D pool, computed once per node. */
typedef struct col_ranges {
    int64_t *lo, *hi, *pad;
} col_ranges;

/* One plane of a float32 2-D max or average pool. */
static void pool_plane_f32_2d(const pool_job *j, const col_ranges *cr, const float *x, float *y)
{
    const ir_pool_geom *g = &j->g;
    int64_t iw = g->in[1], oh = g->out[0], ow = g->out[1];
    int64_t dh = g->d[0], dw = g->d[1], sw = g->s[1], pw = g->pb[1];
    for (int64_t r = 0; r < oh; r++) {
        int64_t hlo, hhi, hpad, hs = r * g->s[0] - g->pb[0];
        axis_range(g, 0, r, &hlo, &hhi, &hpad);
        float *yr = y + r * ow;
        if (j->kind == POOL_MAX) {
            for (int64_t c = 0; c < ow; c++) {
                float acc = -INFINITY;
                int64_t ws = c * sw - pw;
                for (int64_t a = hlo; a < hhi; a++) {
                    const float *row = x + (hs + a * dh) * iw;
                    for (int64_t b = cr->lo[c]; b < cr->hi[c]; b++)
                        acc = row[ws + b * dw] > acc ? row[ws + b * dw] : acc;
                }
                yr[c] = acc;
            }
        } else {
            for (int64_t c = 0; c < ow; c++) {
                float acc = 0.0f;
                int64_t ws = c * sw - pw;
                for (int64_t a = hlo; a < hhi; a++) {
                    const float *row = x + (hs + a * dh) * iw;
                    for (int64_t b = cr->lo[c]; b < cr->hi[c]; b++)
                        acc += row[ws + b * dw];
                }
                int64_t cnt = j->count_pad ? hpad * cr->pad[c] : (hhi - hlo) * (cr->hi[c] - cr->lo[c]);
                yr[c] = acc / (float)cnt;
            }
        }
    }
}

static dla_status run_pool(ir_node *n, pool_kind kind)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *yt = n->out[0];
    ir_tensor *it = n->n_out > 1 ? n->out[1] : NULL;
    pool_job j;
    memset(&j, 0, sizeof j);
    BASE_TRY(ir_pool_geom_get(n, x, &j.g));
    j.kind = kind;
    j.count_pad = (int)ir_attr_int(n, "count_include_pad", 0);
    j.p = (int)ir_attr_int(n, "p", 2);
    j.col_major = (int)ir_attr_int(n, "storage_order", 0) == 1;
    j.planes = x->dims[0] * x->dims[1];
    j.in_plane = 1;
    j.out_plane = 1;
    for (int i = 0; i < j.g.nsp; i++) {
        j.in_plane *= j.g.in[i];
        j.out_plane *= j.g.out[i];
    }
    if (j.out_plane <= 0 || j.planes <= 0)
        return DLA_OK;
    int64_t win = 1;
    for (int i = 0; i < j.g.nsp; i++)
        win *= j.g.k[i];
    int par = j.planes > 1 && j.planes * j.out_plane * win >= POOL_PAR_MIN;
    int fast = x->dtype == IR_F32 && j.g.nsp == 2 && !it && kind != POOL_LP;
    const void *xd = x->data;
    void *yd = yt->data;
    int64_t *ind = it ? it->data : NULL;
    if (fast) {
        int64_t ow = j.g.out[1];
        col_ranges cr;
        cr.lo = malloc(sizeof(int64_t) * 3 * (size_t)ow);
        if (!cr.lo)
            return ir_node_error(n, DLA_ERR_NOMEM, "out of memory for %lld column ranges", (long long)ow);
        cr.hi = cr.lo + ow;
        cr.pad = cr.hi + ow;
        for (int64_t c = 0; c < ow; c++)
            axis_range(&j.g, 1, c, &cr.lo[c], &cr.hi[c], &cr.pad[c]);
#pragma omp parallel for if (par)
        for (int64_t pl = 0; pl < j.planes; pl++)
            pool_plane_f32_2d(&j, &cr, (const float *)xd + pl * j.in_plane, (float *)yd + pl * j.out_plane);
        free(cr.lo);
    } else {
#pragma omp parallel for if (par)
        for (int64_t pl = 0; pl < j.planes; pl++)
            pool_plane_generic(&j, x->dtype, xd, yd, ind, pl);
    }
    return DLA_OK;
}

dla_status host_maxpool(host_ctx *ctx, ir_node *n)
{
    if (n->n_out > 1 && n->out[1] && n->out[1]->dtype != IR_I64)
        return ir_node_error(n, DLA_ERR_INTERNAL, "Indices output is %s, expected int64",
                             ir_dtype_name(n->out[1]->dtype));
    return run_pool(n, POOL_MAX);
}

dla_status host_avgpool(host_ctx *ctx, ir_node *n) { return run_pool(n, POOL_AVG); }
dla_status host_lppool(host_ctx *ctx, ir_node *n) { return run_pool(n, POOL_LP); }

/* Reduction of one plane of a global pool (float32 fast loops for max and average). */
static double global_plane(const pool_job *j, ir_dtype dt, const void *xd, int64_t pl, int64_t len)
{
    if (dt == IR_F32 && j->kind != POOL_LP) {
        const float *xp = (const float *)xd + pl * len;
        if (j->kind == POOL_MAX) {
            float m = -INFINITY;
            for (int64_t i = 0; i < len; i++)
                m = xp[i] > m ? xp[i] : m;
            return m;
        }
        double acc = 0;
        for (int64_t i0 = 0; i0 < len; i0 += 256) { /* float partial sums of 256, double across them */
            int64_t i1 = i0 + 256 < len ? i0 + 256 : len;
            float part = 0;
            for (int64_t i = i0; i < i1; i++)
                part += xp[i];
            acc += part;
        }
        return acc;
    }
    double acc = j->kind == POOL_MAX ? -INFINITY : 0.0;
    for (int64_t i = 0; i < len; i++) {
        double v = ir_get_f64(dt, xd, (size_t)(pl * len + i));
        if (j->kind == POOL_MAX)
            acc = v > acc ? v : acc;
        else
            acc += j->kind == POOL_AVG ? v : j->p == 1 ? fabs(v) : j->p == 2 ? v * v : pow(fabs(v), j->p);
    }
    return acc;
}

/* GlobalAveragePool / GlobalMaxPool / GlobalLpPool: one value per N x C plane. */
dla_status host_global_pool(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    int64_t planes = x->dims[0] * x->dims[1], len = 1;
    for (int i = 2; i < x->rank; i++)
        len *= x->dims[i];
    pool_job j;
    memset(&j, 0, sizeof j);
    j.kind = n->op == IR_OP_GlobalMaxPool ? POOL_MAX : n->op == IR_OP_GlobalLpPool ? POOL_LP : POOL_AVG;
    j.p = (int)ir_attr_int(n, "p", 2);
    if (j.kind == POOL_LP && j.p < 1)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "p = %d; GlobalLpPool needs p >= 1", j.p);
    const void *xd = x->data;
    void *yd = y->data;
    ir_dtype dt = x->dtype;
#pragma omp parallel for if (planes > 1 && planes * len >= POOL_PAR_MIN)
    for (int64_t pl = 0; pl < planes; pl++)
        ir_set_f64(dt, yd, (size_t)pl, finish(&j, global_plane(&j, dt, xd, pl, len), len));
    return DLA_OK;
}
