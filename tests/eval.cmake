# dla eval: COCO mAP on hand-made boxes, top-k ranks, IDX parsing (plain and gzip) and dataset discovery, built
# from the tool's eval sources.
find_package(ZLIB REQUIRED)
dla_add_test(test_eval "unit;e2e" test_eval.c ${CMAKE_SOURCE_DIR}/tools/dla/eval_data.c
             ${CMAKE_SOURCE_DIR}/tools/dla/eval_metrics.c LIBS dla ZLIB::ZLIB ${M_LIB})
# The command on the committed Fashion-MNIST subset (exact FP32 top-1), the FP32/FP16/INT8 comparison, loadables,
# JSON, the detection set, and its error messages.
add_test(NAME eval_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/eval_cli.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(eval_cli PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77 TIMEOUT 600)
