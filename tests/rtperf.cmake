# The runtime's layer-wise statistics predicted by the performance model (src/runtime/stats_perf.c): durations,
# timeline and CSV against dla_perf_predict, the mapping by loadable layer index, dla_module_set_perf_options.
dla_add_test(test_rt_perf "unit;engine" test_rt_perf.c LIBS dla Threads::Threads ${M_LIB})
target_include_directories(test_rt_perf PRIVATE ${CMAKE_BINARY_DIR}/src/onnx/gen)
# `dla exec --dumpProfile / --exportProfile` shows the predicted per-layer times; bad --perfPlatform /
# --perfPowerMode values fail naming the flag.
add_test(NAME exec_profile_perf COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/exec_profile_perf.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(exec_profile_perf PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77 TIMEOUT 120)
