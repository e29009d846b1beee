# ONNX export and subgraph extraction on hand-built graphs (unit).
dla_add_test(test_export "unit;onnx" test_export.c
             LIBS dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
target_include_directories(test_export PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
# Every libonnx-testdata node model round-tripped (also at opset 17 and after cc_rewrite) + fashion ResNet segments.
dla_add_test(test_export_onnx onnx test_export_onnx.c
             LIBS dla_compiler dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# Real networks (cache/models torchvision exports, PaddleOCR): rewritten, then exported whole and in 3 segments.
add_test(NAME test_export_models COMMAND test_export_onnx --models WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(test_export_models PROPERTIES LABELS "models" SKIP_RETURN_CODE 77)
