# Xenolith build. `make` builds everything into build/; `make test` runs every
# unit and integration test; `make demo` boots a guest; `make bench` measures.
# See README.md.

BUILD       ?= build
CC          ?= gcc
OPT         ?= -O2
SAN         ?=
DEB_PACKAGES = gcc make binutils libc6-dev libxen-dev libyajl-dev libcmocka-dev pkg-config \
	xenstore-utils liburing-dev man-db groff-base clang libclang-rt-14-dev valgrind iputils-ping iproute2 python3 \
	e2fsprogs mount

WARN     := -Wall -Wextra -Werror
HOST_CFLAGS := $(OPT) -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -Idom0-tools -Ixenstore/lib -Ipv-backends -pthread $(SAN)
HOST_LDFLAGS := -pthread $(SAN)

# Guest kernel: freestanding, no red zone, no SSE, linked 1:1 at 1 MiB.
GUEST_CFLAGS := -O2 -g -std=gnu11 $(WARN) -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -mno-red-zone -mgeneral-regs-only -mcmodel=kernel \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Iguest -Ipv-frontends -idirafter /usr/include
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack -T guest/guest.ld

.PHONY: all deps test unit integration check-asan check-valgrind fuzz fuzz-bins demo bench soak clean
all: deps $(BUILD)/bin/xenolith $(BUILD)/bin/xl $(BUILD)/guest/xenolith-guest unit-bins tool-bins bench-bins

# ---- Debian packages: installed when root, otherwise the exact line is printed.
deps: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing missing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	  else \
	    echo "missing Debian packages; run as root:"; echo "  apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi
	@mkdir -p $(BUILD) && touch $@

# ---- Host objects
HV_SRCS     := $(filter-out hypervisor/main.c,$(wildcard hypervisor/*.c))
DOM0_SRCS   := $(wildcard dom0-tools/libxc/*.c dom0-tools/builder/*.c dom0-tools/libxl/*.c)
XL_SRCS     := $(wildcard dom0-tools/xl/*.c)
HV_OBJS     := $(HV_SRCS:%.c=$(BUILD)/obj/%.o)
DOM0_OBJS   := $(DOM0_SRCS:%.c=$(BUILD)/obj/%.o)
XL_OBJS     := $(XL_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/lib/libhv.a: $(HV_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/lib/libdom0.a: $(DOM0_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/xenolith: $(BUILD)/obj/hypervisor/main.o $(BUILD)/lib/libhv.a $(BUILD)/lib/libdom0.a \
		$(BUILD)/lib/libxenolith-xenstore.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_LDFLAGS) -o $@ $^
$(BUILD)/bin/xl: $(XL_OBJS) $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_LDFLAGS) -o $@ $^ -lyajl

# ---- Guest kernel
GUEST_SRCS := $(wildcard guest/arch/*.S guest/kernel/*.c guest/apps/*.c guest/net/*.c pv-frontends/*.c)
GUEST_OBJS := $(patsubst %,$(BUILD)/guest-obj/%.o,$(GUEST_SRCS))
$(BUILD)/guest-obj/%.c.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/guest-obj/%.S.o: %.S | deps
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/guest/xenolith-guest: $(GUEST_OBJS) guest/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

# ---- Foreign PVH test guests: the same 32-bit code as ELF32 (PT_NOTE) and
# ELF64 (note only in a section), built with binutils alone.
PVH_GUESTS := $(BUILD)/tests/guests/pvh-elf32 $(BUILD)/tests/guests/pvh-elf64-nophdr
all: $(PVH_GUESTS)
$(BUILD)/tests/guests/pvh_hello32.o: tests/guests/pvh_hello.S | deps
	@mkdir -p $(dir $@)
	$(CC) -m32 -c $< -o $@
$(BUILD)/tests/guests/pvh_hello64.o: tests/guests/pvh_hello.S | deps
	@mkdir -p $(dir $@)
	$(CC) -DNOTE_NOT_LOADED -c $< -o $@
$(BUILD)/tests/guests/pvh-elf32: $(BUILD)/tests/guests/pvh_hello32.o tests/guests/pvh.ld
	ld -m elf_i386 -static -nostdlib --no-warn-rwx-segments -T tests/guests/pvh.ld -o $@ $<
$(BUILD)/tests/guests/pvh-elf64-nophdr: $(BUILD)/tests/guests/pvh_hello64.o tests/guests/pvh-nophdr.ld
	ld -m elf_x86_64 -static -nostdlib --no-warn-rwx-segments -T tests/guests/pvh-nophdr.ld -o $@ $<

# ---- Unit tests: tests/unit/<part>/test_<module>.c, one cmocka binary each.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
.PHONY: unit-bins
unit-bins: $(UNIT_BINS)
HOST_LIBS := $(BUILD)/lib/libhv.a $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a
$(BUILD)/tests/unit/%: tests/unit/%.c $(HOST_LIBS) $(wildcard tests/unit/hypervisor/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/unit -o $@ $< $(HOST_LIBS) \
		$(HOST_LDFLAGS) -lcmocka -lyajl

# ---- Test tools: tests/tools/*.c, standalone host programs the tests drive
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)
.PHONY: tool-bins
tool-bins: $(TOOL_BINS)
$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a $(HOST_LDFLAGS)

# ---- Benchmarks' host-side programs
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/bin/%)
.PHONY: bench-bins
bench-bins: $(BENCH_BINS)
$(BUILD)/bench/bin/%: bench/%.c $(HOST_LIBS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(HOST_LIBS) $(HOST_LDFLAGS)
# The block benchmark's host limit: io_uring alone.
$(BUILD)/bench/bin/blk_host: bench/blk_host.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(HOST_LDFLAGS) -luring

# ---- xenstore: xenstored, our libxenstore, their unit tests and test tools.
# xenstored's objects but main.o form libxenstored.a, which the cmocka suites
# in tests/unit/xenstore link; the client library's headers live beside it in
# xenstore/lib, so -Ixenstore/lib picks our xenstore.h over /usr/include's.
# The pattern rules below are more specific than the generic unit and tool
# rules (shorter stem), so make prefers them for these targets.
XS_DAEMON_SRCS := $(filter-out xenstore/xenstored/main.c,$(wildcard xenstore/xenstored/*.c))
XS_DAEMON_OBJS := $(XS_DAEMON_SRCS:%.c=$(BUILD)/obj/%.o)
XS_LIB_SRCS    := $(wildcard xenstore/lib/*.c)
XS_LIB_OBJS    := $(XS_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
XS_LIBS        := $(BUILD)/lib/libxenstored.a $(BUILD)/lib/libxenolith-xenstore.a
XS_TEST_HDRS   := $(wildcard tests/unit/xenstore/*.h xenstore/xenstored/*.h xenstore/lib/*.h)
all: $(BUILD)/bin/xenstored $(XS_LIBS)

$(BUILD)/lib/libxenstored.a: $(XS_DAEMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/lib/libxenolith-xenstore.a: $(XS_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/bin/xenstored: $(BUILD)/obj/xenstore/xenstored/main.o $(BUILD)/lib/libxenstored.a \
		$(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_LDFLAGS) -o $@ $^
$(BUILD)/tests/unit/xenstore/%: tests/unit/xenstore/%.c $(XS_LIBS) $(XS_TEST_HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/unit -Ixenstore/xenstored -Ixenstore/lib -o $@ $< $(XS_LIBS) \
		$(BUILD)/lib/libdom0.a \
		$(HOST_LDFLAGS) -lcmocka
$(BUILD)/tests/tools/xs_%: tests/tools/xs_%.c $(BUILD)/lib/libxenolith-xenstore.a | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ixenstore/lib -o $@ $< $(BUILD)/lib/libxenolith-xenstore.a $(HOST_LDFLAGS)
# The same client source against Xen's real libxenstore (libxen-dev), for
# the interop test: HOST_CFLAGS without -Ixenstore/lib, so <xenstore.h> is
# /usr/include's.
XS_XEN_LIB := /usr/lib/x86_64-linux-gnu/libxenstore.so
ifneq ($(wildcard $(XS_XEN_LIB)),)
all: $(BUILD)/tests/tools/xs_client_test_xen $(BUILD)/bench/bin/xenstore_bench_xen
endif
$(BUILD)/tests/tools/xs_client_test_xen: tests/tools/xs_client_test.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -g -std=gnu11 $(WARN) -D_GNU_SOURCE -pthread $(SAN) -o $@ $< $(HOST_LDFLAGS) -lxenstore
# The xenstore benchmark with Xen's libxenstore as the client, as #4 asks.
$(BUILD)/bench/bin/xenstore_bench_xen: bench/xenstore_bench.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -g -std=gnu11 $(WARN) -D_GNU_SOURCE -pthread $(SAN) -o $@ $< $(HOST_LDFLAGS) -lxenstore

# ---- xenconsoled: the console backend (pv-backends/xenconsoled) and its
# cmocka suites (tests/unit/xenconsoled), which link its objects but main.o.
# The unit rule is more specific than the generic one (shorter stem).
XCD_SRCS := $(filter-out pv-backends/xenconsoled/main.c,$(wildcard pv-backends/xenconsoled/*.c))
XCD_OBJS := $(XCD_SRCS:%.c=$(BUILD)/obj/%.o)
XCD_LIBS := $(BUILD)/lib/libxenconsoled.a $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a
all: $(BUILD)/bin/xenconsoled

$(BUILD)/lib/libxenconsoled.a: $(XCD_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/bin/xenconsoled: $(BUILD)/obj/pv-backends/xenconsoled/main.o $(XCD_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_LDFLAGS) -o $@ $^
$(BUILD)/tests/unit/xenconsoled/%: tests/unit/xenconsoled/%.c $(XCD_LIBS) \
		$(wildcard pv-backends/xenconsoled/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/unit -Ipv-backends/xenconsoled -o $@ $< $(XCD_LIBS) \
		$(HOST_LDFLAGS) -lcmocka

# ---- Split-driver backends: pv-backends/<name>/ (main.c + the rest) over the
# shared xenbus handshake in pv-backends/common/, each with its cmocka
# suites in tests/unit/<name>/ linking everything but main.o.
BACKENDS := $(notdir $(wildcard pv-backends/blkback pv-backends/netback))
BE_COMMON_SRCS := $(wildcard pv-backends/common/*.c)
BE_COMMON_OBJS := $(BE_COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
BE_LIBS := $(BUILD)/lib/libbackend-common.a $(BUILD)/lib/libdom0.a $(BUILD)/lib/libxenolith-xenstore.a
$(BUILD)/lib/libbackend-common.a: $(BE_COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
define backend_rules
$(1)_SRCS := $$(filter-out pv-backends/$(1)/main.c,$$(wildcard pv-backends/$(1)/*.c))
$(1)_OBJS := $$($(1)_SRCS:%.c=$$(BUILD)/obj/%.o)
all: $$(BUILD)/bin/$(1)
$$(BUILD)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
$$(BUILD)/bin/$(1): $$(BUILD)/obj/pv-backends/$(1)/main.o $$(BUILD)/lib/lib$(1).a $$(BE_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOST_LDFLAGS) -o $$@ $$^ -luring
$$(BUILD)/tests/unit/$(1)/%: tests/unit/$(1)/%.c $$(BUILD)/lib/lib$(1).a $$(BE_LIBS) \
		$$(wildcard pv-backends/$(1)/*.h pv-backends/common/*.h) | deps
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOST_CFLAGS) -Itests/unit -Ipv-backends/$(1) -o $$@ $$< $$(BUILD)/lib/lib$(1).a \
		$$(BE_LIBS) $$(HOST_LDFLAGS) -lcmocka -luring
endef
$(foreach b,$(BACKENDS),$(eval $(call backend_rules,$(b))))

# ---- Fuzzing: tests/fuzz/<target>/fuzz.c, one libFuzzer binary each, built
# with clang (coverage + ASan + UBSan) into build-fuzz/ together with the
# code under test. FUZZ_LIBS_<target> names the archives a harness links
# (xenstored's and the hypervisor's objects cannot share one binary: both
# have a log.c). `make fuzz` runs each for FUZZ_SECONDS; `make test` only
# replays each checked-in corpus (tests/fuzz/run.sh --ci).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(notdir $(patsubst %/fuzz.c,%,$(wildcard tests/fuzz/*/fuzz.c)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIBS_xenstore    := lib/libxenstored.a lib/libdom0.a lib/libxenolith-xenstore.a
FUZZ_LIBS_xlcfg       := lib/libdom0.a
FUZZ_LIBS_device_spec := lib/libdom0.a
FUZZ_LIBS_elf         := lib/libdom0.a
FUZZ_LIBS_hypercall   := lib/libhv.a lib/libdom0.a lib/libxenolith-xenstore.a
FUZZ_LIBS_control     := lib/libhv.a lib/libdom0.a lib/libxenolith-xenstore.a
FUZZ_LIBS_netif       := lib/libnetback.a
FUZZ_LIBS_blkif       := lib/libblkback.a
FUZZ_LIBS_save_image  := lib/libdom0.a lib/libxenolith-xenstore.a
fuzz-bins:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wno-gnu-variable-sized-type-not-at-end" \
		$(FUZZ_BINS)
$(FUZZ_BUILD)/fuzz/%: tests/fuzz/%/fuzz.c $(HOST_LIBS) $(XS_LIBS) $(BACKENDS:%=$(BUILD)/lib/lib%.a) $(wildcard tests/fuzz/*.h tests/unit/hypervisor/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -fsanitize=fuzzer -Itests/unit -Ixenstore/xenstored -o $@ $< \
		$(addprefix $(BUILD)/,$(FUZZ_LIBS_$*)) $(HOST_LDFLAGS) -lyajl
fuzz: fuzz-bins
	tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)

# ---- Manual pages, printed by xl from the tables that drive `xl help` and the
# config parser (dom0-tools/xl/xl_man.c).
MAN_PAGES := $(BUILD)/man/xl.1 $(BUILD)/man/xl.cfg.5
all: $(MAN_PAGES)
$(BUILD)/man/%: $(BUILD)/bin/xl
	@mkdir -p $(dir $@)
	$(BUILD)/bin/xl help --man $* > $@

# ---- Entry points
test: all fuzz-bins
	@BUILD=$(BUILD) tests/run-all.sh

unit: all
	@BUILD=$(BUILD) tests/run-all.sh --unit-only

ASAN_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" \
		build-asan/bin/xenolith build-asan/bin/xl unit-bins
	@BUILD=build-asan tests/run-all.sh --unit-only

# The Dom0 daemons under valgrind (xenstored, xenconsoled, netback) or,
# for blkback, whose io_uring waits valgrind 3.19 cannot run, ASan+UBSan,
# over a few integration tests (tests/valgrind/run.sh), into build-valgrind/.
check-valgrind: all
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" build-asan/bin/blkback
	@BUILD=$(BUILD) ASAN_BUILD=build-asan tests/valgrind/run.sh

demo: all
	@BUILD=$(BUILD) examples/demo.sh

bench: all
	@BUILD=$(BUILD) bench/run.sh

# Many guests under block, network and xenstore load for SOAK_SECONDS
# (tests/soak/run.sh); not part of make test.
soak: all
	@BUILD=$(BUILD) tests/soak/run.sh

clean:
	rm -rf build build-asan build-fuzz build-valgrind

-include $(shell find $(BUILD)/obj $(BUILD)/guest-obj -name '*.d' 2>/dev/null)
