# The loadable format (src/loadable, dla/loadable.h) and `dla inspect`.
dla_add_test(test_loadable "unit;loadable" test_loadable.c LIBS dla dla_engine)
add_test(NAME loadable_inspect
         COMMAND sh -c "set -e; f=\"$1/loadable_sample.dla\"; \"$2\" --write \"$f\"; \
\"$3\" inspect \"$f\" | grep -F 'Conv_226 + BatchNormalization_227 + Add_228 + Relu_229  INT8  CONV+SDP'; \
\"$3\" inspect --json \"$f\" | grep -F '\"weightBytes\":200'; \
head -c 100 \"$f\" > \"$f.cut\"; if \"$3\" inspect \"$f.cut\" 2>\"$f.err\"; then exit 1; fi; \
grep -F 'format error' \"$f.err\"" sh ${CMAKE_CURRENT_BINARY_DIR} $<TARGET_FILE:test_loadable> $<TARGET_FILE:dla_tool>)
set_tests_properties(loadable_inspect PROPERTIES LABELS "unit;loadable")
