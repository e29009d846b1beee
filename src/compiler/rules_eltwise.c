/* DLA rules for the SDP: element-wise operands, PRelu and Clip operands, and BatchNormalization leftovers
 * (a per-channel scale and shift). Activations and unary ops have no limits beyond the general rules. */
#include "compiler/rules.h"

#include <string.h>

int cc_check_binary(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return cc_check_broadcast(n, reason, size);
}

int cc_check_variadic(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return cc_check_broadcast(n, reason, size);
}

int cc_check_mod(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    if (ir_attr_int(n, "fmod", 0) != 1)
        return cc_fail(reason, size, "fmod %lld: DLA Mod is the float remainder (fmod 1)",
                       (long long)ir_attr_int(n, "fmod", 0));
    return cc_check_broadcast(n, reason, size);
}

int cc_check_prelu(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    char a[96], b[96];
    if (!cc_has_in(n, 1) || !cc_is_const(n->in[1]))
        return cc_fail(reason, size, "slope is not a build-time constant");
    if (cc_operand_class(n->in[1], n->in[0]) < 0)
        return cc_fail(reason, size, "slope (%s) is neither per-tensor, per-channel nor of the input's shape %s",
                       ir_shape_str(n->in[1], a, sizeof a), ir_shape_str(n->in[0], b, sizeof b));
    return 1;
}

int cc_check_clip(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    return cc_need_const(n, 1, "min is", reason, size) && cc_need_const(n, 2, "max is", reason, size);
}

/* A leftover BatchNormalization (not folded into a Conv) runs as a per-channel SDP scale and shift. */
int cc_check_batchnorm(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    static const char *const what[5] = {"", "scale", "B", "mean", "var"};
    if (ir_attr_int(n, "training_mode", 0))
        return cc_fail(reason, size, "training_mode 1: only inference batch normalization becomes a scale");
    for (int i = 1; i < n->n_out; i++)
        if (n->out[i] && (n->out[i]->n_consumers > 0 || (n->out[i]->flags & IR_T_OUTPUT)))
            return cc_fail(reason, size, "output %d (running statistics) is used; only inference batch "
                           "normalization becomes a scale", i);
    if (!cc_need_4d(n, 0, reason, size))
        return 0;
    for (int i = 1; i < 5; i++)
        if (!cc_has_in(n, i) || !cc_is_const(n->in[i]))
            return cc_fail(reason, size, "%s is not a build-time constant, so it cannot be folded into a scale",
                           what[i]);
    return 1;
}
