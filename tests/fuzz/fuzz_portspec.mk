FUZZ_SRCS_fuzz_portspec := core/portspec.c core/util.c core/error.c core/buf.c
