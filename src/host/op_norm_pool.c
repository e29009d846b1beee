/* Host FP32 executor: norm_pool family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_norm_pool[] = {
    {-1, NULL},
};
