# The test reads the overlay archive back with libarchive itself.
UNIT_CFLAGS_test_image := $(shell $(PKGCONFIG) --cflags libarchive)
UNIT_LIBS_test_image := $(shell $(PKGCONFIG) --libs libarchive)
