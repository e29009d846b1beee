/* Private to the host's shape/data-movement family: the exec functions spread over op_shape.c, op_slice.c,
 * op_gather.c and op_resize.c (gathered into host_ops_shape[] in op_shape.c), and the strided copy they share.
 * These ops move bytes: they work for every element type by element size. */
#ifndef DLA_HOST_OP_SHAPE_H
#define DLA_HOST_OP_SHAPE_H

#include "host/host.h"
#include "ir/shape_ops.h"

/* Largest rank of a strided copy: Tile views its output as (repeat, dim) pairs. */
#define HOST_COPY_MAX_RANK (2 * IR_MAX_RANK)

/* Copies elements of es bytes: for every index i of dims (rank <= HOST_COPY_MAX_RANK),
 * dst[sum i_k * dst_str[k]] = src[sum i_k * src_str[k]] (strides in elements, src strides may be 0 or negative).
 * Adjacent axes are merged, contiguous rows go through memcpy, transposes through cache tiles; big copies use
 * OpenMP threads. dst and src must not overlap within one call. */
void host_strided_copy(size_t es, int rank, const int64_t *dims, void *dst, const int64_t *dst_str,
                       const void *src, const int64_t *src_str);

/* Row-major element strides of a shape. */
void host_contig_strides(int rank, const int64_t *dims, int64_t *str);

dla_status host_shp_slice(host_ctx *ctx, ir_node *n);
dla_status host_shp_pad(host_ctx *ctx, ir_node *n);
dla_status host_shp_depth_to_space(host_ctx *ctx, ir_node *n);
dla_status host_shp_space_to_depth(host_ctx *ctx, ir_node *n);
dla_status host_shp_expand(host_ctx *ctx, ir_node *n);
dla_status host_shp_tile(host_ctx *ctx, ir_node *n);
dla_status host_shp_gather(host_ctx *ctx, ir_node *n);
dla_status host_shp_gather_elements(host_ctx *ctx, ir_node *n);
dla_status host_shp_gather_nd(host_ctx *ctx, ir_node *n);
dla_status host_shp_scatter_elements(host_ctx *ctx, ir_node *n);
dla_status host_shp_scatter_nd(host_ctx *ctx, ir_node *n);
dla_status host_shp_onehot(host_ctx *ctx, ir_node *n);
dla_status host_shp_range(host_ctx *ctx, ir_node *n);
dla_status host_shp_constant_of_shape(host_ctx *ctx, ir_node *n);
dla_status host_shp_resize(host_ctx *ctx, ir_node *n);

#endif
