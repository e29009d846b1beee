# The engine's SDP INT fast path bit-identical to the reference per-element loop (DLA_ENGINE_REF_SDP=1).
dla_add_test(test_fastsdp "unit;engine" test_fastsdp.c LIBS dla_engine dla_base OpenMP::OpenMP_C ${M_LIB})
