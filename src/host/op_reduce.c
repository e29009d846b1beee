/* Host FP32 executor: reduce family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_reduce[] = {
    {-1, NULL},
};
