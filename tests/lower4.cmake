# Lowering end to end (src/compiler/lower*.c, tile.c): ONNX-level graphs -> engine ops through a test-only task
# builder (lower4_tb.c, reusable), executed on the engine model and compared with the host FP32 executor.
dla_add_test(test_lower4 "unit;engine" test_lower4.c lower4_tb.c
             LIBS dla_compiler dla_engine dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# The same on torchvision exports in cache/models (skipped when absent): every node lowered as one task.
dla_add_test(test_lower4_models models test_lower4_models.c lower4_tb.c
             LIBS dla_compiler dla_onnx dla_engine dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
