# memsnoop — out-of-tree build in $(OUTPUT).
OUTPUT ?= build
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PYTHON ?= /usr/bin/python3

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP
INCLUDES := -Iinclude -I$(OUTPUT) -I$(OUTPUT)/proto
LDLIBS := -lbpf -lmicrohttpd -lcurl -lpthread -ldw -lelf -lcapstone -lprotobuf-c -llzma -lz -lm -lstdc++
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Ibpf

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

SRCS := $(wildcard src/*/*.c)
PROTO_OBJ := $(OUTPUT)/proto/profile.pb-c.o
OBJS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(SRCS)) $(PROTO_OBJ)
LIB_OBJS := $(filter-out $(OUTPUT)/src/cli/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
TARGET_SRCS := $(wildcard tests/targets/*.c tests/targets/*.cc)
TARGET_BINS := $(basename $(patsubst tests/targets/%,$(OUTPUT)/tests/targets/%,$(TARGET_SRCS)))
# Libraries a test LD_PRELOADs into a launched program.
PRELOAD_SRCS := $(wildcard tests/targets/preload/*.c)
TARGET_BINS += $(patsubst tests/targets/preload/%.c,$(OUTPUT)/tests/targets/%.so,$(PRELOAD_SRCS))
DEPS_STAMP := $(OUTPUT)/.deps-installed
BUILD_DEPS_OK := $(OUTPUT)/.build-deps-ok

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR := $(PREFIX)/sbin
MAN8DIR := $(PREFIX)/share/man/man8
COMPLETIONDIR := $(PREFIX)/share/bash-completion/completions

.DELETE_ON_ERROR:
.PHONY: FORCE all deps test check unit e2e demo bench fuzz fuzz-pprof fuzz-elf fuzz-unwind install uninstall clean

all: $(OUTPUT)/memsnoop $(OUTPUT)/memsnoop.bash-completion

# The version: git describe of the tree, rewritten only when it changes (cli.o depends on it).
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(OUTPUT)/version.h: FORCE | $(BUILD_DEPS_OK)
	$(Q)mkdir -p $(@D) && echo '#define MEMSNOOP_VERSION "$(VERSION)"' > $@.tmp && \
		(cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@)
$(OUTPUT)/src/cli/cli.o: $(OUTPUT)/version.h
FORCE:

# Generated from the option table, so that it cannot go stale.
$(OUTPUT)/memsnoop.bash-completion: $(OUTPUT)/memsnoop
	$(call msg,GEN,$@)
	$(Q)$< --bash-completion > $@

# Plain make installs nothing: it says which packages are missing and names make deps.
$(BUILD_DEPS_OK): scripts/install-deps.sh
	$(Q)mkdir -p $(OUTPUT) && bash scripts/install-deps.sh --check && touch $@

# make deps, check, demo, bench install missing Debian packages, once per build tree
# (scripts/install-deps.sh is idempotent).
$(DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,install-deps.sh)
	$(Q)mkdir -p $(OUTPUT) && bash scripts/install-deps.sh && touch $@

deps: $(DEPS_STAMP)

$(OUTPUT)/memsnoop.bpf.o: bpf/memsnoop.bpf.c | $(BUILD_DEPS_OK)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/memsnoop.skel.h: $(OUTPUT)/memsnoop.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name memsnoop_bpf > $@

$(OUTPUT)/proto/profile.pb-c.c $(OUTPUT)/proto/profile.pb-c.h: proto/profile.proto | $(BUILD_DEPS_OK)
	$(call msg,PROTOC-C,$@)
	$(Q)mkdir -p $(@D) && protoc-c --proto_path=proto --c_out=$(@D) $<

$(PROTO_OBJ): $(OUTPUT)/proto/profile.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(filter-out -Wextra,$(CFLAGS)) $(INCLUDES) -c $< -o $@

# Generated headers exist before any object is compiled (-MMD tracks changes after that).
$(OBJS): | $(OUTPUT)/proto/profile.pb-c.h $(OUTPUT)/memsnoop.skel.h

$(OUTPUT)/src/%.o: src/%.c | $(BUILD_DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/memsnoop: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/unit/test_%: tests/unit/test_%.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(INCLUDES) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

# Targets keep frame pointers (stacks are walked by frame pointer) and noinline chains.
TARGET_CFLAGS := -O1 -g -fno-omit-frame-pointer -pthread -Wall -Wextra -Werror
$(OUTPUT)/tests/targets/%: tests/targets/%.c tests/targets/target.h | $(BUILD_DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/tests/targets/%: tests/targets/%.cc | $(BUILD_DEPS_OK)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/tests/targets/%.so: tests/targets/preload/%.c | $(BUILD_DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(TARGET_CFLAGS) -shared -fPIC $< -o $@

# Built the way distributions build: no frame pointers.
$(OUTPUT)/tests/targets/%_nofp: tests/targets/%_nofp.c tests/targets/target.h | $(BUILD_DEPS_OK)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror $< -o $@

# The allocator-family targets: alloc_c.c and alloc_cxx.cc built several ways.
FAMILY_TARGETS := $(addprefix $(OUTPUT)/tests/targets/,alloc_cxx_jemalloc alloc_c_static \
	alloc_c_musl alloc_c_stripped alloc_c_minidebug)
TARGET_BINS += $(FAMILY_TARGETS)
$(OUTPUT)/tests/targets/alloc_c $(OUTPUT)/tests/targets/alloc_cxx: tests/targets/alloc_pattern.h
$(OUTPUT)/tests/targets/bench_churn $(OUTPUT)/tests/targets/bench_new: tests/targets/bench_loop.h

$(OUTPUT)/tests/targets/alloc_cxx_jemalloc: tests/targets/alloc_cxx.cc tests/targets/alloc_pattern.h | $(DEPS_STAMP)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(TARGET_CFLAGS) -DJEMALLOC_API $< -ljemalloc -o $@

$(OUTPUT)/tests/targets/alloc_c_static: tests/targets/alloc_c.c tests/targets/alloc_pattern.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(TARGET_CFLAGS) -static $< -o $@

$(OUTPUT)/tests/targets/alloc_c_musl: tests/targets/alloc_c.c tests/targets/alloc_pattern.h | $(DEPS_STAMP)
	$(call msg,MUSL-CC,$@)
	$(Q)mkdir -p $(@D) && musl-gcc -O1 -g -fno-omit-frame-pointer -static $< -o $@

$(OUTPUT)/tests/targets/alloc_c_stripped: $(OUTPUT)/tests/targets/alloc_c_static
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@ $<

$(OUTPUT)/tests/targets/alloc_c_minidebug: $(OUTPUT)/tests/targets/alloc_c_static scripts/add-minidebuginfo.sh
	$(call msg,MINIDBG,$@)
	$(Q)bash scripts/add-minidebuginfo.sh $< $@

# More CFI rows than the kernel's old table budget in all (assembled: seconds, not minutes).
$(OUTPUT)/tests/targets/big_cfi: tests/targets/big_cfi.c tests/targets/big_cfi_rows.S tests/targets/target.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(TARGET_CFLAGS) tests/targets/big_cfi.c tests/targets/big_cfi_rows.S -o $@

$(OUTPUT)/tests/targets/noalloc: tests/targets/noalloc.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) -O1 -static -nostdlib -fno-stack-protector $< -o $@

unit: $(UNIT_BINS)
	$(Q)fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

# T= selects as run.py does: test_file, test_file.Class or test_file.Class.test_name (several
# space-separated), or a file pattern; empty: every test, as make check runs them (check
# empties it: a T left in the environment never narrows make check).
e2e: $(OUTPUT)/memsnoop $(TARGET_BINS)
	$(Q)$(PYTHON) tests/e2e/run.py --build $(OUTPUT) $(T)

test check: $(DEPS_STAMP)
	$(Q)$(MAKE) -s --no-print-directory all $(UNIT_BINS) $(TARGET_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory e2e T=

demo: $(DEPS_STAMP)
	$(Q)$(MAKE) -s --no-print-directory all $(OUTPUT)/tests/targets/demo
	$(Q)$(PYTHON) scripts/demo.py $(OUTPUT)

bench: $(DEPS_STAMP)
	$(Q)bash scripts/install-deps.sh --bench
	$(Q)$(MAKE) -s --no-print-directory all $(OUTPUT)/tests/targets/bench_churn \
		$(OUTPUT)/tests/targets/bench_new
	$(Q)$(PYTHON) scripts/bench.py $(OUTPUT)

# The pprof reader under libFuzzer with ASan and UBSan, FUZZ_SECONDS long, from the corpus
# in tests/fuzz/corpus/; crashing inputs land in tests/fuzz/crashers/.
FUZZ_SECONDS ?= 600
FUZZ_SRCS := tests/fuzz/fuzz_pprof_read.c src/out/pprof_read.c src/cli/diff.c src/model/gate.c src/out/escape.c src/common/hashmap.c src/common/units.c
$(OUTPUT)/fuzz/fuzz_pprof_read: $(FUZZ_SRCS) $(OUTPUT)/proto/profile.pb-c.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		$(INCLUDES) $^ -lprotobuf-c -lz -lm -o $@

# make fuzz runs every harness, FUZZ_SECONDS each.
fuzz: fuzz-pprof fuzz-elf fuzz-unwind

fuzz-pprof: $(OUTPUT)/fuzz/fuzz_pprof_read
	$(Q)mkdir -p $(OUTPUT)/fuzz/corpus tests/fuzz/crashers
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/crashers/ \
		-print_final_stats=1 $(OUTPUT)/fuzz/corpus tests/fuzz/corpus

# What memsnoop does with a target's ELF files (allocator discovery, probe placement,
# symbolization, CFI lookups) under libFuzzer, FUZZ_SECONDS long, from the test targets as
# seeds; crashing inputs land in tests/fuzz/crashers_elf/, replayed by test_fuzz_elf.
FUZZ_ELF_SRCS := tests/fuzz/fuzz_elf.c src/discover/allocators.c src/discover/placement.c \
	src/discover/codescan.c src/discover/alloc_names.c \
	src/symbols/symbolize.c src/symbols/addrspace.c src/common/targetfile.c src/symbols/procmaps.c \
	src/common/log.c src/common/hashmap.c
FUZZ_ELF_SEEDS := leak_chain cxx_names noalloc chain_nofp inlined
$(OUTPUT)/fuzz/fuzz_elf: $(FUZZ_ELF_SRCS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		$(INCLUDES) $^ -ldw -lelf -lcapstone -llzma -lstdc++ -o $@

fuzz-elf: $(OUTPUT)/fuzz/fuzz_elf $(addprefix $(OUTPUT)/tests/targets/,$(FUZZ_ELF_SEEDS))
	$(Q)mkdir -p $(OUTPUT)/fuzz/corpus_elf tests/fuzz/crashers_elf
	$(Q)cp $(addprefix $(OUTPUT)/tests/targets/,$(FUZZ_ELF_SEEDS)) $(OUTPUT)/fuzz/corpus_elf/
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/crashers_elf/ \
		-rss_limit_mb=1024 -print_final_stats=1 $(OUTPUT)/fuzz/corpus_elf

# The CFI compiler under libFuzzer, FUZZ_SECONDS long, seeded with the .eh_frame of test
# targets and of libc (a first byte 0: .eh_frame, 1: .debug_frame); crashing inputs land in
# tests/fuzz/crashers_unwind/, replayed by test_fuzz_unwind.
FUZZ_UNWIND_SRCS := tests/fuzz/fuzz_unwind.c src/unwind/cfi_table.c src/unwind/cfi_parse.c
$(OUTPUT)/fuzz/fuzz_unwind: $(FUZZ_UNWIND_SRCS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		$(INCLUDES) $^ -lelf -o $@

fuzz-unwind: $(OUTPUT)/fuzz/fuzz_unwind $(addprefix $(OUTPUT)/tests/targets/,$(FUZZ_ELF_SEEDS))
	$(Q)mkdir -p $(OUTPUT)/fuzz/corpus_unwind tests/fuzz/crashers_unwind
	$(Q)for f in $(addprefix $(OUTPUT)/tests/targets/,$(FUZZ_ELF_SEEDS)) /lib/x86_64-linux-gnu/libc.so.6; do \
		objcopy -O binary --only-section=.eh_frame $$f $(OUTPUT)/fuzz/eh_frame.tmp && \
		{ printf '\0'; cat $(OUTPUT)/fuzz/eh_frame.tmp; } > $(OUTPUT)/fuzz/corpus_unwind/$$(basename $$f); \
	done; rm -f $(OUTPUT)/fuzz/eh_frame.tmp
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=tests/fuzz/crashers_unwind/ \
		-rss_limit_mb=1024 -print_final_stats=1 $(OUTPUT)/fuzz/corpus_unwind

install: $(OUTPUT)/memsnoop $(OUTPUT)/memsnoop.bash-completion
	install -D -m 0755 $< $(DESTDIR)$(SBINDIR)/memsnoop
	install -D -m 0644 docs/memsnoop.8 $(DESTDIR)$(MAN8DIR)/memsnoop.8
	install -D -m 0644 $(OUTPUT)/memsnoop.bash-completion $(DESTDIR)$(COMPLETIONDIR)/memsnoop

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/memsnoop $(DESTDIR)$(MAN8DIR)/memsnoop.8 \
		$(DESTDIR)$(COMPLETIONDIR)/memsnoop

clean:
	rm -rf $(OUTPUT)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(OUTPUT)/memsnoop.bpf.d
