/* Lowering/cleanup rewrites (see cc.h). */
#include "compiler/cc.h"

const cc_pass cc_passes_lower[] = {
    {NULL, NULL},
};
