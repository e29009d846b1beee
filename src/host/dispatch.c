/* Host op dispatch: family tables merged into one lookup by op. */
#include "host/host.h"

#include <pthread.h>

static const host_op_entry *const families[] = {
    host_ops_elementwise, host_ops_nn, host_ops_norm_pool, host_ops_reduce, host_ops_shape, host_ops_misc,
};

static host_exec_fn by_op[IR_OP_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const host_op_entry *e = families[f]; e->op >= 0; e++)
            if (e->op < IR_OP_COUNT && !by_op[e->op])
                by_op[e->op] = e->fn;
}

host_exec_fn host_op_lookup(ir_op op)
{
    pthread_once(&once, build);
    return (int)op >= 0 && (int)op < IR_OP_COUNT ? by_op[op] : NULL;
}

dla_status host_exec_node(host_ctx *ctx, ir_node *n)
{
    host_exec_fn fn = host_op_lookup(n->op);
    if (!fn)
        return ir_node_error(n, DLA_ERR_UNSUPPORTED, "the host executor does not implement %s",
                             ir_op_name(n->op));
    return fn(ctx, n);
}

dla_status host_fold_compute(void *user, ir_node *n) { return host_exec_node(user, n); }
