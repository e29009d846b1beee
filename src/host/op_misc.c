/* Host FP32 executor: misc family (see host.h, host_op_entry). */
#include "host/host.h"

const host_op_entry host_ops_misc[] = {
    {-1, NULL},
};
