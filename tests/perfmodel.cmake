# Performance model of the DLA (src/perf, docs/perf-model.md): unit tests of the cycle/traffic model.
# The calibration check against orin-perf.md's measured points is bench/perf_calib_check.sh (not a ctest: it
# depends on how the compiler lowers each network, so it is re-run and re-fitted with bench/perf_fit.py whenever
# the lowering changes; docs/perf-model.md records the last fit and its errors).
dla_add_test(test_perfmodel unit test_perfmodel.c LIBS dla_perf ${M_LIB})
