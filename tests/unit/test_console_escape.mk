UNIT_SRCS_test_console_escape := plugins/console-serial/console_escape.c
UNIT_CFLAGS_test_console_escape := -Iplugins/console-serial
