# Performance model of the DLA (src/perf, docs/perf-model.md): unit tests of the cycle/traffic model, and the
# calibration check on the reference networks (needs cache/models from `make models`: else skipped). The check
# depends on how the compiler lowers each network: a lowering change that moves a point outside its tolerance
# fails here and calls for a refit (bench/perf_fit.py --fit).
dla_add_test(test_perfmodel unit test_perfmodel.c LIBS dla_perf ${M_LIB})
add_test(NAME perfmodel_calibration
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/perfmodel_calib.sh $<TARGET_FILE:dla_tool>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(perfmodel_calibration PROPERTIES LABELS "models" TIMEOUT 600 SKIP_RETURN_CODE 77)
# dla perf's command line on the tracked Fashion-MNIST model: dynamic dims, --batch/--save/--json, errors
add_test(NAME perf_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/perf_cli.sh $<TARGET_FILE:dla_tool>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(perf_cli PROPERTIES LABELS "unit;e2e" TIMEOUT 120)
