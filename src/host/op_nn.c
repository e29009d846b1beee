/* Host FP32 executor: nn family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_nn[] = {
    {-1, NULL},
};
