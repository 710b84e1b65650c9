FUZZ_SRCS_fuzz_inifile := core/inifile.c core/error.c
