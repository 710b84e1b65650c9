# The fetch-curl plugin's mirror parsers, linked alone.
UNIT_SRCS_test_fetch_releases := plugins/fetch-curl/releases.c \
	plugins/fetch-curl/names.c
UNIT_CFLAGS_test_fetch_releases := -Iplugins/fetch-curl \
	$(shell $(PKGCONFIG) --cflags yaml-0.1)
UNIT_LIBS_test_fetch_releases := $(shell $(PKGCONFIG) --libs yaml-0.1)
