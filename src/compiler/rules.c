/* The DLA support-rule table (expanded from rules.def), the general rules every DLA layer obeys, and
 * cc_check_node(), which applies them and then the op's own check (rules_*.c). */
#include "compiler/rules.h"

#include <stdio.h>
#include <string.h>

/* ---- the table ----------------------------------------------------------------------------------------- */

/* One enumerator per row: a second row for the same op is a compile error ("redeclaration of enumerator"). */
enum {
#define CC_RULE(op, unit, prec, how, check, text) cc_row_##op,
#include "compiler/rules.def"
#undef CC_RULE
    CC_N_RULES
};

static const cc_rule rows[CC_N_RULES] = {
#define CC_RULE(op, unit, prec, how, check, text) {IR_OP_##op, CC_UNIT_##unit, (prec), CC_HOW_##how, text, check},
#include "compiler/rules.def"
#undef CC_RULE
};

/* row index + 1 by op value; 0: the op has no row (test_rules fails on that; placement falls back to the host) */
static const short row_of_op[IR_OP_COUNT] = {
#define CC_RULE(op, unit, prec, how, check, text) [IR_OP_##op] = cc_row_##op + 1,
#include "compiler/rules.def"
#undef CC_RULE
};

static const cc_rule no_rule = {-1, CC_UNIT_NONE, 0, CC_HOW_HOST, "no DLA rule for this op", NULL};

const cc_rule *cc_rule_for(ir_op op)
{
    if ((unsigned)op >= (unsigned)IR_OP_COUNT || !row_of_op[op])
        return &no_rule;
    return &rows[row_of_op[op] - 1];
}

int cc_rule_count(void)
{
    return CC_N_RULES;
}

const cc_rule *cc_rule_at(int i)
{
    return i >= 0 && i < CC_N_RULES ? &rows[i] : NULL;
}

const char *cc_unit_name(cc_unit u)
{
    static const char *const names[CC_UNIT_COUNT] = {"-", "CONV", "SDP", "PDP", "CDP", "RUBIK", "BDMA"};
    return (unsigned)u < CC_UNIT_COUNT ? names[u] : "?";
}

const char *cc_how_name(cc_how h)
{
    static const char *const names[] = {"native", "rewrite", "build time", "host"};
    return (unsigned)h <= CC_HOW_HOST ? names[h] : "?";
}

/* ---- helpers shared by the check functions (rules.h) --------------------------------------------------- */

int cc_fail(char *reason, size_t size, const char *fmt, ...)
{
    if (reason && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, size, fmt, ap);
        va_end(ap);
    }
    return 0;
}

int cc_is_const(const ir_tensor *t)
{
    return t && t->data && t->data_kind == IR_DATA_CONST;
}

int cc_has_in(const ir_node *n, int idx)
{
    return idx < n->n_in && n->in[idx];
}

int cc_need_4d(const ir_node *n, int idx, char *reason, size_t size)
{
    const ir_tensor *x = cc_has_in(n, idx) ? n->in[idx] : NULL;
    if (!x)
        return cc_fail(reason, size, "input %d is missing", idx);
    if (x->rank < 0)
        return cc_fail(reason, size, "input %d has an unknown shape; DLA needs static 4-D tensors here", idx);
    if (x->rank != 4)
        return cc_fail(reason, size, "DLA only supports 4-D tensors for this layer; input %d is %d-D", idx, x->rank);
    return 1;
}

int cc_need_const(const ir_node *n, int idx, const char *what, char *reason, size_t size)
{
    if (cc_has_in(n, idx) && !cc_is_const(n->in[idx]))
        return cc_fail(reason, size, "%s not a build-time constant", what);
    return 1;
}

int cc_norm_axis(int64_t axis, int rank)
{
    if (axis < 0)
        axis += rank;
    return axis >= 0 && axis < rank ? (int)axis : -1;
}

const char *cc_platform_name(cc_platform p)
{
    return p == CC_XAVIER ? "Xavier" : "Orin";
}

void cc_nchw(const ir_tensor *t, int64_t d[4])
{
    int r = t->rank < 0 ? 0 : t->rank;
    for (int i = 0; i < 4; i++) {
        int src = r - 4 + i;
        d[i] = src >= 0 ? t->dims[src] : 1;
    }
}

int cc_operand_class(const ir_tensor *operand, const ir_tensor *out)
{
    int64_t p[4], o[4];
    cc_nchw(operand, p);
    cc_nchw(out, o);
    if (p[0] != 1 && p[0] != o[0])
        return -1;
    if (p[1] == o[1] && p[2] == o[2] && p[3] == o[3])
        return 0;
    if (p[1] == o[1] && p[2] == 1 && p[3] == 1)
        return 1;
    if (p[1] == 1 && p[2] == 1 && p[3] == 1)
        return 2;
    return -1;
}

int cc_check_broadcast(const ir_node *n, char *reason, size_t size)
{
    const ir_tensor *out = n->out[0];
    char a[96], b[96];
    int full = 0;
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i])
            continue;
        int cls = cc_operand_class(n->in[i], out);
        if (cls < 0)
            return cc_fail(reason, size,
                           "input %d (%s) is neither per-tensor, per-channel nor of the output's shape %s; DLA "
                           "element-wise operands broadcast only those ways",
                           i, ir_shape_str(n->in[i], a, sizeof a), ir_shape_str(out, b, sizeof b));
        int64_t p[4], o[4];
        cc_nchw(n->in[i], p);
        cc_nchw(out, o);
        /* the lowering streams a second operand only from a computed surface; constants go in as per-tensor
         * or per-channel SDP operands */
        if (cls == 0 && n->in[i]->data_kind == IR_DATA_CONST && o[2] * o[3] > 1)
            return cc_fail(reason, size,
                           "input %d is a per-element constant (%s); constant DLA element-wise operands must be "
                           "per-tensor or per-channel in dlakit's SDP lowering",
                           i, ir_shape_str(n->in[i], a, sizeof a));
        full |= cls == 0 && p[0] == o[0];
    }
    if (!full)
        return cc_fail(reason, size,
                       "no input has the output's shape %s; the DLA streams one full-shape operand and broadcasts "
                       "the other",
                       ir_shape_str(out, b, sizeof b));
    return 1;
}

/* ---- general rules (dla-facts §2.1) --------------------------------------------------------------------- */

static int is_comparison(ir_op op)
{
    return op == IR_OP_Equal || op == IR_OP_Less || op == IR_OP_Greater || op == IR_OP_LessOrEqual ||
           op == IR_OP_GreaterOrEqual;
}

/* bool is a DLA tensor only as a comparison's 0/1 output and as the input of the Cast that consumes it. */
static int bool_allowed(ir_op op, int is_output)
{
    return is_output ? is_comparison(op) : (op == IR_OP_Cast || op == IR_OP_CastLike);
}

static int check_tensor(const ir_node *n, const ir_tensor *t, const char *role, int idx, int is_output,
                        char *reason, size_t size)
{
    char s[96];
    if (t->rank < 0)
        return cc_fail(reason, size, "%s %d has an unknown shape; DLA needs static shapes", role, idx);
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] < 0)
            return cc_fail(reason, size, "%s %d has a dynamic dimension (%s); DLA needs static shapes", role, idx,
                           ir_shape_str(t, s, sizeof s));
    if (t->rank > CC_MAX_RANK)
        return cc_fail(reason, size, "rank %d of %s %d (%s) exceeds the DLA limit of %d", t->rank, role, idx,
                       ir_shape_str(t, s, sizeof s), CC_MAX_RANK);
    int first = t->rank == 4 ? 1 : 0; /* rank 4: dim 0 is the batch; lower ranks are C, H, W right-aligned */
    int64_t batch = t->rank == 4 ? t->dims[0] : 1;
    for (int d = 0; d < t->rank; d++) {
        if (t->dims[d] < 1)
            return cc_fail(reason, size, "dimension %lld (axis %d of %s %d) is below the DLA minimum of 1",
                           (long long)t->dims[d], d, role, idx);
        if (d >= first && t->dims[d] > CC_MAX_DIM)
            return cc_fail(reason, size, "dimension %lld (axis %d of %s %d) exceeds the DLA limit of %d",
                           (long long)t->dims[d], d, role, idx, CC_MAX_DIM);
    }
    if (batch > CC_MAX_BATCH)
        return cc_fail(reason, size, "batch %lld (%s %d) exceeds the DLA limit of %d", (long long)batch, role, idx,
                       CC_MAX_BATCH);
    if (ir_tensor_numel(t) > CC_MAX_VOLUME)
        return cc_fail(reason, size, "volume %lld elements (%s %d, %s) exceeds the limit of %lld (2^31 - 1)",
                       (long long)ir_tensor_numel(t), role, idx, ir_shape_str(t, s, sizeof s),
                       (long long)CC_MAX_VOLUME);
    if (t->dtype == IR_F32 || t->dtype == IR_F16 || (t->dtype == IR_BOOL && bool_allowed(n->op, is_output)))
        return 1;
    if (!is_output && t->dtype != IR_BOOL && !ir_dtype_is_float(t->dtype))
        return cc_fail(reason, size,
                       "input %d (%s) is not a build-time constant; integer tensors reach the DLA only as build-time "
                       "parameters",
                       idx, ir_dtype_name(t->dtype));
    return cc_fail(reason, size,
                   "%s %d is %s; DLA tensors are float32 or float16 in the model (FP16/INT8 on the engine)", role,
                   idx, ir_dtype_name(t->dtype));
}

static int check_precision(const cc_target *t, const cc_rule *r, char *reason, size_t size)
{
    unsigned allowed = t->precisions & (CC_FP16 | CC_INT8);
    if (!allowed)
        return cc_fail(reason, size,
                       "the build allows neither FP16 nor INT8; the DLA runs only FP16 and INT8 (use --fp16 or "
                       "--int8)");
    if (r->precisions & allowed)
        return 1;
    if (r->precisions == CC_INT8)
        return cc_fail(reason, size, "runs only in INT8 on the DLA; the build allows FP16 only (use --int8)");
    if (r->precisions == CC_FP16)
        return cc_fail(reason, size, "runs only in FP16 on the DLA; the build allows INT8 only (use --fp16)");
    return cc_fail(reason, size, "no DLA precision of this layer is allowed by the build");
}

/* Secondary outputs that nothing reads (Dropout's mask, MaxPool's Indices when unused) are not DLA tensors. */
static int output_used(const ir_node *n, int i)
{
    const ir_tensor *o = n->out[i];
    return o && (i == 0 || o->n_consumers > 0 || (o->flags & IR_T_OUTPUT));
}

/* An integer input after the first that is not a constant: a parameter (axes, pads, shape, ...) that the op's own
 * check names better ("axes are not a build-time constant"), so the general rules leave it to the end. */
static int is_param(const ir_node *n, int i)
{
    const ir_tensor *x = n->in[i];
    return i > 0 && x && !cc_is_const(x) && x->dtype != IR_BOOL && !ir_dtype_is_float(x->dtype);
}

static int check_params(const ir_node *n, char *reason, size_t size)
{
    for (int i = 0; i < n->n_in; i++)
        if (is_param(n, i))
            return cc_fail(reason, size,
                           "input %d (%s) is not a build-time constant; integer tensors reach the DLA only as "
                           "build-time parameters",
                           i, ir_dtype_name(n->in[i]->dtype));
    return 1;
}

static int check_general(const cc_target *t, const cc_rule *r, const ir_node *n, int defer_params, char *reason,
                         size_t size)
{
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i] || cc_is_const(n->in[i]) || (defer_params && is_param(n, i)))
            continue;
        if (!check_tensor(n, n->in[i], "input", i, 0, reason, size))
            return 0;
    }
    for (int i = 0; i < n->n_out; i++)
        if (output_used(n, i) && !check_tensor(n, n->out[i], "output", i, 1, reason, size))
            return 0;
    return check_precision(t, r, reason, size);
}

int cc_leftover(const ir_node *n, const char *what, char *reason, size_t size)
{
    static const cc_target any = {CC_ORIN, CC_FP16 | CC_INT8};
    static const cc_rule loose = {-1, CC_UNIT_NONE, CC_FP16 | CC_INT8, CC_HOW_REWRITE, "", NULL};
    if (!check_general(&any, &loose, n, 0, reason, size))
        return 0;
    return cc_fail(reason, size, "the rewrite into %s did not apply (the rewrite passes did not run)", what);
}

int cc_check_node(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    static const cc_target dflt = {CC_ORIN, CC_FP16 | CC_INT8};
    const cc_rule *r = cc_rule_for(n->op);
    if (!t)
        t = &dflt;
    if (reason && size)
        reason[0] = '\0';
    switch (r->how) {
    case CC_HOW_HOST:
        return cc_fail(reason, size, "no DLA implementation: %s", r->restrictions);
    case CC_HOW_BUILD_TIME:
        return r->check ? r->check(t, n, reason, size) : 1;
    case CC_HOW_REWRITE:
        /* the rewrite's conditions first: they say why the pass left the node, which is the useful reason */
        if (r->check && !r->check(t, n, reason, size))
            return 0;
        return check_general(t, r, n, 0, reason, size);
    case CC_HOW_NATIVE:
    default:
        if (!check_general(t, r, n, 1, reason, size))
            return 0;
        if (r->check && !r->check(t, n, reason, size))
            return 0;
        return check_params(n, reason, size);
    }
}
