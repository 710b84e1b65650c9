FUZZ_SRCS_fuzz_disk_info := plugins/disk-qemu/disk_args.c
FUZZ_CFLAGS_fuzz_disk_info := -Iplugins/disk-qemu
FUZZ_LIBS_fuzz_disk_info := $(shell $(PKGCONFIG) --libs jansson)
