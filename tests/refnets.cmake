# The six DLA reference networks (models/refnets, docs/models.md): `dla info` loads each one (full pipelines too)
# and its parameter/MAC totals match the documented counts within 1%. Builds into cache/models on first run.
add_test(NAME refnets_counts
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/refnets_counts.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(refnets_counts PROPERTIES LABELS "models;slow" TIMEOUT 1800 SKIP_RETURN_CODE 77)
# The detectors' full pipelines (decoding, TopK, NMS as ONNX ops) run end to end in `dla run` and match torch.
add_test(NAME refnets_pipelines
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/refnets_pipelines.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(refnets_pipelines PROPERTIES LABELS "models;slow" TIMEOUT 1800 SKIP_RETURN_CODE 77)
