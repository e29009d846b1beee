# Dynamic (data-dependent) network outputs: NonZero after a DLA conv through dla_builder_build and the runtime.
dla_add_test(test_dyn "unit;loadable" test_dyn.c LIBS dla)
target_include_directories(test_dyn PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
# The full-pipeline detectors (TopK, NMS on the host) through dla exec vs dla run on the host.
add_test(NAME dyn_pipelines
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/dyn_pipelines.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(dyn_pipelines PROPERTIES LABELS "models;slow" TIMEOUT 1800 SKIP_RETURN_CODE 77)
# Ops the DLA runs but dlakit cannot lower yet fall back to the host in the build (placement = what is built).
dla_add_test(test_build_fallback "unit;loadable" test_build_fallback.c LIBS dla)
target_include_directories(test_build_fallback PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
