/* Folding of shape arithmetic on static shapes (fold_shapes.c); private to the compiler and the API. */
#ifndef DLA_COMPILER_FOLD_SHAPES_H
#define DLA_COMPILER_FOLD_SHAPES_H

#include "compiler/cc.h"

/* Shape and Size of a tensor whose shape is static are build-time constants: replaces them by constants, then
 * folds every node that became computable (ir_graph_fold on the host), so the values downstream (Reshape
 * targets, Slice bounds, Resize sizes) and the shapes they determine become known. Leaves g sorted and
 * inferred. *n_folded (may be NULL) receives the number of Shape/Size nodes folded plus the nodes folded after
 * them. */
dla_status cc_fold_static_shapes(ir_graph *g, int *n_folded);

#endif
