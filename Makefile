# Thin wrapper around CMake. Every target first makes sure the Debian
# packages are there (scripts/install-deps.sh is idempotent and quick).

BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
COV_BUILD   ?= build-fuzz-cov
FUZZ_TIME   ?= 60
GENERATOR   ?= Ninja
CMAKE_FLAGS ?=

.PHONY: all deps build test test-fast asan fuzz fuzz-build fuzz-smoke fuzz-coverage demo bench integration load e2e tidy format clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G $(GENERATOR) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

# Everything CI runs: unit, golden and sim tests in the normal build and
# under ASan+UBSan, every fuzzer for a smoke of 3000 inputs from the seeds
# and the regression inputs, then the integration suite against real runc and crun.
test: build asan fuzz-smoke
	ctest --test-dir $(BUILD) --output-on-failure -L 'unit|golden|sim|integration'

# The fast loop: everything but the sanitizer build.
test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -L 'unit|golden|sim|integration'

asan: deps
	cmake -S . -B $(ASAN_BUILD) -G $(GENERATOR) -DSA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -L 'unit|golden|sim'

# libFuzzer harnesses (fuzz/README.md), built with clang 14, ASan and UBSan.
fuzz-build: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G $(GENERATOR) -DSA_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) --target fuzzers

# FUZZ_TIME seconds per harness (default 60); FUZZ_KEEP=1 keeps what they found.
fuzz: fuzz-build
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# The same 3000 inputs per harness on every machine (fuzz/run.sh), at most 60 s each.
fuzz-smoke: fuzz-build
	FUZZ_SEED=1 FUZZ_RUNS=3000 FUZZ_FRESH=1 ./fuzz/run.sh $(FUZZ_BUILD) 60

# llvm-cov line, function and region coverage of each harness's parsers
# over what it has kept ($(FUZZ_BUILD)/fuzz/corpus, fuzz/corpus-kept), its
# seeds and regression inputs, in a build of its own (fuzz/coverage.sh).
fuzz-coverage: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(COV_BUILD) -G $(GENERATOR) -DSA_FUZZ_COVERAGE=ON $(CMAKE_FLAGS)
	cmake --build $(COV_BUILD) --target fuzzers
	./fuzz/coverage.sh $(COV_BUILD) $(FUZZ_BUILD)/fuzz/corpus

integration: build
	ctest --test-dir $(BUILD) --output-on-failure -L integration

# A thousand containers (integration/load): churn of 1000 runc containers
# and 100 held under load for a minute, through one agent, with their
# figures printed (-V shows them). make test runs both at a reduced size.
load: build
	ctest --test-dir $(BUILD) --output-on-failure -V -L '^load$$'

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	./bench/run.sh $(BUILD)

# Kubernetes end to end: the CRI path (a private containerd) and kind, each
# where it can run (scripts/e2e.sh says which ran).
e2e: build
	./scripts/e2e.sh $(BUILD)

tidy: build
	run-clang-tidy -quiet -p $(BUILD) '(compiler|runtime|sim)/.*\.cpp$$'

format:
	find model compiler runtime sim bench integration -name '*.[ch]pp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(COV_BUILD)
