# fetch-curl: libcurl for transfers, libyaml for the release list,
# libcrypto for sha512.  Only the aq_plugin symbol is exported.
PLUGIN_CFLAGS_fetch-curl := $(shell $(PKGCONFIG) --cflags libcurl \
	yaml-0.1 libcrypto) -fvisibility=hidden \
	-DFETCH_USER_AGENT='"aq/$(VERSION)"'
PLUGIN_LIBS_fetch-curl := $(shell $(PKGCONFIG) --libs libcurl yaml-0.1 \
	libcrypto)
