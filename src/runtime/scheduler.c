/* runtime scheduler: the order in which a DLA task's engine ops run, from their dependency graph, and the task's
 * execution on the engine model.
 *
 * A faithful but simple version of the NVDLA firmware scheduler (reference/engine.md §2.3):
 *   - each processor takes its ops in list order and programs them into RT_GROUPS register groups; programming an
 *     op raises its PROGRAMMED event; a group frees when its op completes;
 *   - an op is enabled once programmed with its dependency_count at 0; enabling raises ENABLED;
 *   - an event of op X decrements every consumer of X waiting for that event, and X's fused parent when
 *     fused_parent.event matches (so a fused SDP enabled before its CONV releases the CONV);
 *   - an enabled op whose source is in memory runs; an op whose source is the pipe (ENG_MEM_HW) runs right after
 *     the producer that filled the pipe, once enabled; while the pipe holds a producer's output no other producer
 *     may run, but ops that do not touch the pipe may;
 *   - a finished op raises COMPLETED.
 * The dependency counts are copied, never decremented in the op records (the firmware decrements them in DRAM and
 * the UMD re-uploads them before each submit). Ties between runnable ops go to the lowest index, so the order is
 * deterministic. The order does not depend on data: it is computed once at load (a loadable whose graph
 * deadlocks is refused there) and followed on every run.
 */
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const unit_names[ENG_OP_TYPE_COUNT] = {"BDMA", "CONV", "SDP", "PDP", "CDP", "RUBIK"};

double rt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const eng_cube *op_src(const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_CONV: return &op->u.conv.src;
    case ENG_OP_SDP: return &op->u.sdp.src;
    case ENG_OP_PDP: return &op->u.pdp.src;
    case ENG_OP_CDP: return &op->u.cdp.src;
    case ENG_OP_RUBIK: return &op->u.rubik.src;
    default: return NULL;
    }
}

static const eng_cube *op_dst(const eng_op *op)
{
    switch (op->type) {
    case ENG_OP_CONV: return &op->u.conv.dst;
    case ENG_OP_SDP: return &op->u.sdp.dst;
    case ENG_OP_PDP: return &op->u.pdp.dst;
    case ENG_OP_CDP: return &op->u.cdp.dst;
    case ENG_OP_RUBIK: return &op->u.rubik.dst;
    default: return NULL;
    }
}

static int reads_pipe(const eng_op *op)
{
    const eng_cube *c = op_src(op);
    return c && c->mem_type == ENG_MEM_HW;
}

static int writes_pipe(const eng_op *op)
{
    const eng_cube *c = op_dst(op);
    return c && c->mem_type == ENG_MEM_HW;
}

typedef struct sched {
    const eng_op *ops;
    int n;
    const char *what;
    int *deps, *programmed, *enabled, *done;
    dla_status err;
} sched;

static void dec(sched *s, int from, int j, int event)
{
    if (s->err != DLA_OK)
        return;
    if (s->deps[j] == 0) {
        s->err = base_error(DLA_ERR_FORMAT, "%s: engine op %d (%s): event %d of op %d would drive its "
                            "dependency_count %u below zero (more events target it than it counts)", s->what, j,
                            unit_names[s->ops[j].type], event, from, s->ops[j].dependency_count);
        return;
    }
    s->deps[j]--;
}

/* Raises `event` of op i: its consumers waiting for that event and its fused parent. */
static void fire(sched *s, int i, int event)
{
    const eng_op *op = &s->ops[i];
    for (int c = 0; c < ENG_MAX_CONSUMERS; c++)
        if (op->consumers[c].index >= 0 && op->consumers[c].event == event)
            dec(s, i, op->consumers[c].index, event);
    if (op->fused_parent.index >= 0 && op->fused_parent.event == event)
        dec(s, i, op->fused_parent.index, event);
}

static dla_status deadlock(const sched *s, int n_done)
{
    int first = -1, unprog = -1;
    for (int i = 0; i < s->n; i++) {
        if (s->done[i])
            continue;
        if (first < 0)
            first = i;
        if (unprog < 0 && !s->programmed[i])
            unprog = i;
    }
    if (first < 0)
        return base_error(DLA_ERR_INTERNAL, "%s: scheduler stalled with every op done", s->what);
    char extra[160] = "";
    if (unprog >= 0)
        snprintf(extra, sizeof extra, "; op %d (%s) is not programmed: its processor's %d register groups are all "
                 "taken by ops that wait", unprog, unit_names[s->ops[unprog].type], RT_GROUPS);
    return base_error(DLA_ERR_FORMAT, "%s: the engine ops' dependency graph deadlocks (%d of %d ops ran): op %d (%s) "
                      "is %s with %d of its dependency_count %u outstanding%s", s->what, n_done, s->n, first,
                      unit_names[s->ops[first].type],
                      s->enabled[first] ? "enabled but waits for a pipe producer"
                                        : s->programmed[first] ? "programmed" : "not programmed",
                      s->deps[first], s->ops[first].dependency_count, extra);
}

/* Programs what the free register groups allow and enables ops whose count reached 0. Returns 1 on progress. */
static int program_and_enable(sched *s, int *next_prog, int *inflight)
{
    int progress = 0;
    for (int t = 0; t < ENG_OP_TYPE_COUNT; t++)
        while (inflight[t] < RT_GROUPS && s->err == DLA_OK) {
            int j = next_prog[t];
            while (j < s->n && s->ops[j].type != t)
                j++;
            next_prog[t] = j + 1;
            if (j >= s->n)
                break;
            s->programmed[j] = 1;
            inflight[t]++;
            fire(s, j, ENG_EVENT_PROGRAMMED);
            progress = 1;
        }
    for (int again = 1; again && s->err == DLA_OK;) {
        again = 0;
        for (int j = 0; j < s->n; j++)
            if (s->programmed[j] && !s->enabled[j] && s->deps[j] == 0) {
                s->enabled[j] = 1;
                fire(s, j, ENG_EVENT_ENABLED);
                again = progress = 1;
            }
    }
    return progress;
}

/* The op that reads what producer p left in the pipe: the pipe reader naming p as its fused parent, else the first
 * pipe reader after p in list order that has not run. -1: none. */
static int pipe_consumer(const sched *s, int p)
{
    for (int j = 0; j < s->n; j++)
        if (!s->done[j] && reads_pipe(&s->ops[j]) && s->ops[j].fused_parent.index == p)
            return j;
    for (int j = p + 1; j < s->n; j++)
        if (!s->done[j] && reads_pipe(&s->ops[j]))
            return j;
    return -1;
}

/* The op to run next: the pipe's consumer when the pipe is full (or meanwhile any enabled op not touching the
 * pipe), else the lowest enabled op reading memory. -1: none now. */
static int pick(const sched *s, int pipe_owner)
{
    if (pipe_owner >= 0) {
        int c = pipe_consumer(s, pipe_owner);
        if (c >= 0 && s->enabled[c])
            return c;
    }
    for (int j = 0; j < s->n; j++) {
        if (!s->enabled[j] || s->done[j] || reads_pipe(&s->ops[j]))
            continue;
        if (pipe_owner < 0 || !writes_pipe(&s->ops[j]))
            return j;
    }
    return -1;
}

dla_status rt_schedule(const eng_op *ops, int n_ops, const char *what, int *order)
{
    if (n_ops <= 0)
        return DLA_OK;
    sched s = {.ops = ops, .n = n_ops, .what = what, .err = DLA_OK};
    int *mem = calloc((size_t)n_ops * 4, sizeof(int));
    if (!mem)
        return base_error(DLA_ERR_NOMEM, "%s: out of memory for the scheduler", what);
    s.deps = mem;
    s.programmed = mem + n_ops;
    s.enabled = mem + 2 * n_ops;
    s.done = mem + 3 * n_ops;
    for (int i = 0; i < n_ops; i++)
        s.deps[i] = ops[i].dependency_count;
    int next_prog[ENG_OP_TYPE_COUNT] = {0}, inflight[ENG_OP_TYPE_COUNT] = {0};
    int n_done = 0, pipe_owner = -1;
    dla_status st = DLA_OK;
    while (n_done < n_ops) {
        int progress = program_and_enable(&s, next_prog, inflight);
        if (s.err != DLA_OK) {
            st = s.err;
            break;
        }
        int j = pick(&s, pipe_owner);
        if (j < 0) {
            if (progress)
                continue;
            st = deadlock(&s, n_done);
            break;
        }
        const eng_op *op = &ops[j];
        if (pipe_owner >= 0 && pipe_consumer(&s, pipe_owner) < 0) {
            st = base_error(DLA_ERR_FORMAT, "%s: engine op %d (%s) writes the pipe (dst on the fly) but no later op "
                            "reads it", what, pipe_owner, unit_names[ops[pipe_owner].type]);
            break;
        }
        if (reads_pipe(op) || writes_pipe(op)) {
            /* a pipe consumer follows its producer; a producer needs the pipe empty (pick guarantees both) */
            pipe_owner = writes_pipe(op) ? j : -1;
        }
        order[n_done++] = j;
        s.done[j] = 1;
        inflight[op->type]--;
        fire(&s, j, ENG_EVENT_COMPLETED);
        if (s.err != DLA_OK) {
            st = s.err;
            break;
        }
    }
    if (st == DLA_OK && pipe_owner >= 0)
        st = base_error(DLA_ERR_FORMAT, "%s: engine op %d (%s) writes the pipe (dst on the fly) but no later op "
                        "reads it", what, pipe_owner, unit_names[ops[pipe_owner].type]);
    free(mem);
    return st;
}

/* ---- load-time checks ------------------------------------------------------------------------------------- */

static dla_status check_cube(const eng_ctx *ctx, const eng_op *op, const eng_cube *c, const char *name,
                             const char *what)
{
    if (c->mem_type == ENG_MEM_HW || c->size == 0)
        return DLA_OK; /* unused operands are zeroed; a used cube of size 0 fails its processor's geometry check */
    dla_status st = eng_cube_check(ctx, op, c, name);
    if (st != DLA_OK)
        return rt_wrap(st, "%s", what);
    return DLA_OK;
}

static dla_status check_lut(const eng_op *op, int lut, int n_luts, const char *what)
{
    if (lut >= n_luts || lut < -1)
        return base_error(DLA_ERR_FORMAT, "%s: engine op %d (%s): LUT index %d; the task has %d LUTs", what,
                          op->index, unit_names[op->type], lut, n_luts);
    return DLA_OK;
}

static dla_status check_bdma_side(const eng_op *op, int t, const char *side, int mem, uint64_t end,
                                  const eng_buffer *bufs, int n_bufs, const char *what)
{
    if (mem < 0 || mem >= n_bufs)
        return base_error(DLA_ERR_FORMAT, "%s: engine op %d (BDMA) transfer %d: %s buffer %d; the task has %d",
                          what, op->index, t, side, mem, n_bufs);
    if (end > bufs[mem].size)
        return base_error(DLA_ERR_FORMAT, "%s: engine op %d (BDMA) transfer %d: %s ends at byte %llu of buffer %d, "
                          "which has %zu", what, op->index, t, side, (unsigned long long)end, mem, bufs[mem].size);
    return DLA_OK;
}

static dla_status check_bdma(const eng_op *op, const eng_buffer *bufs, int n_bufs, const char *what)
{
    const eng_bdma_op *b = &op->u.bdma;
    for (int t = 0; t < b->num_transfers; t++) {
        const eng_bdma_transfer *x = &b->transfers[t];
        if (!x->line_size || !x->line_repeat || !x->surface_repeat)
            return base_error(DLA_ERR_FORMAT, "%s: engine op %d (BDMA) transfer %d: line_size %u, line_repeat %u, "
                              "surface_repeat %u; each must be >= 1", what, op->index, t, x->line_size,
                              x->line_repeat, x->surface_repeat);
        uint64_t rows = (uint64_t)(x->surface_repeat - 1), lines = (uint64_t)(x->line_repeat - 1);
        uint64_t send = x->src_offset + rows * x->src_surface_stride + lines * x->src_line_stride + x->line_size;
        uint64_t dend = x->dst_offset + rows * x->dst_surface_stride + lines * x->dst_line_stride + x->line_size;
        BASE_TRY(check_bdma_side(op, t, "source", x->src_mem, send, bufs, n_bufs, what));
        BASE_TRY(check_bdma_side(op, t, "destination", x->dst_mem, dend, bufs, n_bufs, what));
    }
    return DLA_OK;
}

dla_status rt_check_op(const eng_op *op, const eng_buffer *bufs, int n_bufs, int n_luts, const char *what)
{
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = (eng_buffer *)bufs;
    ctx.n_bufs = n_bufs;
    switch (op->type) {
    case ENG_OP_CONV:
        BASE_TRY(check_cube(&ctx, op, &op->u.conv.src, "source", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.conv.weight, "weights", what));
        return check_cube(&ctx, op, &op->u.conv.dst, "destination", what);
    case ENG_OP_SDP:
        BASE_TRY(check_cube(&ctx, op, &op->u.sdp.src, "source", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.sdp.x1_data, "X1 operand", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.sdp.x2_data, "X2 operand", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.sdp.y_data, "Y operand", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.sdp.dst, "destination", what));
        return check_lut(op, op->u.sdp.lut_index, n_luts, what);
    case ENG_OP_PDP:
        BASE_TRY(check_cube(&ctx, op, &op->u.pdp.src, "source", what));
        return check_cube(&ctx, op, &op->u.pdp.dst, "destination", what);
    case ENG_OP_CDP:
        BASE_TRY(check_cube(&ctx, op, &op->u.cdp.src, "source", what));
        BASE_TRY(check_cube(&ctx, op, &op->u.cdp.dst, "destination", what));
        return check_lut(op, op->u.cdp.lut_index, n_luts, what);
    case ENG_OP_RUBIK:
        BASE_TRY(check_cube(&ctx, op, &op->u.rubik.src, "source", what));
        return check_cube(&ctx, op, &op->u.rubik.dst, "destination", what);
    case ENG_OP_BDMA:
        return check_bdma(op, bufs, n_bufs, what);
    default:
        return base_error(DLA_ERR_FORMAT, "%s: engine op %d: unknown processor type %u", what, op->index, op->type);
    }
}

/* ---- execution -------------------------------------------------------------------------------------------- */

dla_status rt_dla_run(dla_module *mod, rt_dla_task *dt, double t0, eng_stats *st)
{
    const ldb_task *task = &mod->view.tasks[dt->task];
    eng_buffer bufs_small[16];
    eng_buffer *bufs = task->n_addresses <= 16 ? bufs_small : malloc(sizeof *bufs * task->n_addresses);
    if (!bufs)
        return base_error(DLA_ERR_NOMEM, "module '%s' task %u '%s': out of memory", mod->name, dt->task, task->name);
    eng_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bufs = bufs;
    ctx.n_bufs = (int)task->n_addresses;
    ctx.luts = dt->luts;
    ctx.n_luts = dt->n_luts;
    ctx.pipe = dt->pipe;
    for (int j = 0; j < dt->n_ops; j++)
        dt->op_ms[j] = dt->op_start_ms[j] = 0;
    dla_status status = DLA_OK;
    for (uint32_t img = 0; status == DLA_OK && img < dt->batch; img++) {
        for (uint32_t i = 0; i < task->n_addresses; i++) {
            const ldb_address *a = &mod->view.addresses[task->addresses[i]];
            uint8_t *base = mod->mem_ptr[a->mem] + a->offset;
            bufs[i].data = dt->stride[i] ? base + img * dt->stride[i] : base;
            bufs[i].size = (size_t)(dt->stride[i] ? dt->stride[i] : a->size);
        }
        for (int k = 0; k < dt->n_ops; k++) {
            int j = dt->order[k];
            const eng_op *op = &dt->ops[j];
            double a = rt_now();
            status = eng_exec_op(&ctx, op);
            double b = rt_now();
            if (img == 0)
                dt->op_start_ms[j] = (a - t0) * 1e3;
            dt->op_ms[j] += (b - a) * 1e3;
            if (status != DLA_OK) {
                const char *layer = "";
                for (uint32_t l = 0; l < task->n_layers; l++)
                    if ((uint32_t)j >= task->layers[l].first_op &&
                        (uint32_t)j < task->layers[l].first_op + task->layers[l].op_count)
                        layer = task->layers[l].name;
                char where[64] = "";
                if (dt->batch > 1)
                    snprintf(where, sizeof where, ", image %u of %u", img, dt->batch);
                status = rt_wrap(status, "module '%s' task %u '%s': engine op %d (%s%s%s%s%s)", mod->name, dt->task,
                                 task->name, j, unit_names[op->type], *layer ? ", layer '" : "", layer,
                                 *layer ? "'" : "", where);
                break;
            }
        }
    }
    dt->pipe = ctx.pipe; /* the engine may have grown it */
    *st = ctx.stats;
    if (bufs != bufs_small)
        free(bufs);
    return status;
}
