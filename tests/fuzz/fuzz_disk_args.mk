FUZZ_SRCS_fuzz_disk_args := plugins/disk-qemu/disk_args.c
FUZZ_CFLAGS_fuzz_disk_args := -Iplugins/disk-qemu
FUZZ_LIBS_fuzz_disk_args := $(shell $(PKGCONFIG) --libs jansson)
