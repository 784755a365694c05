# forja - the two commands a new user needs:
#   make test    install what the build needs, build, run every test
#                (plain, ASan+UBSan, TSan stress, install/consumer check)
#   make bench   install what the benchmarks need, build, run the suite
# Other targets: build, examples, bench-bin, callgrind, clean,
#   soak (SECONDS=600 SANITIZE=thread|address SEED=n), test-arm64 (qemu).
# Packages are installed with apt-get when run as root; otherwise the exact
# command is printed and the target fails.

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
BUILD   ?= build
CMAKE   ?= cmake
ARGS    ?=

TEST_PKGS  = cmake make gcc g++ pkg-config libck-dev libcriterion-dev spin
SECONDS   ?= 600
SEED      ?=
SANITIZE  ?=
ARM64_SOAK ?= 20
BENCH_PKGS = $(TEST_PKGS) clang libomp-dev libtbb-dev g++ golang-go python3 gnuplot-nox

.PHONY: all build test test-plain test-asan test-tsan test-model test-install test-bench-smoke soak test-arm64 deps-test deps-bench \
        bench bench-bin examples callgrind clean

all: build

# ------------------------------------------------------------ dependencies
# dpkg-query answers "install ok installed" for each present package.
define need_pkgs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "forja: installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null || exit 1; \
	  else \
	    echo "forja: missing packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps-test:
	$(call need_pkgs,$(TEST_PKGS))

deps-bench:
	$(call need_pkgs,$(BENCH_PKGS))

# ------------------------------------------------------------------ builds
# $(1): build dir, $(2): extra cmake arguments
define cmake_build
	$(CMAKE) -S . -B $(1) -DCMAKE_INSTALL_MESSAGE=NEVER $(2) >/dev/null
	$(CMAKE) --build $(1) -j $(JOBS)
endef

build: deps-test
	$(call cmake_build,$(BUILD)/release,-DCMAKE_BUILD_TYPE=Release)

examples: build
	@for e in hello fib; do echo "== examples/$$e"; ./$(BUILD)/release/examples/$$e || exit 1; done

# --------------------------------------------------------------------- tests
# Debug checks stay on (no NDEBUG) at -O2 so the misuse aborts are tested.
test: deps-test
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory test-plain test-asan test-tsan test-model test-install test-bench-smoke examples || exit 1; \
	echo "forja: all test stages passed in $$(( $$(date +%s) - start )) s"

test-plain: deps-test
	$(call cmake_build,$(BUILD)/test,-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O2 -g")
	cd $(BUILD)/test && ctest --output-on-failure -j $(JOBS)

test-asan: deps-test
	$(call cmake_build,$(BUILD)/asan,-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DFORJA_SANITIZE=address -DFORJA_EXAMPLES=OFF)
	cd $(BUILD)/asan && ctest --output-on-failure -j $(JOBS)

test-tsan: deps-test
	$(call cmake_build,$(BUILD)/tsan,-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DFORJA_SANITIZE=thread -DFORJA_EXAMPLES=OFF)
	cd $(BUILD)/tsan && ctest --output-on-failure -j $(JOBS)

# spin: the split deque, the sleep protocol and the wait group, exhaustively for small
# bounds, plus planted bugs the check must catch (about 110 s).
test-model: deps-test
	sh tests/model/check.sh -q

# The randomized soak driver for as long as asked, optionally under a
# sanitizer: make soak SECONDS=600 SANITIZE=thread (or address, or empty).
soak: deps-test
	$(call cmake_build,$(BUILD)/soak-$(or $(SANITIZE),plain),-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DFORJA_SANITIZE=$(SANITIZE) -DFORJA_EXAMPLES=OFF)
	cd $(BUILD)/soak-$(or $(SANITIZE),plain) && \
	  TSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 ./tests/stress_soak $(SECONDS) $(SEED)

# Optional, slow: cross-build for aarch64 and run the suites, the stress
# programs and a soak of ARM64_SOAK seconds under qemu-aarch64. (qemu on x86
# does not reorder like ARM does: tests/model covers weak memory.)
test-arm64:
	$(call need_pkgs,cmake gcc-aarch64-linux-gnu qemu-user)
	sh tests/arm64/run.sh $(ARM64_SOAK)

# Install to a scratch prefix, then build a tiny consumer with find_package
# and with pkg-config against it, and a C++ one (the header is C and C++).
PREFIX_PC = PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/prefix/lib/pkgconfig:$(CURDIR)/$(BUILD)/prefix/lib/x86_64-linux-gnu/pkgconfig
PC_FORJA  = $$(pkg-config --cflags --libs --static forja) -Wl,-rpath,$$(pkg-config --variable=libdir forja)
test-install: build
	rm -rf $(BUILD)/prefix $(BUILD)/consumer-cmake
	$(CMAKE) --install $(BUILD)/release --prefix $(CURDIR)/$(BUILD)/prefix >/dev/null
	$(CMAKE) -S tests/consumer -B $(BUILD)/consumer-cmake -DCMAKE_PREFIX_PATH=$(CURDIR)/$(BUILD)/prefix >/dev/null
	$(CMAKE) --build $(BUILD)/consumer-cmake
	./$(BUILD)/consumer-cmake/consumer
	$(PREFIX_PC) sh -c 'cc -o $(BUILD)/consumer-pc tests/consumer/consumer.c $(PC_FORJA)'
	./$(BUILD)/consumer-pc
	$(PREFIX_PC) sh -c 'c++ -std=c++11 -Wall -Werror -o $(BUILD)/consumer-cxx tests/consumer/consumer.cpp $(PC_FORJA)'
	./$(BUILD)/consumer-cxx
	@echo "forja: find_package, pkg-config and C++ consumers OK"

# Every benchmark program present (peers whose toolchain is missing are
# skipped with a warning) runs once at a tiny size and must verify its result.
test-bench-smoke: deps-test
	$(call cmake_build,$(BUILD)/bench-smoke,-DCMAKE_BUILD_TYPE=Release -DFORJA_BENCH=ON -DFORJA_TESTS=OFF -DFORJA_EXAMPLES=OFF)
	sh bench/smoke.sh $(BUILD)/bench-smoke/bench

# -------------------------------------------------------------------- bench
bench: deps-bench
	$(call cmake_build,$(BUILD)/bench,-DCMAKE_BUILD_TYPE=Release -DFORJA_BENCH=ON -DFORJA_TESTS=OFF)
	python3 bench/run.py --bin $(BUILD)/bench/bench $(ARGS)

# Static binaries in one folder, to copy to a machine without compilers.
bench-bin: deps-bench
	$(call cmake_build,$(BUILD)/bench,-DCMAKE_BUILD_TYPE=Release -DFORJA_BENCH=ON -DFORJA_TESTS=OFF)
	@echo "forja: benchmark binaries in $(BUILD)/bench/bench (run: python3 bench/run.py --bin DIR)"

# Instructions per spawn+sync pair (repeatable, unlike wall time).
callgrind: build
	$(call need_pkgs,valgrind)
	$(call cmake_build,$(BUILD)/bench,-DCMAKE_BUILD_TYPE=Release -DFORJA_BENCH=ON -DFORJA_TESTS=OFF)
	sh bench/callgrind.sh $(BUILD)/bench/bench

clean:
	rm -rf $(BUILD)
