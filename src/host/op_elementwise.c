/* Host FP32 executor: elementwise family (see host.h, host_op_entry) — the op table, the broadcast walker the
 * family shares (op_elementwise.h), and the copy ops Identity and Dropout. The arithmetic lives in op_unary.c,
 * op_binary.c and op_cast.c. */
#include "host/op_elementwise.h"

#include <string.h>

void ew_bcast_init(ew_bcast *b, int out_rank, const int64_t *out_dims, int n_in, const int *in_rank,
                   const int64_t *const *in_dims)
{
    int64_t full[EW_MAX_IN][IR_MAX_RANK];
    b->n_in = n_in;
    b->numel = 1;
    for (int i = 0; i < out_rank; i++)
        b->numel *= out_dims[i];
    for (int k = 0; k < n_in; k++) {
        int64_t s = 1;
        for (int i = out_rank - 1; i >= 0; i--) {
            int ik = i - (out_rank - in_rank[k]);
            int64_t d = ik >= 0 ? in_dims[k][ik] : 1;
            full[k][i] = d == 1 ? 0 : s;
            s *= d;
        }
    }
    /* drop size-1 output dims, then merge a dim into the previous kept one when every input runs on through
     * it contiguously (or is broadcast across both) */
    int r = 0;
    for (int i = 0; i < out_rank; i++) {
        if (out_dims[i] == 1)
            continue;
        int merge = r > 0;
        for (int k = 0; k < n_in && merge; k++)
            merge = b->strides[k][r - 1] == full[k][i] * out_dims[i];
        if (merge) {
            b->dims[r - 1] *= out_dims[i];
            for (int k = 0; k < n_in; k++)
                b->strides[k][r - 1] = full[k][i];
            continue;
        }
        b->dims[r] = out_dims[i];
        for (int k = 0; k < n_in; k++)
            b->strides[k][r] = full[k][i];
        r++;
    }
    if (r == 0) {
        b->dims[0] = 1;
        for (int k = 0; k < n_in; k++)
            b->strides[k][0] = 0;
        r = 1;
    }
    b->rank = r;
}

void ew_bcast_init_tensors(ew_bcast *b, const ir_tensor *out, int n_in, const ir_tensor *const *in)
{
    int ranks[EW_MAX_IN];
    const int64_t *dims[EW_MAX_IN];
    for (int k = 0; k < n_in; k++) {
        ranks[k] = in[k]->rank;
        dims[k] = in[k]->dims;
    }
    ew_bcast_init(b, out->rank, out->dims, n_in, ranks, dims);
}

/* Walks outputs [start, end) segment by segment along the innermost dim. */
static void walk(const ew_bcast *b, int64_t start, int64_t end, ew_seg_fn fn, void *arg)
{
    int last = b->rank - 1;
    int64_t coord[IR_MAX_RANK], base[EW_MAX_IN] = {0}, off[EW_MAX_IN], step[EW_MAX_IN];
    int64_t idx = start;
    for (int d = last; d >= 0; d--) {
        coord[d] = idx % b->dims[d];
        idx /= b->dims[d];
    }
    for (int k = 0; k < b->n_in; k++) {
        step[k] = b->strides[k][last];
        for (int d = 0; d < last; d++)
            base[k] += coord[d] * b->strides[k][d];
    }
    int64_t inner = b->dims[last];
    for (int64_t pos = start; pos < end;) {
        int64_t c = coord[last], len = inner - c;
        if (len > end - pos)
            len = end - pos;
        for (int k = 0; k < b->n_in; k++)
            off[k] = base[k] + c * step[k];
        fn(arg, pos, off, step, len);
        pos += len;
        coord[last] = 0;
        for (int d = last - 1; d >= 0; d--) { /* carry into the outer coordinates */
            coord[d]++;
            for (int k = 0; k < b->n_in; k++)
                base[k] += b->strides[k][d];
            if (coord[d] < b->dims[d])
                break;
            for (int k = 0; k < b->n_in; k++)
                base[k] -= coord[d] * b->strides[k][d];
            coord[d] = 0;
        }
    }
}

void ew_bcast_for(const ew_bcast *b, int n_threads, ew_seg_fn fn, void *arg)
{
    int64_t n = b->numel;
    if (n <= 0)
        return;
    int nt = n_threads > 1 && n >= EW_PAR_MIN ? n_threads : 1;
    if (nt == 1) {
        walk(b, 0, n, fn, arg);
        return;
    }
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int c = 0; c < nt; c++)
        walk(b, n * c / nt, n * (c + 1) / nt, fn, arg);
}

/* ---- Identity, Dropout ------------------------------------------------------------------------------- */

static dla_status copy_input(ir_node *n)
{
    const ir_tensor *x = n->in[0];
    ir_tensor *y = n->out[0];
    size_t bytes = ir_tensor_nbytes(y);
    if (!x->data || ir_tensor_nbytes(x) != bytes)
        return ir_node_error(n, DLA_ERR_INTERNAL, "input '%s' has %zu bytes of data, output '%s' wants %zu",
                             x->name, ir_tensor_nbytes(x), y->name, bytes);
    if (bytes && y->data != x->data)
        memcpy(y->data, x->data, bytes);
    return DLA_OK;
}

static dla_status exec_identity(host_ctx *ctx, ir_node *n) { return copy_input(n); }

/* MT19937 as numpy's legacy RandomState seeds and reads it (np.random.seed(s); np.random.uniform()), so a
 * training-mode Dropout with a `seed` attribute reproduces the ONNX reference's mask exactly. */
typedef struct mt19937 {
    uint32_t mt[624];
    int i;
} mt19937;

static void mt_seed(mt19937 *r, uint32_t s)
{
    r->mt[0] = s;
    for (int i = 1; i < 624; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->i = 624;
}

static uint32_t mt_next(mt19937 *r)
{
    if (r->i >= 624) {
        for (int k = 0; k < 624; k++) {
            uint32_t y = (r->mt[k] & 0x80000000u) | (r->mt[(k + 1) % 624] & 0x7fffffffu);
            r->mt[k] = r->mt[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 ? 0x9908b0dfu : 0);
        }
        r->i = 0;
    }
    uint32_t y = r->mt[r->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

static double mt_uniform(mt19937 *r) /* 53 random bits in [0, 1), numpy's random_sample */
{
    uint32_t a = mt_next(r) >> 5, b = mt_next(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

static void set_mask(ir_tensor *m, int64_t i, int keep)
{
    if (m->dtype == IR_BOOL)
        ((uint8_t *)m->data)[i] = (uint8_t)keep;
    else /* opset < 10 declared the mask with the input's type */
        ir_set_f64(m->dtype, m->data, (size_t)i, keep);
}

/* Inference (the default): the output is the input and the mask all true. Training mode (opset 12+, input 2
 * true) with a ratio above 0 keeps each element with probability 1 - ratio and scales kept ones by
 * 1 / (1 - ratio), drawing from MT19937 seeded with the `seed` attribute (0 when absent). */
static dla_status exec_dropout(host_ctx *ctx, ir_node *n)
{
    const ir_tensor *x = n->in[0];
    const ir_tensor *tr = n->n_in > 2 ? n->in[2] : NULL, *rt = n->n_in > 1 ? n->in[1] : NULL;
    ir_tensor *y = n->out[0], *m = n->n_out > 1 ? n->out[1] : NULL;
    int training = tr && tr->data && ir_tensor_numel(tr) >= 1 && ir_get_i64(tr->dtype, tr->data, 0) != 0;
    double ratio = rt && rt->data && ir_tensor_numel(rt) >= 1 ? ir_get_f64(rt->dtype, rt->data, 0) : 0.5;
    int64_t cnt = ir_tensor_numel(y);
    if (!training || ratio <= 0) {
        BASE_TRY(copy_input(n));
        for (int64_t i = 0; m && i < cnt; i++)
            set_mask(m, i, 1);
        return DLA_OK;
    }
    if (!ir_dtype_is_float(x->dtype) || x->dtype != y->dtype)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "training-mode Dropout on %s is not supported",
                             ir_dtype_name(x->dtype));
    mt19937 r;
    mt_seed(&r, (uint32_t)ir_attr_int(n, "seed", 0));
    double scale = ratio < 1 ? 1.0 / (1.0 - ratio) : 0.0;
    for (int64_t i = 0; i < cnt; i++) {
        int keep = mt_uniform(&r) >= ratio;
        double v = ir_get_f64(x->dtype, x->data, (size_t)i);
        ir_set_f64(y->dtype, y->data, (size_t)i, keep ? v * scale : v * 0.0);
        if (m)
            set_mask(m, i, keep);
    }
    return DLA_OK;
}

#define U(op) {IR_OP_##op, host_unary}
#define B(op) {IR_OP_##op, host_binary}
#define V(op) {IR_OP_##op, host_variadic}

const host_op_entry host_ops_elementwise[] = {
    {IR_OP_Identity, exec_identity},
    {IR_OP_Dropout, exec_dropout},
    U(Relu), U(LeakyRelu), U(Sigmoid), U(Tanh), U(HardSigmoid), U(HardSwish), U(Elu), U(Selu), U(Celu),
    U(Softplus), U(Softsign), U(Mish), U(ThresholdedRelu), U(Shrink),
    {IR_OP_PRelu, host_prelu},
    {IR_OP_Clip, host_clip},
    U(Erf), U(Exp), U(Log), U(Sqrt), U(Abs), U(Neg), U(Reciprocal), U(Floor), U(Ceil), U(Round), U(Sign),
    U(Sin), U(Cos), U(Tan), U(Asin), U(Acos), U(Atan), U(Sinh), U(Cosh), U(Asinh), U(Acosh), U(Atanh), U(Not),
    B(Add), B(Sub), B(Mul), B(Div), B(Pow), B(Mod),
    V(Max), V(Min), V(Sum), V(Mean),
    B(Equal), B(Less), B(Greater), B(LessOrEqual), B(GreaterOrEqual), B(And), B(Or), B(Xor),
    {IR_OP_Where, host_where},
    {IR_OP_Cast, host_cast},
    {IR_OP_CastLike, host_cast},
    {IR_OP_QuantizeLinear, host_quantize},
    {IR_OP_DequantizeLinear, host_dequantize},
    {IR_OP_DynamicQuantizeLinear, host_dynamic_quantize},
    {IR_OP_IsInf, host_isclass},
    {IR_OP_IsNaN, host_isclass},
    B(BitShift),
    {-1, NULL},
};
