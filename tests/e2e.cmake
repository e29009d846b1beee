# Engine accuracy end to end (ONNX -> dla_builder_build -> loadable -> runtime -> outputs vs the host FP32
# executor) on torchvision classifiers; tests/e2e_engine.sh exports the networks (needs python3-torch: else 77).
find_package(Threads REQUIRED)
add_executable(test_e2e_engine test_e2e_engine.c)
target_link_libraries(test_e2e_engine PRIVATE dla Threads::Threads ${M_LIB})
add_test(NAME test_e2e_engine
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e_engine.sh $<TARGET_FILE:test_e2e_engine>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(test_e2e_engine PROPERTIES LABELS "models;slow" TIMEOUT 3600 SKIP_RETURN_CODE 77)
# Per-layer precision diagnostic (not a test): e2e_layers MODEL.onnx --calib DIR N (docs/accuracy.md).
add_executable(e2e_layers e2e_layers.c lower4_tb.c)
target_link_libraries(e2e_layers PRIVATE dla dla_compiler dla_onnx dla_engine dla_host dla_ir dla_kernels dla_base
                      OpenMP::OpenMP_C ${M_LIB})
# Unit level: INT8 average pooling as a depthwise CONV, scale unification (test-only task builder).
dla_add_test(test_e2e "unit;engine" test_e2e.c lower4_tb.c
             LIBS dla_compiler dla_engine dla_host dla_ir dla_kernels dla_base OpenMP::OpenMP_C ${M_LIB})
# Fashion-MNIST INT8 through dla_builder_build + the runtime: logit error bound; two threads on both cores give the
# serial run's bytes.
dla_add_test(test_e2e_runtime "e2e;engine" test_e2e_runtime.c LIBS dla Threads::Threads ${M_LIB})
