/* Lowering/cleanup rewrites (see cc.h): the pass list. Each pass lives in its own rw_lower_*.c file, whose
 * header comment gives its conditions. Order matters within a round only for speed (the driver iterates to a
 * fixed point): build-time constants and Q/DQ first so weights become constants the folds can use; shape-op cleanup before the Gemm
 * rewrite, which looks through a Flatten/Reshape to the 4-D tensor; activation patterns last. */
#include "compiler/rw_lower.h"

const cc_pass cc_passes_lower[] = {
    {"fold-constants", lw_pass_fold_constants},
    {"qdq-to-scales", lw_pass_qdq_to_scales},
    {"remove-identity", lw_pass_remove_identity},
    {"fold-pad", lw_pass_fold_pad},
    {"fold-batchnorm", lw_pass_fold_into_conv},
    {"gemm-to-conv", lw_pass_gemm_to_conv},
    {"reducemean-to-pool", lw_pass_reduce_to_pool},
    {"split-to-slice", lw_pass_split_to_slice},
    {"resize-sizes-to-scales", lw_pass_resize_scales},
    {"hard-activations", lw_pass_hard_activations},
    {"shape-to-reshape", lw_pass_shape_to_reshape},
    {NULL, NULL},
};
