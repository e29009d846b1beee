/* DLA support rules (placeholder: every op runs on the host until the rule table lands). */
#include "compiler/cc.h"

#include <stdio.h>

static const cc_rule host_rule = {-1, CC_UNIT_NONE, 0, CC_HOW_HOST, "no DLA implementation", NULL};

const cc_rule *cc_rule_for(ir_op op)
{
    (void)op;
    return &host_rule;
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

int cc_check_node(const cc_target *t, const ir_node *n, char *reason, size_t size)
{
    (void)t;
    snprintf(reason, size, "%s has no DLA implementation", ir_op_name(n->op));
    return 0;
}
