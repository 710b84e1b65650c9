FUZZ_SRCS_fuzz_net_args := plugins/net-user/net_args.c
FUZZ_CFLAGS_fuzz_net_args := -Iplugins/net-user
