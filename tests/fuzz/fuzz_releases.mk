# The fetch-curl plugin's release-list parser.
FUZZ_SRCS_fuzz_releases := plugins/fetch-curl/releases.c \
	plugins/fetch-curl/names.c
FUZZ_CFLAGS_fuzz_releases := -Iplugins/fetch-curl \
	$(shell $(PKGCONFIG) --cflags yaml-0.1)
FUZZ_LIBS_fuzz_releases := $(shell $(PKGCONFIG) --libs yaml-0.1)
