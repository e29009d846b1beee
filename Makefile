# dlakit: the two commands a new user runs (README.md). Everything else is CMake + ctest.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
DEFAULT_MODEL ?= models/fashion/fashion_resnet.onnx
DEFAULT_INPUT ?= models/fashion/samples/input_0.npy

.PHONY: run test deps build clean asan

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run-default.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "ONNX conformance (host FP32 executor; every skip and its reason: docs/conformance.md):"
	@grep -h "onnx-test summary" $(BUILD)/Testing/Temporary/LastTest.log | sed -E 's/^[0-9]+: /  /'

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDLA_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -L unit

clean:
	rm -rf $(BUILD) build-asan

# The six DLA reference networks (+ the detectors' full pipelines) as ONNX, into cache/models (docs/models.md).
.PHONY: models
models:
	/usr/bin/python3 models/refnets/build_all.py --out cache/models
