/* Kernel state: per-executor caches. */
#include "kernels/kernels.h"

#include <stdlib.h>

struct k_state {
    int n_threads;
};

dla_status k_state_create(int n_threads, k_state **out)
{
    *out = calloc(1, sizeof(k_state));
    if (!*out)
        return base_error(DLA_ERR_NOMEM, "out of memory creating kernel state");
    (*out)->n_threads = n_threads;
    return DLA_OK;
}

void k_state_destroy(k_state *s) { free(s); }
