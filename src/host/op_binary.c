/* Host executor: broadcasting binary ops (arithmetic, comparison, logic), the variadic Max/Min/Sum/Mean,
 * PRelu and Where.
 *
 * float32 runs through per-segment kernels specialised on which side is broadcast (the walker in
 * op_elementwise.c hands each kernel a run along the innermost dim, each input with stride 0 or 1). Other types
 * compute element by element in one of three classes: double (float types), int64 (signed and small unsigned
 * integers, exact C semantics: division truncates, Mod follows the divisor's sign unless fmod=1), uint64. */
/* Lets GCC if-convert and vectorise the selects in Max/Min/PRelu (we never read FP exception flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "host/op_elementwise.h"

#include <math.h>
#include <string.h>

typedef struct bin_job {
    ir_op op;
    int fmod;     /* Mod: 1 for C fmod; BitShift: 1 for LEFT */
    ir_dtype ta, tb, to;
    const void *a, *b;
    void *o;
} bin_job;

/* ---- float32 kernels ------------------------------------------------------------------------------------ */

#define F_ADD(A, B) ((A) + (B))
#define F_SUB(A, B) ((A) - (B))
#define F_MUL(A, B) ((A) * (B))
#define F_DIV(A, B) ((A) / (B))
#define F_MAX(A, B) ((A) > (B) || (A) != (A) ? (A) : (B)) /* NaN propagates, as numpy's maximum */
#define F_MIN(A, B) ((A) < (B) || (A) != (A) ? (A) : (B))
#define F_PRELU(A, B) ((A) < 0 ? (A) * (B) : (A))
#define F_POW(A, B) powf((A), (B))
#define F_SQUARE(A, B) ((void)(B), (A) * (A))
#define F_EQ(A, B) ((A) == (B))
#define F_LT(A, B) ((A) < (B))
#define F_GT(A, B) ((A) > (B))
#define F_LE(A, B) ((A) <= (B))
#define F_GE(A, B) ((A) >= (B))

#define F32_SEG(OT, F)                                                                                        \
    do {                                                                                                      \
        OT *o = (OT *)j->o + oo;                                                                              \
        const float *a = (const float *)j->a + off[0], *b = (const float *)j->b + off[1];                    \
        if (step[0] && step[1])                                                                               \
            for (int64_t i = 0; i < len; i++)                                                                 \
                o[i] = (OT)F(a[i], b[i]);                                                                     \
        else if (step[0]) {                                                                                   \
            const float bv = b[0];                                                                            \
            for (int64_t i = 0; i < len; i++)                                                                 \
                o[i] = (OT)F(a[i], bv);                                                                       \
        } else if (step[1]) {                                                                                 \
            const float av = a[0];                                                                            \
            for (int64_t i = 0; i < len; i++)                                                                 \
                o[i] = (OT)F(av, b[i]);                                                                       \
        } else {                                                                                              \
            const OT v = (OT)F(a[0], b[0]);                                                                   \
            for (int64_t i = 0; i < len; i++)                                                                 \
                o[i] = v;                                                                                     \
        }                                                                                                     \
    } while (0)

static void seg_f32(void *arg, int64_t oo, const int64_t *off, const int64_t *step, int64_t len)
{
    const bin_job *j = arg;
    switch (j->op) {
    case IR_OP_Add: case IR_OP_Sum: case IR_OP_Mean: F32_SEG(float, F_ADD); break;
    case IR_OP_Sub: F32_SEG(float, F_SUB); break;
    case IR_OP_Mul: F32_SEG(float, F_MUL); break;
    case IR_OP_Div: F32_SEG(float, F_DIV); break;
    case IR_OP_Max: F32_SEG(float, F_MAX); break;
    case IR_OP_Min: F32_SEG(float, F_MIN); break;
    case IR_OP_PRelu: F32_SEG(float, F_PRELU); break;
    case IR_OP_Pow:
        if (!step[1] && ((const float *)j->b)[off[1]] == 2.0f) { /* x^2: the common case (variances, norms) */
            F32_SEG(float, F_SQUARE);
            break;
        }
        F32_SEG(float, F_POW);
        break;
    case IR_OP_Equal: F32_SEG(uint8_t, F_EQ); break;
    case IR_OP_Less: F32_SEG(uint8_t, F_LT); break;
    case IR_OP_Greater: F32_SEG(uint8_t, F_GT); break;
    case IR_OP_LessOrEqual: F32_SEG(uint8_t, F_LE); break;
    case IR_OP_GreaterOrEqual: F32_SEG(uint8_t, F_GE); break;
    default: break;
    }
}

static int f32_fast(ir_op op)
{
    switch (op) {
    case IR_OP_Add: case IR_OP_Sum: case IR_OP_Mean: case IR_OP_Sub: case IR_OP_Mul: case IR_OP_Div:
    case IR_OP_Max: case IR_OP_Min: case IR_OP_PRelu: case IR_OP_Pow: case IR_OP_Equal: case IR_OP_Less:
    case IR_OP_Greater: case IR_OP_LessOrEqual: case IR_OP_GreaterOrEqual:
        return 1;
    default:
        return 0;
    }
}

/* ---- generic element types ------------------------------------------------------------------------------ */

static double calc_f64(const bin_job *j, double a, double b)
{
    switch (j->op) {
    case IR_OP_Add: case IR_OP_Sum: case IR_OP_Mean: return a + b;
    case IR_OP_Sub: return a - b;
    case IR_OP_Mul: return a * b;
    case IR_OP_Div: return a / b;
    case IR_OP_Pow: return pow(a, b);
    case IR_OP_Max: return F_MAX(a, b);
    case IR_OP_Min: return F_MIN(a, b);
    case IR_OP_PRelu: return F_PRELU(a, b);
    case IR_OP_Mod: {
        double r = fmod(a, b);
        if (!j->fmod && r != 0 && (r < 0) != (b < 0)) /* Python's sign rule: the divisor's */
            r += b;
        return r;
    }
    case IR_OP_Equal: return a == b;
    case IR_OP_Less: return a < b;
    case IR_OP_Greater: return a > b;
    case IR_OP_LessOrEqual: return a <= b;
    case IR_OP_GreaterOrEqual: return a >= b;
    default: return 0;
    }
}

static int64_t ipow(int64_t base, int64_t e)
{
    if (e < 0) /* only 1 and -1 have integer reciprocals; the rest truncate to 0 */
        return base == 1 ? 1 : base == -1 ? (e % 2 ? -1 : 1) : 0;
    uint64_t r = 1, b = (uint64_t)base;
    for (; e; e >>= 1, b *= b)
        if (e & 1)
            r *= b;
    return (int64_t)r;
}

/* Integer arithmetic wraps (computed unsigned, as the fixed-width types would); x / 0 and x % 0 give 0. */
static int64_t calc_i64(const bin_job *j, int64_t a, int64_t b)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (j->op) {
    case IR_OP_Add: case IR_OP_Sum: return (int64_t)(ua + ub);
    case IR_OP_Sub: return (int64_t)(ua - ub);
    case IR_OP_Mul: return (int64_t)(ua * ub);
    case IR_OP_Mean: return (int64_t)(ua + ub); /* divided at the end */
    case IR_OP_Div: return b == 0 || (b == -1 && a == INT64_MIN) ? (b == -1 ? a : 0) : a / b;
    case IR_OP_Max: return a > b ? a : b;
    case IR_OP_Min: return a < b ? a : b;
    case IR_OP_PRelu: return a < 0 ? (int64_t)(ua * ub) : a;
    case IR_OP_Mod: {
        if (b == 0 || b == -1)
            return 0;
        int64_t r = a % b;
        if (!j->fmod && r != 0 && (r < 0) != (b < 0))
            r += b;
        return r;
    }
    case IR_OP_Equal: return a == b;
    case IR_OP_Less: return a < b;
    case IR_OP_Greater: return a > b;
    case IR_OP_LessOrEqual: return a <= b;
    case IR_OP_GreaterOrEqual: return a >= b;
    case IR_OP_BitShift: /* unsigned types only (inference checked); shifting out every bit gives 0 */
        return ub >= 64 ? 0 : (int64_t)(j->fmod ? ua << ub : ua >> ub);
    case IR_OP_And: return a && b;
    case IR_OP_Or: return a || b;
    case IR_OP_Xor: return !a != !b;
    default: return 0;
    }
}

static uint64_t calc_u64(const bin_job *j, uint64_t a, uint64_t b)
{
    switch (j->op) {
    case IR_OP_Div: return b ? a / b : 0;
    case IR_OP_Mod: return b ? a % b : 0;
    case IR_OP_Max: return a > b ? a : b;
    case IR_OP_Min: return a < b ? a : b;
    case IR_OP_Equal: return a == b;
    case IR_OP_Less: return a < b;
    case IR_OP_Greater: return a > b;
    case IR_OP_LessOrEqual: return a <= b;
    case IR_OP_GreaterOrEqual: return a >= b;
    default: return (uint64_t)calc_i64(j, (int64_t)a, (int64_t)b); /* wrapping ops agree bit for bit */
    }
}

static void seg_generic(void *arg, int64_t oo, const int64_t *off, const int64_t *step, int64_t len)
{
    const bin_job *j = arg;
    int float_class = ir_dtype_is_float(j->ta) || (j->op == IR_OP_Pow && ir_dtype_is_float(j->tb));
    for (int64_t i = 0; i < len; i++) {
        size_t ia = (size_t)(off[0] + i * step[0]), ib = (size_t)(off[1] + i * step[1]), io = (size_t)(oo + i);
        if (float_class) {
            double r = calc_f64(j, ir_get_f64(j->ta, j->a, ia), ir_get_f64(j->tb, j->b, ib));
            ir_set_f64(j->to, j->o, io, r);
        } else if (j->op == IR_OP_Pow) {
            ir_set_i64(j->to, j->o, io, ipow(ir_get_i64(j->ta, j->a, ia), ir_get_i64(j->tb, j->b, ib)));
        } else if (j->ta == IR_U64) {
            uint64_t a = ((const uint64_t *)j->a)[ia], b = ((const uint64_t *)j->b)[ib];
            uint64_t r = calc_u64(j, a, b);
            if (j->to == IR_U64)
                ((uint64_t *)j->o)[io] = r;
            else
                ir_set_i64(j->to, j->o, io, (int64_t)r);
        } else {
            ir_set_i64(j->to, j->o, io, calc_i64(j, ir_get_i64(j->ta, j->a, ia), ir_get_i64(j->tb, j->b, ib)));
        }
    }
}

/* ---- drivers -------------------------------------------------------------------------------------------- */

/* o = a op b, a and b broadcast to o's shape as described by their ranks and dims. */
static dla_status run_binary(host_ctx *ctx, ir_node *n, ir_op op, ir_tensor *o, const ir_tensor *a, int ra,
                             const int64_t *da, const ir_tensor *b, int rb, const int64_t *db)
{
    if (!a->data || !b->data)
        return ir_node_error(n, DLA_ERR_INTERNAL, "an input has no data");
    if (ir_dtype_size(a->dtype) == 0 || ir_dtype_size(b->dtype) == 0 || ir_dtype_size(o->dtype) == 0)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "%s on %s and %s is not supported", ir_op_name(op),
                             ir_dtype_name(a->dtype), ir_dtype_name(b->dtype));
    int flag = op == IR_OP_BitShift ? !strcmp(ir_attr_str(n, "direction", ""), "LEFT") : (int)ir_attr_int(n, "fmod", 0);
    bin_job j = {op, flag, a->dtype, b->dtype, o->dtype, a->data, b->data, o->data};
    ew_bcast bc;
    int ranks[2] = {ra, rb};
    const int64_t *dims[2] = {da, db};
    ew_bcast_init(&bc, o->rank, o->dims, 2, ranks, dims);
    int fast = a->dtype == IR_F32 && b->dtype == IR_F32 && f32_fast(op) &&
               (o->dtype == IR_F32 || o->dtype == IR_BOOL);
    ew_bcast_for(&bc, ctx->n_threads, fast ? seg_f32 : seg_generic, &j);
    return DLA_OK;
}

dla_status host_binary(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *a = n->in[0], *b = n->in[1];
    return run_binary(ctx, n, n->op, n->out[0], a, a->rank, a->dims, b, b->rank, b->dims);
}

/* PRelu: see infer_prelu for the per-channel reading of a 1-D slope. */
dla_status host_prelu(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0], *s = n->in[1];
    int64_t sd[IR_MAX_RANK];
    int sr = s->rank;
    memcpy(sd, s->dims, sizeof sd);
    if (s->rank == 1 && x->rank >= 2 && s->dims[0] == x->dims[1] && s->dims[0] != x->dims[x->rank - 1]) {
        sr = x->rank - 1;
        for (int i = 1; i < sr; i++)
            sd[i] = 1;
    }
    return run_binary(ctx, n, IR_OP_PRelu, n->out[0], x, x->rank, x->dims, s, sr, sd);
}

static void divide_by(host_ctx *ctx, ir_tensor *o, int count)
{
    int64_t cnt = ir_tensor_numel(o);
    if (o->dtype == IR_F32) {
        float *p = o->data, inv = 1.0f / (float)count;
        int nt = ctx->n_threads;
#pragma omp parallel for if (cnt >= EW_PAR_MIN) num_threads(nt) schedule(static)
        for (int64_t i = 0; i < cnt; i++)
            p[i] *= inv;
    } else if (ir_dtype_is_float(o->dtype)) {
        for (int64_t i = 0; i < cnt; i++)
            ir_set_f64(o->dtype, o->data, (size_t)i, ir_get_f64(o->dtype, o->data, (size_t)i) / count);
    } else {
        for (int64_t i = 0; i < cnt; i++)
            ir_set_i64(o->dtype, o->data, (size_t)i, ir_get_i64(o->dtype, o->data, (size_t)i) / count);
    }
}

/* Max, Min, Sum, Mean over 1..N inputs: folded pairwise into the output (which has the broadcast shape). */
dla_status host_variadic(host_ctx *ctx, ir_node *n)
{
    ir_tensor *o = n->out[0];
    int count = 0;
    for (int k = 0; k < n->n_in; k++) {
        const ir_tensor *in = n->in[k];
        if (!in)
            continue;
        if (count == 0) { /* the first input, broadcast to the output's shape: o = in + nothing */
            count = 1;
            if (ir_tensor_numel(in) == ir_tensor_numel(o)) {
                memcpy(o->data, in->data, ir_tensor_nbytes(o));
            } else {
                ir_tensor zero = *in; /* o = in op in is in for Max/Min; for Sum/Mean add in, then halve */
                BASE_TRY(run_binary(ctx, n, IR_OP_Max, o, in, in->rank, in->dims, &zero, in->rank, in->dims));
            }
            continue;
        }
        BASE_TRY(run_binary(ctx, n, n->op, o, o, o->rank, o->dims, in, in->rank, in->dims));
        count++;
    }
    if (count == 0)
        return ir_node_error(n, DLA_ERR_INVALID_ARG, "has no inputs; %s takes at least 1", ir_op_name(n->op));
    if (n->op == IR_OP_Mean && count > 1)
        divide_by(ctx, o, count);
    return DLA_OK;
}

/* ---- Where ---------------------------------------------------------------------------------------------- */

typedef struct where_job {
    const uint8_t *c;
    const char *x, *y;
    char *o;
    size_t es;
} where_job;

#define WHERE_SEG(T)                                                                                          \
    do {                                                                                                      \
        const T *x = (const T *)j->x + off[1], *y = (const T *)j->y + off[2];                                 \
        T *o = (T *)j->o + oo;                                                                                \
        for (int64_t i = 0; i < len; i++)                                                                     \
            o[i] = c[i * step[0]] ? x[i * step[1]] : y[i * step[2]];                                          \
    } while (0)

static void seg_where(void *arg, int64_t oo, const int64_t *off, const int64_t *step, int64_t len)
{
    const where_job *j = arg;
    const uint8_t *c = j->c + off[0];
    switch (j->es) {
    case 1: WHERE_SEG(uint8_t); break;
    case 2: WHERE_SEG(uint16_t); break;
    case 4: WHERE_SEG(uint32_t); break;
    default: WHERE_SEG(uint64_t); break;
    }
}

dla_status host_where(host_ctx *ctx, ir_node *n)
{
    ir_tensor *o = n->out[0];
    size_t es = ir_dtype_size(o->dtype);
    if (es == 0 || es > 8 || n->in[1]->dtype != o->dtype || n->in[2]->dtype != o->dtype)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "Where on %s is not supported", ir_dtype_name(o->dtype));
    where_job j = {n->in[0]->data, n->in[1]->data, n->in[2]->data, o->data, es};
    ew_bcast bc;
    const ir_tensor *in[3] = {n->in[0], n->in[1], n->in[2]};
    ew_bcast_init_tensors(&bc, o, 3, in);
    ew_bcast_for(&bc, ctx->n_threads, seg_where, &j);
    return DLA_OK;
}
