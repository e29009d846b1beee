/* engine: descriptors of the accelerator's operations — the contract between the compiler (which fills them),
 * the loadable (which stores them), the runtime scheduler (which walks them) and the processors (which execute
 * them). Modelled on the open NVDLA firmware interface (reference/engine.md §2.2): one operation descriptor and
 * one surface descriptor per engine op, dependency counts and per-processor consumer links.
 *
 * Memory is addressed as (mem, offset): `mem` indexes the task's address list (eng_buffer[] at execution time),
 * `offset` is in bytes. Every processor validates that each cube it touches lies inside its buffer before it
 * reads or writes (a corrupt descriptor gives DLA_ERR_FORMAT, never an out-of-bounds access).
 *
 * Feature data in memory is the DLA's native format: channels padded to 32-byte atoms (32 INT8 / 16 FP16
 * channels per surface), order atom -> W -> H -> surface; line_stride = bytes between rows, surf_stride = bytes
 * between channel surfaces (both multiples of 32), as TensorRT's kCHW32 (INT8) / kCHW16 (FP16).
 */
#ifndef DLA_ENGINE_DESC_H
#define DLA_ENGINE_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define ENG_ATOM_BYTES 32
#define ENG_MAX_DIM 8192
#define ENG_MAX_CONSUMERS 6

typedef enum eng_precision { ENG_INT8 = 0, ENG_INT16 = 1, ENG_FP16 = 2 } eng_precision;

/* Processor types; values are the NVDLA firmware's (BDMA=0 ... RUBIK=5). */
typedef enum eng_op_type {
    ENG_OP_BDMA = 0,
    ENG_OP_CONV = 1,
    ENG_OP_SDP = 2,
    ENG_OP_PDP = 3,
    ENG_OP_CDP = 4,
    ENG_OP_RUBIK = 5,
    ENG_OP_TYPE_COUNT = 6
} eng_op_type;

/* Where a cube lives: DRAM, on-chip SRAM, or on the fly between fused processors (no memory). */
typedef enum eng_mem_type { ENG_MEM_DRAM = 0, ENG_MEM_SRAM = 1, ENG_MEM_HW = 2 } eng_mem_type;

/* In-memory layout of a cube. FEATURE is the native chw32/chw16 layout above; the others appear at the edges of
 * a DLA task (network inputs/outputs) and in weights. */
typedef enum eng_layout {
    ENG_LAYOUT_FEATURE = 0, /* [C/atom][H][W][atom] with line/surf strides */
    ENG_LAYOUT_LINEAR = 1,  /* dla_linear: [C][H][line_stride] (W contiguous, line stride 64-B aligned) */
    ENG_LAYOUT_HWC4 = 2,    /* dla_hwc4: [H][line_stride] of W x C' (C' = 4) elements, for image inputs */
    ENG_LAYOUT_WEIGHT = 3,  /* direct-convolution weights (see conv.c: kernel groups of atom-K) */
    ENG_LAYOUT_PARAM = 4,   /* per-channel / per-layer operand arrays for SDP (bias, scale, ...) */
} eng_layout;

typedef struct eng_cube {
    uint8_t mem_type;      /* eng_mem_type */
    uint8_t layout;        /* eng_layout */
    uint8_t precision;     /* eng_precision of the elements */
    uint8_t reserved;
    int16_t mem;           /* address-list index; -1 for ENG_MEM_HW */
    uint16_t reserved2;
    uint32_t offset;       /* bytes from the start of that buffer */
    uint32_t size;         /* bytes the cube spans (validated against the buffer) */
    uint16_t width, height, channel, reserved3;
    uint32_t line_stride, surf_stride, plane_stride;
} eng_cube;

/* A converter stage: y = sat( RHAZ( ((x - offset) * scale) >> truncate ) ) when enabled (engine.md §1.6). */
typedef struct eng_cvt {
    int16_t scale;
    uint8_t truncate;
    uint8_t enable;
    int32_t offset;
} eng_cvt;

/* ---- CONV (direct convolution incl. grouped/depthwise/dilated; FC is a 1x1 conv; deconvolution is one conv per
 * stride phase followed by a RUBIK contract) ---------------------------------------------------------------- */
typedef struct eng_conv_op {
    uint8_t in_precision, out_precision; /* conv is INT8->INT8(acc), FP16->FP16(acc) */
    uint8_t stride_x, stride_y;          /* 1..8 */
    uint8_t pad_left, pad_right, pad_top, pad_bottom; /* 0..31 */
    uint8_t dilation_x, dilation_y;      /* 1..32 */
    uint8_t kernel_w, kernel_h;          /* 1..32 */
    uint16_t groups;                     /* 1..8192 */
    int16_t pad_val;                     /* value of padded input elements (INT8 path: -offset*scale) */
    uint16_t out_width, out_height, out_channel;
    uint8_t clip_truncate;               /* CACC: out = sat32(RHAZ(acc / 2^clip_truncate)) (INT path) */
    uint8_t sparse;                      /* weights carry a 2:4 structured-sparsity pattern along C */
    uint16_t split_index, split_count;   /* partial-H band i of n (tiling), for reports */
    eng_cvt in_cvt;                      /* input converter (image mode); disabled for feature input */
    eng_cube src, weight, dst;           /* dst is usually ENG_MEM_HW: consumed on the fly by the fused SDP */
} eng_conv_op;

/* ---- SDP: X1 (bias/scale), X2 (batch-norm), Y (element-wise + LUT), then the output converter ------------- */
typedef enum eng_sdp_alu { ENG_ALU_MAX = 0, ENG_ALU_MIN = 1, ENG_ALU_SUM = 2, ENG_ALU_EQL = 3 } eng_sdp_alu;
typedef enum eng_sdp_kind { ENG_SDP_NONE = 0, ENG_SDP_MUL = 1, ENG_SDP_ADD = 2, ENG_SDP_BOTH = 3 } eng_sdp_kind;
typedef enum eng_sdp_mode { ENG_SDP_PER_LAYER = 0, ENG_SDP_PER_KERNEL = 1, ENG_SDP_PER_POINT = 2 } eng_sdp_mode;
typedef enum eng_sdp_act { ENG_ACT_NONE = 0, ENG_ACT_RELU = 1, ENG_ACT_LUT = 2, ENG_ACT_PRELU = 3 } eng_sdp_act;

typedef struct eng_sdp_stage {
    uint8_t enable;
    uint8_t alu_type;      /* eng_sdp_alu */
    uint8_t kind;          /* eng_sdp_kind: which of ALU (add) and MUL are active */
    uint8_t mode;          /* eng_sdp_mode: operand per layer (register) / per channel / per element (memory) */
    uint8_t act;           /* eng_sdp_act */
    uint8_t shift_value;   /* ALU operand << shift_value */
    uint8_t truncate;      /* MUL result >> truncate (RHAZ, sat32) */
    uint8_t precision;     /* operand precision (eng_precision) */
    int32_t alu_operand, mul_operand; /* PER_LAYER operands */
    eng_cvt alu_cvt, mul_cvt;         /* Y stage: operand converters for memory operands */
} eng_sdp_stage;

typedef struct eng_sdp_op {
    uint8_t src_precision, dst_precision;
    int16_t lut_index;     /* index into the task's LUT list, -1 none */
    eng_cvt out_cvt;       /* per-tensor output conversion (requantization) */
    eng_sdp_stage x1, x2, y;
    eng_cube src;          /* ENG_MEM_HW when fused after CONV */
    eng_cube x1_data, x2_data, y_data; /* operand surfaces (PER_KERNEL / PER_POINT), unused ones zeroed */
    eng_cube dst;          /* ENG_MEM_HW when a fused PDP consumes it */
} eng_sdp_op;

/* LUT (SDP Y and CDP): LE table (65 entries, linear or exponential index) and LO table (257, linear). */
typedef struct eng_lut {
    int16_t le[65];
    int16_t lo[257];
    uint8_t le_function;   /* 0 linear, 1 exponential */
    int8_t le_index_offset;/* exponential: index = floor(log2(x - start)) - offset */
    uint8_t le_index_select, lo_index_select; /* linear: index = (x - start) >> select */
    int64_t le_start, le_end, lo_start, lo_end;
    int16_t le_slope_uflow_scale, le_slope_oflow_scale, lo_slope_uflow_scale, lo_slope_oflow_scale;
    int8_t le_slope_uflow_shift, le_slope_oflow_shift, lo_slope_uflow_shift, lo_slope_oflow_shift;
    uint8_t hybrid_priority, underflow_priority, overflow_priority; /* 0 LE, 1 LO */
    uint8_t precision;     /* table entries: INT16 or FP16 bits */
} eng_lut;

/* ---- PDP: pooling ---------------------------------------------------------------------------------------- */
typedef enum eng_pool_mode { ENG_POOL_AVG = 0, ENG_POOL_MAX = 1, ENG_POOL_MIN = 2 } eng_pool_mode;
typedef struct eng_pdp_op {
    uint8_t pool_mode;     /* eng_pool_mode */
    uint8_t precision;
    uint8_t pool_width, pool_height;          /* 1..8 */
    uint8_t stride_x, stride_y;               /* 1..16 */
    uint8_t pad_left, pad_right, pad_top, pad_bottom; /* 0..7 */
    uint16_t recip_width, recip_height;       /* average: Q0.16 reciprocals of the window (INT path) */
    int32_t padding_value[7];                 /* added for k padded elements (count-include-pad average) */
    eng_cube src, dst;
} eng_pdp_op;

/* ---- CDP: local response normalization ------------------------------------------------------------------- */
typedef struct eng_cdp_op {
    uint8_t in_precision, out_precision;
    uint8_t local_size;                        /* 3, 5, 7, 9 */
    uint8_t bypass_sqsum, bypass_out_mul;
    int16_t lut_index;
    eng_cvt in_cvt, out_cvt;
    eng_cube src, dst;
} eng_cdp_op;

/* ---- RUBIK: layout (contract for deconvolution, split, merge; dlakit adds reshape/transpose/resize) -------- */
typedef enum eng_rubik_mode {
    ENG_RUBIK_CONTRACT = 0, ENG_RUBIK_SPLIT = 1, ENG_RUBIK_MERGE = 2,
    ENG_RUBIK_TRANSPOSE = 3, ENG_RUBIK_RESHAPE = 4, ENG_RUBIK_RESIZE = 5
} eng_rubik_mode;
typedef struct eng_rubik_op {
    uint8_t mode;          /* eng_rubik_mode */
    uint8_t precision;
    uint8_t stride_x, stride_y;   /* CONTRACT: deconvolution strides; RESIZE: integer scales */
    uint8_t perm[4];       /* TRANSPOSE: output axis i takes input axis perm[i] (NCHW) */
    uint8_t resize_linear; /* RESIZE: 0 nearest, 1 linear */
    uint8_t reserved[3];
    eng_cube src, dst;
} eng_rubik_op;

/* ---- BDMA: cube copies (concat, slice, DRAM<->SRAM) ------------------------------------------------------ */
#define ENG_BDMA_MAX_TRANSFERS 20
typedef struct eng_bdma_transfer {
    int16_t src_mem, dst_mem;
    uint32_t src_offset, dst_offset;
    uint32_t line_size, line_repeat, src_line_stride, dst_line_stride;
    uint32_t surface_repeat, src_surface_stride, dst_surface_stride;
} eng_bdma_transfer;
typedef struct eng_bdma_op {
    uint16_t num_transfers;
    uint16_t reserved;
    eng_bdma_transfer transfers[ENG_BDMA_MAX_TRANSFERS];
} eng_bdma_op;

/* ---- the operation list ---------------------------------------------------------------------------------- */
typedef struct eng_consumer {
    int16_t index;         /* op index, -1 none */
    uint8_t event;         /* 1 OP_COMPLETED, 2 OP_PROGRAMMED, 3 OP_ENABLED */
    uint8_t reserved;
} eng_consumer;

enum { ENG_EVENT_COMPLETED = 1, ENG_EVENT_PROGRAMMED = 2, ENG_EVENT_ENABLED = 3 };

typedef struct eng_op {
    uint8_t type;                               /* eng_op_type */
    uint8_t dependency_count;
    int16_t index;                              /* position in the op list */
    eng_consumer consumers[ENG_MAX_CONSUMERS];  /* next dependent op per processor type */
    eng_consumer fused_parent;
    uint32_t layer;                             /* index into the task's layer-name table (reports) */
    union {
        eng_conv_op conv;
        eng_sdp_op sdp;
        eng_pdp_op pdp;
        eng_cdp_op cdp;
        eng_rubik_op rubik;
        eng_bdma_op bdma;
    } u;
} eng_op;

/* A buffer of the task's address list, bound at execution time. */
typedef struct eng_buffer {
    uint8_t *data;
    size_t size;
} eng_buffer;

/* On-the-fly link between fused processors (CONV -> SDP -> PDP): the producer leaves its output here in the
 * pipeline's internal precision (int32 accumulators / fp32), the consumer takes it. */
typedef struct eng_pipe {
    int32_t *i32;          /* INT path values, [C][H][W] */
    float *f32;            /* FP16 path values (exactly representable CACC outputs), [C][H][W] */
    int width, height, channel;
    size_t capacity;       /* elements allocated */
} eng_pipe;

#endif
