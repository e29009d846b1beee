# bench/perf_chart.py, the per-layer time chart (SVG) of the performance model (docs/perf-model.md, docs/perf/):
# the SVG parses and holds one bar per fused layer of `dla perf --json` for each power mode, with its µs, bound and
# name; hostile layer names are escaped; errors leave no output. `perf_chart` runs on the small tracked
# detect_heads model; `perf_chart_models` on the two charted reference networks (cache/models: else skipped).
add_test(NAME perf_chart
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/perf_chart_check.py $<TARGET_FILE:dla_tool>
                 models/detect/detect_heads.onnx:Detect-heads
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(perf_chart PROPERTIES LABELS "unit" TIMEOUT 60 SKIP_RETURN_CODE 77)
add_test(NAME perf_chart_models
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/perf_chart_check.py $<TARGET_FILE:dla_tool>
                 cache/models/resnet50_v15_224_bs2.onnx:ResNet-50
                 cache/models/retinanet_resnext50_800_bs1.onnx:RetinaNet\ ResNeXt-50
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
# the networks come from refnets_counts (make models); run after it when both are selected
set_tests_properties(perf_chart_models PROPERTIES LABELS "models" TIMEOUT 300 SKIP_RETURN_CODE 77
                     FIXTURES_REQUIRED refnets_cache)
