# bbperm: apply Bitbucket permissions in bulk from a CSV.
#
#   make                  build build/bbperm (libcurl, libcsv, cJSON only)
#   make fakebb           build build/fakebb, the test server (libmicrohttpd)
#   make check            unit tests, then end-to-end tests
#   make demo             the sample CSV against the bundled fake server
#   make bench            scripts/bench
#   make SANITIZE=address,undefined check    (or SANITIZE=thread)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
CC        ?= cc
OPT       ?= -O2 -g
SANITIZE  ?=
VERSION   := 0.3.0

WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
DEFS      := -D_GNU_SOURCE -DBBPERM_VERSION=\"$(VERSION)\"
ifneq ($(SANITIZE),)
SANFLAGS  := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
endif
ALL_CFLAGS  = $(WARN) $(OPT) $(DEFS) -Iinclude $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

LIBS      := -lcurl -lcsv -lcjson -lpthread -lm
TEST_LIBS := -lcmocka
FAKE_LIBS := -lmicrohttpd -lcjson -lpthread -lm

# Objects are kept apart per sanitizer setting so switching never mixes them.
comma     := ,
B         := build$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))

SRCS      := $(wildcard src/*.c)
LIB_OBJS  := $(patsubst src/%.c,$(B)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/%,$(UNIT_SRCS))

.PHONY: all fakebb check unit e2e contract demo bench fuzz lint install uninstall clean sanitize
all: $(B)/bbperm
fakebb: $(B)/fakebb

# -MMD: each object depends on the headers it includes (build/obj/*.d).
$(B)/obj/%.o: src/%.c | $(B)/obj
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard $(B)/obj/*.d)

$(B)/obj:
	mkdir -p $@

$(B)/bbperm: $(B)/obj/main.o $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/fakebb: $(wildcard tests/fakebb/*.c tests/fakebb/*.h) | $(B)/obj
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(ALL_LDFLAGS) $(FAKE_LIBS)

$(B)/test_%: tests/unit/test_%.c $(LIB_OBJS) $(wildcard tests/unit/*.h)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(ALL_LDFLAGS) $(LIBS) $(TEST_LIBS)

# Sanitizer reports make the program fail, so a test sees them.
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
           TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1

unit: $(UNIT_BINS)
	@$(SAN_ENV) scripts/run-unit $(UNIT_BINS)

e2e: $(B)/bbperm $(B)/fakebb
	@$(SAN_ENV) BBPERM=$(B)/bbperm FAKEBB=$(B)/fakebb E2E_SANITIZED=$(SANITIZE) scripts/run-e2e

check: all fakebb unit e2e

contract: $(B)/bbperm
	@BBPERM=$(B)/bbperm tests/contract/run

demo: $(B)/bbperm $(B)/fakebb
	@BBPERM=$(B)/bbperm FAKEBB=$(B)/fakebb scripts/demo

bench: $(B)/bbperm $(B)/fakebb
	@BBPERM=$(B)/bbperm FAKEBB=$(B)/fakebb scripts/bench

install: $(B)/bbperm
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(B)/bbperm $(DESTDIR)$(BINDIR)/bbperm
	install -m 644 bbperm.1 $(DESTDIR)$(MANDIR)/man1/bbperm.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bbperm $(DESTDIR)$(MANDIR)/man1/bbperm.1

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --std=c11 --inline-suppr -Iinclude src
	clang-tidy --quiet $(SRCS) -- $(WARN) $(DEFS) -Iinclude

clean:
	rm -rf build build-*

# libFuzzer: the CSV reader, row validation and URL builder, for FUZZ_SECONDS,
# seeded from samples/ and the end-to-end test data.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := build-fuzz
FUZZ_SRCS    := src/api.c src/api_cloud.c src/api_dc.c src/csvin.c src/csvout.c src/row.c src/util.c
$(FUZZ_DIR)/fuzz_rows: tests/fuzz/fuzz_rows.c $(FUZZ_SRCS) $(wildcard include/*.h)
	mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(WARN) -O1 -g $(DEFS) -Iinclude -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ tests/fuzz/fuzz_rows.c $(FUZZ_SRCS) -lcsv -lcjson -lcurl

fuzz: $(FUZZ_DIR)/fuzz_rows
	rm -rf $(FUZZ_DIR)/corpus && mkdir -p $(FUZZ_DIR)/corpus
	for f in samples/*.csv tests/e2e/data/*.csv; do cp $$f $(FUZZ_DIR)/corpus/$$(echo $$f | tr / _); done
	$(FUZZ_DIR)/fuzz_rows -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	    -print_final_stats=1 $(FUZZ_DIR)/corpus > $(FUZZ_DIR)/fuzz.log 2>&1; \
	    rc=$$?; tail -n 12 $(FUZZ_DIR)/fuzz.log; exit $$rc
