# Entry points. `make demo` and `make test` work on a fresh Debian 12 machine (run as root, they
# install missing packages through scripts/deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache (installed by scripts/deps.sh) keyed on paths relative to this checkout, so a fresh clone
# elsewhere (CI) reuses what an earlier build compiled.
CCACHE := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
LAUNCHER := -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
endif

.PHONY: all deps build test test-arm unit conformance demo sanitize fuzz clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Unit tests, ONNX conformance (Debian's libonnx-testdata) and the PyTorch model fixtures;
# then the runtime's kernel tests built for ARM64 and run under qemu-aarch64.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-arm

# The runtime and its kernel/sampler tests cross-compiled for ARM64 (Debian's aarch64 g++),
# run under qemu-aarch64: correctness off x86 (speed is not measurable under emulation).
# It is the runtime-only configuration with shared libraries; its tool runs the shipped world
# model, compiled here by the host build.
test-arm: build
	cmake -S cross -B $(BUILD)-aarch64 -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cross/aarch64-linux-gnu.cmake $(LAUNCHER)
	cmake --build $(BUILD)-aarch64 -j $(JOBS)
	$(BUILD)/edgewm compile models/drone_world/model.onnx -o $(BUILD)-aarch64/drone_world.ewm
	cd $(BUILD)-aarch64 && ctest --output-on-failure --repeat until-pass:3

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

conformance: build
	$(BUILD)/edgewm onnx-test -j $(JOBS) /usr/share/libonnx-testdata/data

# The main job on the shipped default model: compile, inspect, run against its PyTorch fixture, time it.
demo: build
	scripts/demo.sh $(BUILD)/edgewm

# Every unit test (parser, kernels, samplers, simulators, media) and the conformance suite
# under AddressSanitizer + UBSan.
sanitize: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEWM_SANITIZE=ON $(LAUNCHER)
	cmake --build $(BUILD)-asan -j $(JOBS) --target edgewm_tests edgewm
	$(BUILD)-asan/tests/edgewm_tests
	$(BUILD)-asan/edgewm onnx-test -q -j $(JOBS) /usr/share/libonnx-testdata/data tests/models
	# ThreadSanitizer: the pool, sessions sharing it and kernels splitting work over it.
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEWM_SANITIZE_THREAD=ON $(LAUNCHER)
	cmake --build $(BUILD)-tsan -j $(JOBS) --target edgewm_tests
	TSAN_OPTIONS=halt_on_error=1 $(BUILD)-tsan/tests/edgewm_tests --gtest_filter='ThreadPool.*:Session.*:*KernelParity.*'

# libFuzzer targets (fuzz/) built with clang + ASan + UBSan, each run for FUZZ_SECONDS from the
# committed corpus (fuzz/corpus/) plus seeds made from the fixtures; fails on any crash, leak,
# timeout or out-of-memory (scripts/fuzz.sh, fuzz/README.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := ewm_load onnx_compile npy tensor_pb metadata
fuzz: build
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_C_COMPILER=clang -DEDGEWM_FUZZ=ON -DEDGEWM_BUILD_TESTS=OFF $(LAUNCHER)
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz.sh $(BUILD)-fuzz $(BUILD)/edgewm $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-aarch64
