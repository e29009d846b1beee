dla_add_test(test_base unit test_base.c LIBS dla_base)
dla_add_test(test_ir unit test_ir.c LIBS dla_ir)
