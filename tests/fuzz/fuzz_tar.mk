FUZZ_SRCS_fuzz_tar := core/tar.c
