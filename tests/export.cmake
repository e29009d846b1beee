# ONNX export and subgraph extraction: hand-built graphs (unit), and with --onnx every libonnx-testdata node model
# round-tripped (export -> import -> run against the expected outputs) plus the fashion ResNet in three segments.
dla_add_test(test_export "unit;onnx" test_export.c
             LIBS dla_compiler dla_onnx dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
add_test(NAME test_export_onnx COMMAND test_export --onnx WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(test_export_onnx PROPERTIES LABELS "onnx" SKIP_RETURN_CODE 77)
# Real networks (cache/models torchvision exports, PaddleOCR): rewritten, then exported whole and in 3 segments.
add_test(NAME test_export_models COMMAND test_export --models WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(test_export_models PROPERTIES LABELS "models" SKIP_RETURN_CODE 77)
target_include_directories(test_export PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
