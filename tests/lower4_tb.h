/* A test-only task builder (backend.h's cc_tb_* functions) over plain malloc'd buffers: every surface, constant
 * and scratch cube is one buffer of the address list (surfaces in the native FEATURE layout from eng_geom_make,
 * aliases resolved into their base's buffer), ops are recorded in order and executed with eng_exec_op. With it a
 * lowering runs end to end without the loadable or the runtime. Precision plan: a default precision for every
 * tensor, overridable per tensor with a scale (l4tb_set). Tests (and other helpers) link tests/lower4_tb.c. */
#ifndef DLA_TESTS_LOWER4_TB_H
#define DLA_TESTS_LOWER4_TB_H

#include "compiler/backend.h"

cc_task_builder *l4tb_create(const ir_graph *g, cc_prec default_prec);
void l4tb_destroy(cc_task_builder *tb);
/* Plan for tensor t: precision and (INT8) per-tensor scale. */
void l4tb_set(cc_task_builder *tb, const ir_tensor *t, cc_prec prec, float scale);

/* Packs one image of host NCHW float data into t's surface (INT8: with t's scale). */
dla_status l4tb_write(cc_task_builder *tb, const ir_tensor *t, const float *data);
/* Unpacks t's surface into host NCHW float. */
dla_status l4tb_read(cc_task_builder *tb, const ir_tensor *t, float *data);
/* t's surface and the bytes of its buffer (for exact checks). */
dla_status l4tb_raw(cc_task_builder *tb, const ir_tensor *t, cc_surface *s, uint8_t **base);

/* 1 when t has a surface (was used by the lowering); 0 for tensors that only flow on the fly. */
int l4tb_has_surface(const cc_task_builder *tb, const ir_tensor *t);
/* Executes every recorded op in order (stats accumulated into *st when non-NULL). */
dla_status l4tb_run(cc_task_builder *tb, eng_stats *st);

/* The same, adding each op's wall time (seconds) to op_seconds[op type] (ENG_OP_TYPE_COUNT entries). */
dla_status l4tb_run_timed(cc_task_builder *tb, eng_stats *st, double *op_seconds);

int l4tb_n_ops(const cc_task_builder *tb);
const eng_op *l4tb_op(const cc_task_builder *tb, int i);
const char *l4tb_layer(const cc_task_builder *tb, int i);
const char *l4tb_precision(const cc_task_builder *tb, int i);
int l4tb_n_buffers(const cc_task_builder *tb);
int l4tb_n_luts(const cc_task_builder *tb);

#endif
