FUZZ_SRCS_fuzz_qmp := core/qmp.c core/util.c core/error.c core/buf.c
