/* Tensor shape helpers and broadcasting. */
#include "ir/ir.h"

#include <stdio.h>
#include <string.h>

int64_t ir_tensor_numel(const ir_tensor *t)
{
    if (t->rank < 0)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0)
            return -1;
        if (t->dims[i] && n > IR_MAX_NUMEL / t->dims[i])
            return -1;
        n *= t->dims[i];
    }
    return n;
}

size_t ir_tensor_nbytes(const ir_tensor *t)
{
    int64_t n = ir_tensor_numel(t);
    return n < 0 ? 0 : (size_t)n * ir_dtype_size(t->dtype);
}

int ir_tensor_shape_known(const ir_tensor *t) { return ir_tensor_numel(t) >= 0; }

void ir_tensor_set_shape(ir_tensor *t, int rank, const int64_t *dims)
{
    t->rank = rank;
    for (int i = 0; i < IR_MAX_RANK; i++) {
        t->dims[i] = i < rank ? dims[i] : 0;
        if (i >= rank)
            t->dim_param[i] = NULL;
    }
}

const char *ir_shape_str(const ir_tensor *t, char *buf, size_t size)
{
    if (t->rank < 0) {
        snprintf(buf, size, "unknown");
        return buf;
    }
    if (t->rank == 0) {
        snprintf(buf, size, "scalar");
        return buf;
    }
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < t->rank && pos < size; i++) {
        int w;
        if (t->dims[i] >= 0)
            w = snprintf(buf + pos, size - pos, "%s%lld", i ? "x" : "", (long long)t->dims[i]);
        else
            w = snprintf(buf + pos, size - pos, "%s%s", i ? "x" : "", t->dim_param[i] ? t->dim_param[i] : "?");
        if (w < 0)
            break;
        pos += (size_t)w;
    }
    return buf;
}

dla_status ir_broadcast(const ir_node *n, int ra, const int64_t *a, int rb, const int64_t *b, int *out_rank,
                        int64_t *out)
{
    int r = ra > rb ? ra : rb;
    for (int i = 0; i < r; i++) {
        int64_t da = i < r - ra ? 1 : a[i - (r - ra)];
        int64_t db = i < r - rb ? 1 : b[i - (r - rb)];
        int64_t d;
        if (da == db || db == 1)
            d = da;
        else if (da == 1)
            d = db;
        else if (da < 0 || db < 0)
            d = -1;
        else
            return ir_node_error(n, DLA_ERR_INVALID_ARG,
                                 "shapes cannot be broadcast: dimension %d is %lld in one input and %lld in the other",
                                 i, (long long)da, (long long)db);
        out[i] = d;
    }
    *out_rank = r;
    return DLA_OK;
}
