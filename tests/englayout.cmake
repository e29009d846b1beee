# Engine layout processors (formats at the task edges, PDP, CDP, RUBIK, BDMA) against hand-computed vectors.
dla_add_test(test_englayout "unit;engine" test_englayout.c LIBS dla_engine dla_base ${M_LIB})
