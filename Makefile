# Entry points. `make demo` and `make test` work on a fresh Debian 12 machine (run as root, they
# install missing packages through scripts/deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test unit conformance demo sanitize clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Unit tests, ONNX conformance (Debian's libonnx-testdata) and the PyTorch model fixtures.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

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
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEWM_SANITIZE=ON
	cmake --build $(BUILD)-asan -j $(JOBS) --target edgewm_tests edgewm
	$(BUILD)-asan/tests/edgewm_tests
	$(BUILD)-asan/edgewm onnx-test -q -j $(JOBS) /usr/share/libonnx-testdata/data tests/models

clean:
	rm -rf $(BUILD) $(BUILD)-asan
