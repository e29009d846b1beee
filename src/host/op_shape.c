/* Host FP32 executor: shape family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_shape[] = {
    {-1, NULL},
};
