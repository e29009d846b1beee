/* Helpers shared by the subcommands that build loadables (exec, eval). */
#include "cli.h"
#include "dla/model.h"

#include <stdio.h>
#include <string.h>

const char *cli_default_io_spec(const dla_model *m, int input, char *buf, size_t size)
{
    int n = input ? dla_model_num_inputs(m) : dla_model_num_outputs(m), other = 0;
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        dla_tensor t;
        if ((input ? dla_model_input(m, i, &t) : dla_model_output(m, i, &t)) != DLA_OK)
            return NULL;
        const char *type = t.dtype == DLA_FLOAT16 ? "fp16" : t.dtype == DLA_INT8 ? "int8" : t.dtype == DLA_INT32 ?
                           "int32" : t.dtype == DLA_INT64 ? "int64" : t.dtype == DLA_UINT8 ? "uint8" :
                           t.dtype == DLA_BOOL ? "bool" : "fp32";
        other |= strcmp(type, "fp32") != 0;
        len += (size_t)snprintf(buf + len, size - len, "%s%s:chw", i ? "," : "", type);
    }
    return other && len < size ? buf : NULL;
}
