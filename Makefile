# cnab-tools: offline archive and relocation suite for CNAB bundles.
#
#   make                 build the library and the four tools
#   make check           install what is missing (make deps), build, test
#   make demo            install, build, and run the README's flow
#   make lint            formatting and banned-function checks
#   make fuzz            build the libFuzzer targets (clang), fuzz each
#                        for FUZZ_TIME seconds
#   make fuzz-regress    run the fuzz targets once over testdata/fuzz/
#   make install         PREFIX=/usr/local DESTDIR=
#   make deb             build/deb/cnab-tools_VERSION_ARCH.deb
#   make deb-check       build it, lintian it, install, use, remove it
#
#   V=1                  show the commands
#   DEVELOPER=1          strict warnings, -Werror
#   SANITIZE=address,undefined   build with sanitizers

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
DESTDIR ?=

CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
INSTALL ?= install

PKGS = libarchive zlib libssl libcrypto jansson yaml-0.1 libcurl
TEST_PKGS = cmocka

CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -I. \
	-DCNAB_VERSION='"$(VERSION)"' -pthread -Wall -Wextra $(CFLAGS)
ALL_LDFLAGS = -pthread $(LDFLAGS)

ifdef DEVELOPER
ALL_CFLAGS += -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wpointer-arith -Wwrite-strings -Wundef \
	-Wno-error=deprecated-declarations
endif
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Evaluated only when something is compiled, after the dependency check.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

ifneq ($(V),1)
QUIET_CC = @echo '   ' CC $@;
QUIET_AR = @echo '   ' AR $@;
QUIET_LINK = @echo '   ' LINK $@;
QUIET_GEN = @echo '   ' GEN $@;
endif

LIB = libcnab.a

LIB_OBJS =
LIB_OBJS += common/attach.o
LIB_OBJS += common/auth-challenge.o
LIB_OBJS += common/auth-cred.o
LIB_OBJS += common/auth-helper.o
LIB_OBJS += common/auth-token.o
LIB_OBJS += common/auth.o
LIB_OBJS += common/buf.o
LIB_OBJS += common/cosign.o
LIB_OBJS += common/digest.o
LIB_OBJS += common/fetch.o
LIB_OBJS += common/fsutil.o
LIB_OBJS += common/http.o
LIB_OBJS += common/image.o
LIB_OBJS += common/json.o
LIB_OBJS += common/layout.o
LIB_OBJS += common/map.o
LIB_OBJS += common/oci.o
LIB_OBJS += common/reference.o
LIB_OBJS += common/registry-blob.o
LIB_OBJS += common/registry-manifest.o
LIB_OBJS += common/registry-upload.o
LIB_OBJS += common/registry.o
LIB_OBJS += common/status.o
LIB_OBJS += common/stream.o
LIB_OBJS += common/tar.o
LIB_OBJS += common/transfer-push.o
LIB_OBJS += common/transfer.o
LIB_OBJS += common/upload-pool.o
LIB_OBJS += common/utf8.o
LIB_OBJS += common/volume.o
LIB_OBJS += formats/bundle.o
LIB_OBJS += formats/cnaboci.o
LIB_OBJS += formats/delta.o
LIB_OBJS += formats/porter.o
LIB_OBJS += formats/relocation.o
LIB_OBJS += formats/thick-push.o
LIB_OBJS += formats/thick.o

FE_OBJS =
FE_OBJS += tools/archive-in.o
FE_OBJS += tools/fe.o
FE_OBJS += tools/output.o
FE_OBJS += tools/pull.o
FE_OBJS += tools/push.o
FE_OBJS += tools/signatures.o

TOOLS =
TOOLS += cnab-archive
TOOLS += cnab-inspect
TOOLS += cnab-publish-archive
TOOLS += cnab-relocate

UNIT_TESTS =
UNIT_TESTS += tests/unit/test-attach
UNIT_TESTS += tests/unit/test-auth
UNIT_TESTS += tests/unit/test-buf
UNIT_TESTS += tests/unit/test-bundle
UNIT_TESTS += tests/unit/test-cnaboci
UNIT_TESTS += tests/unit/test-delta
UNIT_TESTS += tests/unit/test-cosign
UNIT_TESTS += tests/unit/test-digest
UNIT_TESTS += tests/unit/test-fetch
UNIT_TESTS += tests/unit/test-fsutil
UNIT_TESTS += tests/unit/test-http
UNIT_TESTS += tests/unit/test-json
UNIT_TESTS += tests/unit/test-layout
UNIT_TESTS += tests/unit/test-map
UNIT_TESTS += tests/unit/test-oci
UNIT_TESTS += tests/unit/test-porter
UNIT_TESTS += tests/unit/test-reference
UNIT_TESTS += tests/unit/test-relocation
UNIT_TESTS += tests/unit/test-tar
UNIT_TESTS += tests/unit/test-thick
UNIT_TESTS += tests/unit/test-transfer
UNIT_TESTS += tests/unit/test-upload-pool
UNIT_TESTS += tests/unit/test-utf8
UNIT_TESTS += tests/unit/test-volume

TOOL_OBJS = $(patsubst %,tools/%.o,$(TOOLS))
UNIT_OBJS = $(addsuffix .o,$(UNIT_TESTS))
ALL_OBJS = $(LIB_OBJS) $(FE_OBJS) $(TOOL_OBJS) $(UNIT_OBJS)

.PHONY: all check test unit cli integration demo deps lint install valgrind \
	uninstall clean bench fuzz deb deb-check FORCE
.DELETE_ON_ERROR:

all: $(TOOLS) build/completion/_cnab-tools

# The zsh completion, generated from the tools' --help.
build/completion/_cnab-tools: tools/completion/gen-zsh.sh $(TOOLS)
	@mkdir -p build/completion
	$(QUIET_GEN)tools/completion/gen-zsh.sh $(patsubst %,./%,$(TOOLS)) >$@

# Rebuild everything when the flags change (git's GIT-CFLAGS).
build/FLAGS: FORCE
	@mkdir -p build
	@flags='$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)'; \
	if test x"$$flags" != x"`cat $@ 2>/dev/null`"; then \
		echo "$$flags" >$@; \
	fi

# A clear error when a library the build needs is missing.
build/deps.ok: Makefile
	@mkdir -p build
	@command -v $(PKG_CONFIG) >/dev/null 2>&1 || { \
		echo "error: pkg-config not found: run 'make deps'" >&2; \
		exit 1; }
	@for p in $(PKGS) $(TEST_PKGS); do \
		$(PKG_CONFIG) --exists $$p || { \
		echo "error: library '$$p' not found by pkg-config:" \
			"run 'make deps' (as root) to install it" >&2; \
		exit 1; }; \
	done
	@touch $@

%.o: %.c build/FLAGS | build/deps.ok
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

tests/unit/%.o: tests/unit/%.c build/FLAGS | build/deps.ok
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(TOOLS): %: tools/%.o $(FE_OBJS) $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(UNIT_TESTS): %: %.o $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) \
		$(TEST_LIBS) $(PKG_LIBS)

-include $(ALL_OBJS:.o=.d)

deps:
	@tests/deps.sh

# The README's test command: set up, build, run every test.
check: deps
	@$(MAKE) --no-print-directory -k test

test: unit cli integration fuzz-regress deb-check

unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

cli: all
	@tests/cli/run.sh
	+@tests/cli/check-docs.sh

integration: all
	@tests/integration/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

# unit, CLI and integration tests with every program under valgrind (no
# leaks, no memory errors)
valgrind: all $(UNIT_TESTS)
	@VALGRIND=1 tests/run-unit.sh $(UNIT_TESTS)
	@VALGRIND=1 tests/cli/run.sh
	@ITEST_VALGRIND=1 ITEST_TIMEOUT=1800 ITEST_SKIP="selftest t-proxy-selftest" \
		tests/integration/run.sh

bench: all
	@tests/bench.sh

# The Debian package, built from a copy of the sources with the Debian
# build flags, and its check (lintian, install, use, remove).
deb:
	@packaging/deb/mkdeb.sh $(VERSION)

deb-check: deb
	@tests/deb/check-deb.sh $(VERSION)

lint:
	@tests/lint.sh

# Fuzzing (libFuzzer): the targets and the library built again with clang
# and the sanitizers under build/fuzz/, apart from the normal build.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_ALL_CFLAGS = $(ALL_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined $(ALL_LDFLAGS)

FUZZ_PROGS =
FUZZ_PROGS += tests/fuzz/fuzz-archive
FUZZ_PROGS += tests/fuzz/fuzz-authfile
FUZZ_PROGS += tests/fuzz/fuzz-bundle
FUZZ_PROGS += tests/fuzz/fuzz-challenge
FUZZ_PROGS += tests/fuzz/fuzz-json
FUZZ_PROGS += tests/fuzz/fuzz-manifest
FUZZ_PROGS += tests/fuzz/fuzz-porter
FUZZ_PROGS += tests/fuzz/fuzz-reference

FUZZ_LIB = build/fuzz/libcnab.a
FUZZ_LIB_OBJS = $(addprefix build/fuzz/,$(LIB_OBJS))
FUZZ_OBJS = $(FUZZ_LIB_OBJS) $(addprefix build/fuzz/,$(FUZZ_PROGS:=.o))

.PHONY: fuzz-regress fuzz-clean

build/fuzz/FLAGS: FORCE
	@mkdir -p build/fuzz
	@flags='$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) $(FUZZ_LDFLAGS)'; \
	if test x"$$flags" != x"`cat $@ 2>/dev/null`"; then \
		echo "$$flags" >$@; \
	fi

build/fuzz/%.o: %.c build/fuzz/FLAGS | build/deps.ok
	@mkdir -p $(@D)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) $(PKG_CFLAGS) -MMD -MP \
		-c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_PROGS): %: build/fuzz/%.o $(FUZZ_LIB)
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -o $@ $^ $(FUZZ_LDFLAGS) \
		$(PKG_LIBS)

-include $(FUZZ_OBJS:.o=.d)

# Each target in turn on a copy of its seeds; a failure fails the run.
fuzz: $(FUZZ_PROGS)
	@tests/fuzz/run.sh fuzz $(FUZZ_TIME) $(FUZZ_PROGS)

# Each target once over its seeds and kept crash inputs, without fuzzing.
fuzz-regress: $(FUZZ_PROGS)
	@tests/fuzz/run.sh regress $(FUZZ_PROGS)

clean: fuzz-clean
fuzz-clean:
	rm -f $(FUZZ_PROGS)
	rm -rf build/fuzz

# The man pages are mdoc(7) source, installed as they are.  The bash
# completion is one script for the four tools, installed under each tool's
# name: bash-completion loads completions by command name.  The zsh one is
# one #compdef file for the four.
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 $(patsubst %,tools/man/%.1,$(TOOLS)) \
		$(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 tools/man/cnab-archive.5 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	for t in $(TOOLS); do \
		$(INSTALL) -m 0644 tools/completion/cnab-tools.bash \
			$(DESTDIR)$(BASHCOMPDIR)/$$t || exit 1; \
	done
	$(INSTALL) -d $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0644 build/completion/_cnab-tools $(DESTDIR)$(ZSHCOMPDIR)

uninstall:
	rm -f $(patsubst %,$(DESTDIR)$(BINDIR)/%,$(TOOLS))
	rm -f $(patsubst %,$(DESTDIR)$(MANDIR)/man1/%.1,$(TOOLS))
	rm -f $(DESTDIR)$(MANDIR)/man5/cnab-archive.5
	rm -f $(patsubst %,$(DESTDIR)$(BASHCOMPDIR)/%,$(TOOLS))
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_cnab-tools

clean:
	rm -f $(LIB) $(TOOLS) $(UNIT_TESTS) $(ALL_OBJS) $(ALL_OBJS:.o=.d)
	rm -rf build tests/tmp demo
