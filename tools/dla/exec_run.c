/* dla exec: the run — load the loadable on a DLA core, bind inputs, warm up, time the iterations, export the
 * outputs and report. */
#include "cli.h"
#include "exec_report.h"
#include "exec_steps.h"

#include <stdio.h>

int exec_run(const exec_opts *o, const exec_engine *e)
{
    (void)o;
    (void)e;
    fprintf(stderr, "dla exec: running a loadable is not wired yet (waiting for the dla/runtime.h "
                    "implementation); use --skipInference\n");
    return 1;
}
