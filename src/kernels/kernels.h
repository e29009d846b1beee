/* kernels: arithmetic by family. The host FP32 executor's heavy ops run on oneDNN (libdnnl) through the
 * wrappers declared here; the engine's integer and FP16 kernels will join them (portable _ref first).
 *
 * k_state holds what is worth keeping between calls (the oneDNN engine and stream, cached primitives); one
 * state per executor, used from one thread at a time (each call may use n_threads threads inside). */
#ifndef DLA_KERNELS_H
#define DLA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

typedef struct k_state k_state;
dla_status k_state_create(int n_threads, k_state **out);
void k_state_destroy(k_state *s);

#endif
