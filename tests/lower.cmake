# Lowering/cleanup rewrites (compiler stage 1): each pass on hand-built graphs, FP32 output kept on the host.
dla_add_test(test_lower unit test_lower.c LIBS dla_compiler dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# The rewrites on torchvision exports in cache/models (skipped when absent): same host output before and after.
dla_add_test(test_lower_models models test_lower_models.c
             LIBS dla_compiler dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# The rewrites on every libonnx-testdata model (label onnx): same host output before and after cc_rewrite.
dla_add_test(test_lower_onnx onnx test_lower_onnx.c
             LIBS dla_compiler dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
