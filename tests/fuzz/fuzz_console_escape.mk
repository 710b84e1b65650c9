FUZZ_SRCS_fuzz_console_escape := plugins/console-serial/console_escape.c
FUZZ_CFLAGS_fuzz_console_escape := -Iplugins/console-serial
