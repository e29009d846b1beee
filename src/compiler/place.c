/* Placement (placeholder until the placement pass lands). */
#include "compiler/cc.h"

#include <stdlib.h>
#include <string.h>

dla_status cc_place(const ir_graph *g, const cc_place_options *o, cc_placement *out)
{
    (void)o;
    (void)g;
    memset(out, 0, sizeof *out);
    return base_error(DLA_ERR_UNSUPPORTED, "placement is not implemented yet");
}

void cc_placement_release(cc_placement *p)
{
    if (p)
        free(p->nodes);
}
