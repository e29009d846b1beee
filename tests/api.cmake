dla_add_test(test_api unit test_api.c LIBS dla)
# The command line: usage errors exit 2, malformed models exit 1 with a message naming the file.
add_test(NAME cli_errors COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_errors.sh $<TARGET_FILE:dla_tool>)
set_tests_properties(cli_errors PROPERTIES LABELS "unit;e2e" SKIP_RETURN_CODE 77)
