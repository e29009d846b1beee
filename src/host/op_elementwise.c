/* Host FP32 executor: elementwise family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_elementwise[] = {
    {-1, NULL},
};
