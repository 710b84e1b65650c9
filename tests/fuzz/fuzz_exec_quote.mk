FUZZ_SRCS_fuzz_exec_quote := plugins/exec-ssh/exec_quote.c
FUZZ_CFLAGS_fuzz_exec_quote := -Iplugins/exec-ssh
