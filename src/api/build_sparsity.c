/* Public: dla_loadable_sparsity (dla/compiler.h) — what a loadable's convolutions do with 2:4 structured sparsity,
 * read from the CONV op records (eng_conv_op.sparse, the weight cube's channels per group, the precision); and
 * the build's log line about it (api_log_sparsity, build_api.c). */
#include "api_internal.h"
#include "base/base.h"
#include "compiler/sparsity.h"
#include "engine/codec.h"
#include "loadable/loadable.h"

#include <stdio.h>
#include <string.h>

/* Adds task t's convolutions to *out. A conv is counted at its first op (band or phase 0). */
static dla_status count_task(const ldb_task *t, uint32_t ti, dla_sparsity_summary *out)
{
    for (uint32_t i = 0; i < t->ops.count; i++) {
        eng_op op;
        BASE_TRY(eng_op_decode((const uint8_t *)t->ops.data + (size_t)i * ENG_OP_RECORD_BYTES, ENG_OP_RECORD_BYTES,
                               (int)i, NULL, &op));
        if (op.type != ENG_OP_CONV)
            continue;
        const eng_conv_op *c = &op.u.conv;
        if (c->split_index != 0)
            continue;
        if (c->in_precision != ENG_INT8) {
            out->fp16_convs++;
            if (c->sparse)
                return base_error(DLA_ERR_FORMAT, "task %u op %u: an FP16 convolution marked 2:4 sparse", ti, i);
            continue;
        }
        out->int8_convs++;
        if (c->sparse)
            out->sparse_convs++;
        else if (c->weight.channel <= CC_SPARSE_MIN_CG)
            out->small_c++;
        else
            out->dense++;
    }
    return DLA_OK;
}

dla_status dla_loadable_sparsity(const void *loadable, size_t size, int task, dla_sparsity_summary *out)
{
    base_clear_error();
    if (!out || (!loadable && size))
        return base_error(DLA_ERR_INVALID_ARG, "dla_loadable_sparsity: out and the loadable must not be NULL");
    memset(out, 0, sizeof *out);
    ldb_view v;
    BASE_TRY(ldb_parse(loadable, size, &v));
    dla_status st = DLA_OK;
    if (task >= 0 && ((uint32_t)task >= v.n_tasks || v.tasks[task].type != LDB_TASK_DLA))
        st = base_error(DLA_ERR_INVALID_ARG, "dla_loadable_sparsity: task %d is not a DLA task (the loadable has %u "
                        "tasks)", task, v.n_tasks);
    for (uint32_t t = 0; st == DLA_OK && t < v.n_tasks; t++)
        if (v.tasks[t].type == LDB_TASK_DLA && (task < 0 || (uint32_t)task == t))
            st = count_task(&v.tasks[t], t, out);
    ldb_view_free(&v);
    if (st != DLA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

dla_status api_log_sparsity(const void *bytes, size_t size, const char *requested, int platform_xavier, int int8)
{
    cc_sparsity mode;
    BASE_TRY(cc_parse_sparsity(requested, &mode));
    if (mode == CC_SPARSITY_DISABLE)
        return DLA_OK;
    if (platform_xavier) {
        base_log(DLA_LOG_WARN, "--sparsity=%s: Xavier's DLA has no structured sparsity; every convolution runs dense",
                 cc_sparsity_name(mode));
        return DLA_OK;
    }
    dla_sparsity_summary s;
    BASE_TRY(dla_loadable_sparsity(bytes, size, -1, &s));
    if (!int8 || !s.int8_convs) { /* without int8 the caller asked for FP16: INFO (dla exec warns itself) */
        base_log(int8 ? DLA_LOG_WARN : DLA_LOG_INFO, "--sparsity=%s: 2:4 sparsity applies to INT8 convolutions "
                 "only, and this build has none (%d FP16): every convolution runs dense", cc_sparsity_name(mode),
                 s.fp16_convs);
        return DLA_OK;
    }
    char dense[64] = "";
    if (s.dense)
        snprintf(dense, sizeof dense, "; %d dense (weights not 2:4)", s.dense);
    base_log(DLA_LOG_INFO, "2:4 sparsity (%s): %d of %d INT8 convs %ssparse; %d not eligible (C <= %d)%s",
             cc_sparsity_name(mode), s.sparse_convs, s.int8_convs, mode == CC_SPARSITY_FORCE ? "pruned and " : "",
             s.small_c, CC_SPARSE_MIN_CG, dense);
    if (mode == CC_SPARSITY_FORCE && s.sparse_convs)
        base_log(DLA_LOG_WARN, "--sparsity=force: the weights of %d INT8 convolution%s were pruned to 2:4; this is "
                 "for performance evaluation, accuracy is not preserved", s.sparse_convs,
                 s.sparse_convs == 1 ? "" : "s");
    return DLA_OK;
}
