/* Private glue between the public API's files (model.c owns dla_model; compile.c places its graph). */
#ifndef DLA_API_INTERNAL_H
#define DLA_API_INTERNAL_H

#include "compiler/cc.h"
#include "dla/compiler.h"
#include "dla/model.h"
#include "ir/ir.h"

/* The model's graph (owned by m). */
ir_graph *api_model_graph(dla_model *m);
/* Tells m its graph is about to be rewritten: the cached executor, which holds per-tensor state of the current
 * graph, is dropped now (a new one is built on the next run). Call it before changing the graph. */
void api_model_graph_changed(dla_model *m);
/* Copies the thread's last error into m's error message and returns st. */
dla_status api_model_fail(dla_model *m, dla_status st);

/* dla_model_place with the placement check `check` (cc_check_node: the DLA's rules, as `dla ops` reports them;
 * the builder adds whether dlakit can lower each op, so the placement it returns is the one it builds). */
dla_status api_model_place(dla_model *m, const dla_build_options *opts, cc_check_fn check, dla_placement **out);

/* After a build with dla_build_options.sparsity enable|force (build_sparsity.c): logs how many INT8 convs of the
 * loadable run 2:4 sparse (INFO) and, for force, that accuracy is not preserved (WARN); Xavier and builds without
 * INT8 convs get a warning that nothing runs sparse. */
dla_status api_log_sparsity(const void *bytes, size_t size, const char *requested, int platform_xavier, int int8);

#endif
