# aq - Alpine on QEMU
#
#   make                 build build/aq and build/plugins/*.$(SO)
#   make test            unit tests, the test mirror, integration tests
#   make test SANITIZE=1 the same, built with ASan and UBSan in build-san/
#   make check           make test, then make test SANITIZE=1
#   make fuzz            build the libFuzzer targets (clang)
#   make bench           benchmarks against bare QEMU and plain ssh
#   make test-mirror     build the test guest and lay out build/test-mirror/
#   make install PREFIX=/usr/local
#
# Pieces that belong to one plugin or one test say what they need in a
# fragment beside their sources: plugins/NAME/plugin.mk sets
# PLUGIN_LIBS_NAME and PLUGIN_CFLAGS_NAME; tests/unit/test_X.mk sets
# UNIT_SRCS_test_X and UNIT_LIBS_test_X; tests/fuzz/fuzz_X.mk sets
# FUZZ_SRCS_fuzz_X and FUZZ_LIBS_fuzz_X.

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
PLUGINDIR = $(LIBDIR)/aq/plugins
MODULEDIR = $(LIBDIR)/aq/modules
INCDIR = $(PREFIX)/include
DATADIR = $(PREFIX)/share/aq
MANDIR = $(PREFIX)/share/man
PKGCONFIG ?= pkg-config
VERSION = 0.1.0

CC ?= cc
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else
BUILD ?= build
endif

UNAME := $(shell uname -s)
ifeq ($(UNAME),Darwin)
SO = dylib
SHARED = -dynamiclib -undefined dynamic_lookup
EXPORT =
PLATFORM = darwin
DL_LIBS =
else
SO = so
SHARED = -shared
# Modules call the core's functions: the executable must export them.
EXPORT = -rdynamic
PLATFORM = linux
DL_LIBS = -ldl
endif

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
# Messages are cut to their buffers on purpose; clang has no such warning.
WARN += $(shell $(CC) -Werror -Wno-format-truncation -x c -c -o /dev/null \
	/dev/null 2>/dev/null && echo -Wno-format-truncation)
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g \
	$(SANFLAGS) -Icore/include -Icore
CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)

CORE_PKGS = inih jansson
# aq's modules (core/modules/NAME.c) and the library each one needs.
MODULE_PKGS_git = libgit2
MODULE_PKGS_archive = libarchive
CORE_CFLAGS = $(shell $(PKGCONFIG) --cflags $(CORE_PKGS)) \
	-DAQ_VERSION='"$(VERSION)"' \
	-DAQ_PLUGIN_SUFFIX='".$(SO)"' \
	-DAQ_BUILD_DIR='"$(abspath $(BUILD))"' \
	-DAQ_SOURCE_DIR='"$(CURDIR)"' \
	-DAQ_INSTALL_PLUGIN_DIR='"$(PLUGINDIR)"' \
	-DAQ_INSTALL_MODULE_DIR='"$(MODULEDIR)"' \
	-DAQ_INSTALL_DATA_DIR='"$(DATADIR)"'
CORE_LIBS = $(shell $(PKGCONFIG) --libs $(CORE_PKGS)) $(DL_LIBS)

# core/platform_*.c holds what differs between Linux and macOS.
CORE_SRCS = $(filter-out core/platform_%.c,$(wildcard core/*.c)) \
	core/platform_$(PLATFORM).c
CORE_OBJS = $(CORE_SRCS:core/%.c=$(BUILD)/core/%.o)
CORE_LIB_OBJS = $(filter-out $(BUILD)/core/main.o,$(CORE_OBJS))

MODULES = $(patsubst core/modules/%.c,$(BUILD)/modules/%.$(SO), \
	$(wildcard core/modules/*.c))
PLUGIN_NAMES = $(notdir $(wildcard plugins/*))
PLUGINS = $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.$(SO))
UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%, \
	$(wildcard tests/unit/test_*.c))
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%, \
	$(wildcard tests/fuzz/fuzz_*.c))

.DEFAULT_GOAL := all
-include $(wildcard plugins/*/plugin.mk tests/unit/*.mk tests/fuzz/*.mk)

.PHONY: all test check unit integration fuzz fuzz-smoke bench test-mirror \
	install \
	clean lint
all: $(BUILD)/aq $(PLUGINS) $(MODULES)

$(BUILD)/core/%.o: core/%.c $(wildcard core/*.h core/include/aq/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

$(BUILD)/aq: $(CORE_OBJS)
	$(CC) $(SANFLAGS) $(LDFLAGS) $(EXPORT) -o $@ $^ $(CORE_LIBS)

$(BUILD)/modules/%.$(SO): core/modules/%.c $(wildcard core/*.h core/include/aq/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC $(CORE_CFLAGS) \
		$(shell $(PKGCONFIG) --cflags $(MODULE_PKGS_$*)) $(SHARED) \
		$(LDFLAGS) -o $@ $< $(shell $(PKGCONFIG) --libs $(MODULE_PKGS_$*))

$(BUILD)/libaqcore.a: $(CORE_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(BUILD)/plugins/%.$(SO): $$(wildcard plugins/%/*.c plugins/%/*.h) \
		core/include/aq/plugin.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC $(PLUGIN_CFLAGS_$*) $(SHARED) $(LDFLAGS) \
		-o $@ $(filter %.c,$^) $(PLUGIN_LIBS_$*)

$(BUILD)/tests/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $(BUILD)/libaqcore.a \
		$(MODULES) $(wildcard core/*.h core/include/aq/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) $(UNIT_CFLAGS_$*) \
		$(shell $(PKGCONFIG) --cflags cmocka) $(EXPORT) -o $@ \
		$(filter %.c,$^) $(BUILD)/libaqcore.a $(UNIT_LIBS_$*) \
		$(CORE_LIBS) $(shell $(PKGCONFIG) --libs cmocka)

FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
	-fsanitize=fuzzer,address,undefined -Icore/include -Icore
$(BUILD)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRCS_$$*) \
		$(wildcard core/*.h core/include/aq/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CORE_CFLAGS) $(FUZZ_CFLAGS_$*) -o $@ \
		$(filter %.c,$^) $(FUZZ_LIBS_$*) $(CORE_LIBS)

unit: $(UNIT_TESTS)
	@export LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0; p=0; f=0; for t in $(UNIT_TESTS); do echo "== $$t"; \
		if $$t; then p=$$((p + 1)); else f=$$((f + 1)); fi; done; \
	echo "unit: $$p passed, $$f failed"; test $$f -eq 0

fuzz: $(FUZZ_TARGETS)

test-mirror:
	tests/image/build-mirror.sh build/test-mirror

integration: all test-mirror
	AQ_BUILD=$(abspath $(BUILD)) tests/integration/run.sh

test: all unit integration

check:
	$(MAKE) test
	$(MAKE) fuzz-smoke
	$(MAKE) test SANITIZE=1

# Build every fuzz target and run each briefly on its own corpus-less input.
fuzz-smoke: fuzz
	@set -e; for f in $(FUZZ_TARGETS); do \
		echo "== $$f"; $$f -max_total_time=5 2>&1 | tail -n 1; done

bench: all test-mirror
	AQ_BUILD=$(abspath $(BUILD)) tests/bench/run.sh

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 -Icore/include -Icore \
		--suppress=missingIncludeSystem core plugins
	shellcheck -s sh tests/image/*.sh share/*.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(INCDIR)/aq $(DESTDIR)$(DATADIR)/images \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/examples/fetch-local
	install -m 755 $(BUILD)/aq $(DESTDIR)$(BINDIR)/aq
	install -m 755 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -d $(DESTDIR)$(MODULEDIR)
	install -m 755 $(MODULES) $(DESTDIR)$(MODULEDIR)/
	install -m 644 core/include/aq/plugin.h $(DESTDIR)$(INCDIR)/aq/
	install -m 644 images/*.ini $(DESTDIR)$(DATADIR)/images/
	install -m 644 share/aq.1 $(DESTDIR)$(MANDIR)/man1/aq.1
	install -m 644 share/aq-image.5 $(DESTDIR)$(MANDIR)/man5/aq-image.5
	install -m 644 share/PLUGINS.md $(DESTDIR)$(DATADIR)/
	install -m 644 share/examples/fetch-local/* \
		$(DESTDIR)$(DATADIR)/examples/fetch-local/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		share/aq-plugin.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/aq-plugin.pc
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 share/completion/aq.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/aq
	install -m 644 share/completion/_aq \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_aq

clean:
	rm -rf build build-san
