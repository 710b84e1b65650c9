# The fetch-curl plugin end to end, loaded from the build tree and fed
# by a loopback HTTP server; needs python3.
UNIT_CFLAGS_test_fetch_http := \
	-DFETCH_PLUGIN='"$(abspath $(BUILD))/plugins/fetch-curl.$(SO)"' \
	$(shell $(PKGCONFIG) --cflags libcrypto)
UNIT_LIBS_test_fetch_http := $(shell $(PKGCONFIG) --libs libcrypto)
$(BUILD)/tests/test_fetch_http: $(BUILD)/plugins/fetch-curl.$(SO)
