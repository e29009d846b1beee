# Placement and partitioning (compiler stage 1): unit tests on hand-built graphs.
dla_add_test(test_place unit test_place.c LIBS dla_compiler)
