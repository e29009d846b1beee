/* engine descriptor codec: eng_op and eng_lut <-> fixed-size little-endian records, for the loadable.
 *
 * Records are written field by field (never a memcpy of a struct), so they are the same on every host; reserved
 * fields and the record's tail are written as zero and must read back as zero. Decoding validates every enum and
 * range (op type, precisions, mem types, layouts, strides, pads, kernel / pool sizes, local sizes, transfer counts,
 * op / LUT / buffer indices when the limits are known) and fails with DLA_ERR_FORMAT naming the op (or LUT) index
 * and the field; a record of another record version is DLA_ERR_VERSION.
 *
 * Record layout: bytes 0..3 = 'E', kind ('O' op, 'L' LUT), record version, 0; then the fields in desc.h order.
 *
 *     uint8_t rec[ENG_OP_RECORD_BYTES];
 *     eng_op_encode(&op, rec);
 *     eng_codec_limits lim = {n_ops, n_luts, n_bufs};
 *     BASE_TRY(eng_op_decode(rec, sizeof rec, i, &lim, &op2));
 */
#ifndef DLA_ENGINE_CODEC_H
#define DLA_ENGINE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/desc.h"

#define ENG_OP_RECORD_BYTES 1024
#define ENG_LUT_RECORD_BYTES 768
#define ENG_RECORD_VERSION 1

/* Bounds decode checks indices against; a negative member is not checked. */
typedef struct eng_codec_limits {
    int n_ops;   /* consumers[].index, fused_parent.index < n_ops */
    int n_luts;  /* lut_index < n_luts */
    int n_bufs;  /* memory cubes' mem and BDMA src/dst mem < n_bufs */
} eng_codec_limits;

/* Writes `op` into rec (ENG_OP_RECORD_BYTES bytes). */
void eng_op_encode(const eng_op *op, uint8_t *rec);
/* Reads and validates the record of op `op_index` (its `index` field must equal op_index); len must be
 * ENG_OP_RECORD_BYTES. lim may be NULL (no index checks). */
dla_status eng_op_decode(const uint8_t *rec, size_t len, int op_index, const eng_codec_limits *lim, eng_op *out);

void eng_lut_encode(const eng_lut *lut, uint8_t *rec);
dla_status eng_lut_decode(const uint8_t *rec, size_t len, int lut_index, eng_lut *out);

#endif
