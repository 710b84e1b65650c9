# The net plugin's sources are linked into its test directly.
UNIT_SRCS_test_net := plugins/net-user/net.c plugins/net-user/net_args.c
UNIT_CFLAGS_test_net := -Iplugins/net-user
UNIT_LIBS_test_net :=
