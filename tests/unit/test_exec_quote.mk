UNIT_SRCS_test_exec_quote := plugins/exec-ssh/exec_quote.c \
	plugins/exec-ssh/exec_args.c
UNIT_CFLAGS_test_exec_quote := -Iplugins/exec-ssh
