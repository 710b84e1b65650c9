# The disk plugin's sources are linked into its test directly.
UNIT_SRCS_test_disk := plugins/disk-qemu/disk.c plugins/disk-qemu/disk_args.c \
	plugins/disk-qemu/disk_seed.c plugins/disk-qemu/disk_spawn.c
UNIT_CFLAGS_test_disk := -Iplugins/disk-qemu \
	$(shell $(PKGCONFIG) --cflags libarchive jansson)
UNIT_LIBS_test_disk := $(shell $(PKGCONFIG) --libs libarchive jansson)
