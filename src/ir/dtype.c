/* Element types and the op name table. */
#include "ir/ir.h"

#include <string.h>

size_t ir_dtype_size(ir_dtype t)
{
    switch (t) {
    case IR_F32: case IR_I32: case IR_U32: return 4;
    case IR_U8: case IR_I8: case IR_BOOL: return 1;
    case IR_U16: case IR_I16: case IR_F16: case IR_BF16: return 2;
    case IR_I64: case IR_U64: case IR_F64: return 8;
    default: return 0;
    }
}

const char *ir_dtype_name(ir_dtype t)
{
    switch (t) {
    case IR_F32: return "float32";
    case IR_U8: return "uint8";
    case IR_I8: return "int8";
    case IR_U16: return "uint16";
    case IR_I16: return "int16";
    case IR_I32: return "int32";
    case IR_I64: return "int64";
    case IR_STRING: return "string";
    case IR_BOOL: return "bool";
    case IR_F16: return "float16";
    case IR_F64: return "float64";
    case IR_U32: return "uint32";
    case IR_U64: return "uint64";
    case IR_BF16: return "bfloat16";
    default: return "undefined";
    }
}

int ir_dtype_is_float(ir_dtype t) { return t == IR_F32 || t == IR_F64 || t == IR_F16 || t == IR_BF16; }

int ir_dtype_is_signed(ir_dtype t)
{
    return ir_dtype_is_float(t) || t == IR_I8 || t == IR_I16 || t == IR_I32 || t == IR_I64;
}

double ir_get_f64(ir_dtype t, const void *p, size_t i)
{
    switch (t) {
    case IR_F32: return ((const float *)p)[i];
    case IR_F64: return ((const double *)p)[i];
    case IR_F16: return base_fp16_to_f32(((const uint16_t *)p)[i]);
    case IR_BF16: return base_bf16_to_f32(((const uint16_t *)p)[i]);
    case IR_U64: return (double)((const uint64_t *)p)[i];
    default: return (double)ir_get_i64(t, p, i);
    }
}

int64_t ir_get_i64(ir_dtype t, const void *p, size_t i)
{
    switch (t) {
    case IR_U8: case IR_BOOL: return ((const uint8_t *)p)[i];
    case IR_I8: return ((const int8_t *)p)[i];
    case IR_U16: return ((const uint16_t *)p)[i];
    case IR_I16: return ((const int16_t *)p)[i];
    case IR_I32: return ((const int32_t *)p)[i];
    case IR_U32: return ((const uint32_t *)p)[i];
    case IR_I64: return ((const int64_t *)p)[i];
    case IR_U64: return (int64_t)((const uint64_t *)p)[i];
    case IR_F32: case IR_F64: case IR_F16: case IR_BF16: {
        double v = ir_get_f64(t, p, i);
        if (v != v)
            return 0;
        if (v >= 9.2233720368547758e18)
            return INT64_MAX;
        if (v <= -9.2233720368547758e18)
            return INT64_MIN;
        return (int64_t)v;
    }
    default: return 0;
    }
}

void ir_set_f64(ir_dtype t, void *p, size_t i, double v)
{
    switch (t) {
    case IR_F32: ((float *)p)[i] = (float)v; break;
    case IR_F64: ((double *)p)[i] = v; break;
    case IR_F16: ((uint16_t *)p)[i] = base_f32_to_fp16((float)v); break;
    case IR_BF16: ((uint16_t *)p)[i] = base_f32_to_bf16((float)v); break;
    case IR_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case IR_U64: ((uint64_t *)p)[i] = v <= 0 ? 0 : v >= 1.8446744073709552e19 ? UINT64_MAX : (uint64_t)v; break;
    default: {
        int64_t iv;
        if (v != v)
            iv = 0;
        else if (v >= 9.2233720368547758e18)
            iv = INT64_MAX;
        else if (v <= -9.2233720368547758e18)
            iv = INT64_MIN;
        else
            iv = (int64_t)v;
        ir_set_i64(t, p, i, iv);
    }
    }
}

void ir_set_i64(ir_dtype t, void *p, size_t i, int64_t v)
{
    switch (t) {
    case IR_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case IR_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case IR_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case IR_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case IR_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case IR_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case IR_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case IR_I64: ((int64_t *)p)[i] = v; break;
    case IR_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    case IR_F32: case IR_F64: case IR_F16: case IR_BF16: ir_set_f64(t, p, i, (double)v); break;
    default: break;
    }
}

static const char *const op_names[IR_OP_COUNT] = {
#define IR_OP(name, value) [value] = #name,
#include "ir/ops.def"
#undef IR_OP
};

const char *ir_op_name(ir_op op)
{
    if ((int)op < 0 || (int)op >= IR_OP_COUNT)
        return NULL;
    return op_names[op];
}

int ir_op_from_name(const char *name)
{
    for (int i = 0; i < IR_OP_COUNT; i++)
        if (op_names[i] && strcmp(op_names[i], name) == 0)
            return i;
    return -1;
}
