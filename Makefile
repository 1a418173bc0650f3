# Nabla: the front door. `make` or `make help` lists the targets.
#
# Needs a JDK 22+ (found by scripts/find-jdk.sh: $JAVA_HOME if new enough, else the newest under /usr/lib/jvm),
# Maven 3.8+, and for bench-gemm-c a C compiler. Variables you may set on the command line:
#   BUILD_DIR=target-x   the library's Maven output directory (default target), so several builds can share a checkout
#   ARGS="--size 512"     options for the program `make run` runs
#   JMH_ARGS="-p shape=2048"    extra JMH options for `make bench`
#   GEMM_ARGS="--sizes 256,1024" options for the GEMM runner of `make bench-gemm-c`
#   COMPARE_ARGS="--rounds 5 --skip djl"  options for CompareRunner, the runner of `make bench-compare`
#   CUDA_HOME=/usr/local/cuda    CUDA toolkit for `make bindings` (cuda.h; cuBLAS/cuDNN headers from
#                                CUBLAS_INCLUDE / CUDNN_INCLUDE, default $(CUDA_HOME)/include; nccl.h made from
#                                NCCL_SOURCE, a clone or URL of NVIDIA/nccl, by scripts/nccl-header.sh)

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Targets share build directories and the 2 cores a benchmark must own: never run them in parallel.
.NOTPARALLEL:
.DELETE_ON_ERROR:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

JAVA_HOME := $(shell $(ROOT)/scripts/find-jdk.sh)
ifeq ($(JAVA_HOME),)
$(error No JDK 22 or newer found (see the message above). Install one, e.g. Temurin 25, and/or set JAVA_HOME)
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
JAVA := $(JAVA_HOME)/bin/java
JAVA_FEATURE := $(shell "$(JAVA)" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
# Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
# JMH uses it too (in the benchmark JVMs that the Makefile starts).
ifeq ($(shell [ "$(JAVA_FEATURE)" -ge 24 ] 2>/dev/null && echo yes),yes)
export MAVEN_OPTS := $(strip $(MAVEN_OPTS) --sun-misc-unsafe-memory-access=allow)
UNSAFE_OPT := --sun-misc-unsafe-memory-access=allow
endif

MVN := mvn -B -q
# For surefire: not quiet, so that it prints its per-class lines and summary; no download progress.
MVN_VERBOSE := mvn -B -ntp
BUILD_DIR ?= target
BUILD_PATH := $(if $(filter /%,$(BUILD_DIR)),$(BUILD_DIR),$(ROOT)/$(BUILD_DIR))
# One Maven reactor (pom.xml): modules library (the jar dev.nabla:nabla, sources in src/ and bindings/), examples and
# benchmarks. The examples and benchmarks get the library from the reactor, never from ~/.m2.
REACTOR := -f $(ROOT)/pom.xml -Dbuild.dir=$(BUILD_PATH)
LIB := $(REACTOR) -pl library
EXAMPLES := $(REACTOR) -pl examples -am
BENCHMARKS := $(REACTOR) -pl benchmarks -am
QUICK := -Dmaven.test.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
M2_REPO ?= $(HOME)/.m2/repository
NABLA_VERSION := 0.1.0-SNAPSHOT
M2_NABLA := $(M2_REPO)/dev/nabla/nabla/$(NABLA_VERSION)
# The library's inputs: the DJL build below keeps a copy of the library jar (in its djl-lib), so it depends on them.
LIB_INPUTS := $(ROOT)/pom.xml $(ROOT)/library/pom.xml \
    $(shell find $(ROOT)/src/main $(ROOT)/src/build $(ROOT)/bindings/src -type f 2>/dev/null)

JAVA_OPTS := --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector
BENCH_OPTS := $(JAVA_OPTS) $(UNSAFE_OPT)
# Benchmarks measure the machine at its best: without the environment's OpenBLAS overrides (OPENBLAS_CORETYPE=Haswell
# here, which makes OpenBLAS use AVX2 kernels on this AVX-512 CPU). Tests keep the environment as it is.
BENCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
EXAMPLES_CP = $(ROOT)/examples/target/classes:$$(cat $(ROOT)/examples/target/classpath.txt)
# make run takes the examples from their jar: the JVM's AOT cache accepts only jars on the class path.
EXAMPLES_JAR := $(ROOT)/examples/target/nabla-examples-$(NABLA_VERSION).jar
RUN_CP = $(EXAMPLES_JAR):$$(cat $(ROOT)/examples/target/classpath.txt)
# JDK 25's ahead-of-time cache for make run (JEP 483, 514, 515): the classes a training run loaded and linked, and the
# profiles of its hot methods, so that a run starts sooner and its JIT compiles the training step earlier. Recorded
# by a short training run on first use and again whenever the sources of the library or the examples change (Maven
# rewrites the jars on every build, and the JVM checks a cached jar by its size only, so the sources decide), one file
# per JDK build under the build directory. RUN_AOT=0 turns it off; RUN_AOT_TRAINING is the recording run's options.
RUN_AOT ?= 1
RUN_AOT_TRAINING ?= --epochs 1 --train-limit 8192 --test-limit 1000 --optimizer sgd
JAVA_RUNTIME_VERSION := $(shell sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$$/\1/p' "$(JAVA_HOME)/release" 2>/dev/null)
EXAMPLES_INPUTS := $(ROOT)/examples/pom.xml $(shell find $(ROOT)/examples/src/main -type f 2>/dev/null)
ifeq ($(shell [ "$(RUN_AOT)" = 1 ] && [ "$(JAVA_FEATURE)" -ge 25 ] 2>/dev/null && echo yes),yes)
RUN_AOT_CACHE := $(BUILD_PATH)/aot/run-$(or $(JAVA_RUNTIME_VERSION),jdk$(JAVA_FEATURE)).aot
RUN_AOT_OPT = $$(test -s "$(RUN_AOT_CACHE)" && echo "-XX:AOTCache=$(RUN_AOT_CACHE)")
endif
BENCH_JAR := $(ROOT)/benchmarks/target/benchmarks.jar
GEMM_C := $(ROOT)/benchmarks/target/gemm_bench
ALLREDUCE_C := $(ROOT)/benchmarks/target/allreduce_bench
# The DJL harness: the benchmarks' `djl` Maven profile, built into its own directory (DjlBench's javadoc).
DJL_DIR := $(ROOT)/benchmarks/target-djl
DJL_BUILT := $(DJL_DIR)/classes/dev/nabla/benchmarks/djl/DjlBench.class
DJL_INPUTS := $(ROOT)/benchmarks/pom.xml $(shell find $(ROOT)/benchmarks/src -type f 2>/dev/null) $(LIB_INPUTS)

ARGS ?=
JMH_ARGS ?=
GEMM_ARGS ?=
COMPARE_ARGS ?=

.PHONY: help setup build test test-mpi run run-ddp run-gemm run-quantize run-maml run-lm demo fixtures bench \
        bench-gemm-c bench-compare bench-allreduce bench-ddp bench-lm bench-attention bench-startup bench-warmup \
        bindings clean \
        verify soak examples-build benchmarks-build smoke-examples smoke-benchmarks

help:
	@echo "Nabla (JDK: $(JAVA_HOME))"
	@echo ""
	@echo "  make run           the main job: train an MLP on Fashion-MNIST on the cpu device (ARGS=\"--model cnn --epochs 5 ...\")"
	@echo "  make run-gemm      the GEMM demo: cpu (OpenBLAS) vs java devices (ARGS=\"--size N --iterations K\")"
	@echo "  make run-quantize  compress the Fashion-MNIST MLP and CNN: int8 dynamic/static quantization, 50%/80% pruning;"
	@echo "                     accuracy, file size and images/s of each (ARGS=\"--models mlp --epochs 3 ...\")"
	@echo "  make demo          a local web page (127.0.0.1:8080) to draw or pick a Fashion-MNIST image and see the trained"
	@echo "                     model's top 3 and the training curves; trains the MLP first if needed (ARGS=\"--port 0 --epochs 5\")"
	@echo "  make run-maml      MAML on few-shot sine regression (second-order meta-gradient): pre/post-adaptation MSE vs a"
	@echo "                     jointly pretrained baseline (ARGS=\"--iterations 2000 --inner-steps 5 ...\")"
	@echo "  make run-lm        a character-level transformer language model trained on Debian's fortunes: validation loss,"
	@echo "                     perplexity and tokens/s, then sampled text (ARGS=\"--steps 3000 --width 192 ...\")"
	@echo "  make bench-lm      time per training step of run-lm's model: Nabla vs PyTorch (python3-torch), same sizes"
	@echo "  make bench-attention  attention forward+backward, sequence 128..2048: Nabla fused and composite vs PyTorch"
	@echo "  make bench-startup time from java start to the first training step: plain, with a JDK AOT cache, and with one but without the Vector API module"
	@echo "  make bench-warmup  a fresh JVM's first training epoch (MLP, 469 steps) against its later ones, step by step"
	@echo "  make test          the whole test suite: mvn verify of the reactor (library and example tests, benchmarks jar),"
	@echo "                     then smoke-run examples and benchmarks, and the CUDA emulator's real-block mode on a subset"
	@echo "  make test-mpi      the distributed tests under mpirun -np 2 and -np 3 (part of make test; needs openmpi-bin)"
	@echo "  make run-ddp       Fashion-MNIST MLP trained data-parallel on NP MPI ranks (NP=2, ARGS=\"--epochs 3\")"
	@echo "  make soak          the concurrency stress and fuzz suites for minutes (SOAK_SECONDS=120 per test, SOAK_CASES=1000000)"
	@echo "  make setup         install system packages when possible (root + apt): libopenblas0-pthread, dataset-fashion-mnist,"
	@echo "                     fortunes, g++"
	@echo "  make fixtures      regenerate the PyTorch reference fixtures (needs Debian's python3-torch)"
	@echo "  make build         mvn install of the library dev.nabla:nabla (jar, sources and javadoc jars) and its parent pom"
	@echo "                     into ~/.m2, for projects that depend on it"
	@echo "  make bench         JMH suite: GEMM (cpu/java/EJML), kernel GB/s vs copy, training steps, call overhead"
	@echo "  make bench-gemm-c  Nabla vs a C program calling the same OpenBLAS, 1 and 2 threads (GEMM_ARGS=...)"
	@echo "  make bench-allreduce  all-reduce latency and bus bandwidth, 4 KB..64 MB on 2 MPI ranks: Nabla vs C"
	@echo "  make bench-ddp     Fashion-MNIST MLP step time: 2 MPI ranks vs one process vs PyTorch DDP (gloo)"
	@echo "  make bench-compare Nabla vs C (same OpenBLAS) vs DJL vs PyTorch, ratio table into benchmarks/results/"
	@echo "                     (COMPARE_ARGS=\"--rounds 5 --workloads gemm_f32_1024,step_mlp --skip djl\"; --quick: 1 short round)"
	@echo "  make bindings      regenerate bindings/ with jextract (on PATH, else built from source: scripts/build-jextract.sh)"
	@echo "  make clean         remove build outputs ($(BUILD_DIR)/, examples/target/, benchmarks/target/)"

# ---------------------------------------------------------------- system packages

# Best effort: Nabla also runs without a system OpenBLAS, on the natives of the Maven artifact org.bytedeco:openblas.
setup:
	@$(ROOT)/scripts/setup-system.sh
	@command -v mvn >/dev/null 2>&1 || { echo "setup: Maven 3.8+ is needed (e.g. apt-get install maven)" >&2; exit 1; }

# ---------------------------------------------------------------- library

# -am installs the parent pom too: the library's pom names it, so users resolving dev.nabla:nabla need it.
build:
	$(MVN) $(LIB) -am install -Dmaven.test.skip=true
	@for f in nabla-$(NABLA_VERSION).jar nabla-$(NABLA_VERSION)-sources.jar nabla-$(NABLA_VERSION)-javadoc.jar; do \
	    test -s "$(M2_NABLA)/$$f" || { echo "build: $(M2_NABLA)/$$f is missing" >&2; exit 1; }; \
	done
	@echo "build: installed $(M2_NABLA)/nabla-$(NABLA_VERSION){,-sources,-javadoc}.jar"

# The reactor: library and example tests, the benchmarks jar. Without the javadoc and sources jars (make build's).
verify:
	$(MVN_VERBOSE) $(REACTOR) verify -Dmaven.javadoc.skip=true -Dmaven.source.skip=true

# The safety suites for long: the concurrency stress suite for SOAK_SECONDS per device and test, the seeded fuzz suites
# for SOAK_CASES cases, and the tests that need a large file or allocation (nabla.soak). About 8 minutes by default.
SOAK_SECONDS ?= 120
SOAK_CASES ?= 1000000
SOAK_TESTS := ConcurrencyStressTest,StorageLifetimeTest,*FuzzTest,LargeAndKilledSaveTest
soak:
	$(MVN) $(LIB) test-compile
	$(MVN_VERBOSE) $(LIB) surefire:test -Dtest='$(SOAK_TESTS)' -Dsurefire.failIfNoSpecifiedTests=false \
	    -Dsurefire.extra="-Dnabla.stress.millis=$$(( $(SOAK_SECONDS) * 1000 )) -Dnabla.fuzz.cases=$(SOAK_CASES) -Dnabla.soak=true"

# ---------------------------------------------------------------- examples and benchmarks

# Only what each needs (-am: the library, built from the tree as it is), without tests.
examples-build:
	$(MVN) $(EXAMPLES) package $(QUICK)

benchmarks-build:
	$(MVN) $(BENCHMARKS) package $(QUICK)

# Every example, on tiny inputs (after verify or examples-build). Add a line here for each new example.
EXAMPLE = "$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples
smoke-examples:
	$(EXAMPLE).GemmDemo --size 64 --iterations 2
	$(EXAMPLE).tutorial.TutorialNetwork --epochs 2 --train 40 --test 20
	$(EXAMPLE).sequence.LstmSequence --epochs 1 --train 32 --test 16 --seq-len 8 --hidden 8
	$(EXAMPLE).residual.ResidualMlp --epochs 1 --train 64 --test 32 --width 16 --blocks 1
	$(EXAMPLE).maml.SineMaml --iterations 3 --meta-batch 2 --inner-steps 2 --eval-tasks 2 --log-every 1
	@if [ -d /usr/share/games/fortunes ]; then \
	    $(EXAMPLE).charlm.CharLm --max-chars 20000 --steps 3 --eval-every 3 --eval-batches 1 --batch 4 --context 16 \
	        --width 16 --layers 1 --sample-length 20 --checkpoint $(ROOT)/examples/target/smoke-charlm/lm.safetensors; \
	else echo "smoke-examples: no /usr/share/games/fortunes (make setup installs fortunes): CharLm skipped"; fi
	$(EXAMPLE).charlm.CharLmStepTime --steps 1 --warmup 0 --batch 2 --context 16 --width 16 --layers 1
	$(EXAMPLE).fashion.FashionMnistTrain --epochs 1 --train-limit 512 --test-limit 256 --no-progress \
	    --output-dir $(ROOT)/examples/target/smoke-fashion
	$(EXAMPLE).fashion.FashionMnistDdp --epochs 1 --train-limit 256 --test-limit 128 \
	    --output-dir $(ROOT)/examples/target/smoke-fashion-ddp
	$(EXAMPLE).fashion.FashionMnistTrain --model cnn --epochs 1 --train-limit 64 --test-limit 64 --no-progress \
	    --output-dir $(ROOT)/examples/target/smoke-fashion-cnn
	$(EXAMPLE).compress.CompressFashionMnist --epochs 1 --train-limit 256 --test-limit 128 --calibration-batches 2 \
	    --timing-seconds 0.2 \
	    --output-dir $(ROOT)/examples/target/smoke-compress

# The JMH benchmark code, in-process (-f 0), one short iteration of the smallest shape (after verify or
# benchmarks-build).
smoke-benchmarks:
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.GemmReport \
	    -f 0 -wi 0 -i 1 -r 100ms -p shape=64,128x256x10 -foe true -v SILENT
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.GemmVsC --help
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.CHarness --list-configs
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.KernelReport \
	    -f 0 -wi 0 -i 1 -r 100ms -p n=1000 -foe true -v SILENT
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" org.openjdk.jmh.Main 'TrainingStepBenchmark|CallOverheadBenchmark' \
	    -f 0 -wi 0 -i 1 -r 100ms -p model=seed -foe true -v SILENT
	@# every op's trial setup checks that fused and composed agree, so one impl runs them all
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" org.openjdk.jmh.Main ActivationBenchmark \
	    -f 0 -wi 0 -i 1 -r 100ms -p impl=composed -foe true -v SILENT
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.NablaHarness --list-configs
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.AttentionTimes 16,33 1 1 2 8 causal
	$(ROOT)/scripts/bench-startup.sh "$(JAVA)" "$(BENCH_JAR)" $(BUILD_PATH)/aot/startup-smoke.aot 1 $(BENCH_OPTS)
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.WarmUpCurve 12 2 seed
	@# bench-compare's runner end to end on fake harnesses: search, rounds, skip, failure, ratios and table checked
	"$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.CompareRunner --self-test --root $(ROOT)

# ---------------------------------------------------------------- distributed (MPI)

# Every rank one kernel thread (-XX:ActiveProcessorCount=1 sizes Nabla's and the JVM's pools; OpenBLAS pinned to 1):
# N ranks share the 2 cores. --bind-to none: Open MPI would pin each rank to one core; --oversubscribe: 3 ranks on
# 2 cores; --allow-run-as-root where the build runs as root (containers, CI).
MPIRUN := mpirun $(if $(filter 0,$(shell id -u)),--allow-run-as-root) --oversubscribe --bind-to none \
    -x OPENBLAS_NUM_THREADS=1 -x OMP_NUM_THREADS=1
MPI_JAVA := "$(JAVA)" $(JAVA_OPTS) -XX:ActiveProcessorCount=1
MPI_TEST_CP = $(BUILD_PATH)/classes:$(BUILD_PATH)/test-classes:$$(cat $(BUILD_PATH)/test-classpath.txt)
MPI_TESTS := dev.nabla.distributed.ProcessGroupMpiTest dev.nabla.distributed.DistributedDataParallelMpiTest
NP ?= 2

# The MPI tests (skipped by the JUnit suite, which is not under mpirun) on 2 and 3 ranks, then two failing jobs that
# must end within seconds: a rank that throws, and a rank that stops calling collectives (the watchdog's timeout).
# The stall job leaves two ranks waiting: whichever watchdog fires first aborts the job, so any rank may report.
test-mpi:
	@command -v mpirun >/dev/null 2>&1 || { echo "test-mpi: no mpirun (make setup installs openmpi-bin)" >&2; exit 1; }
	$(MVN) $(LIB) test-compile dependency:build-classpath -Dmdep.includeScope=test \
	    -Dmdep.outputFile=$(BUILD_PATH)/test-classpath.txt
	$(MPIRUN) -np 2 $(MPI_JAVA) -cp "$(MPI_TEST_CP)" dev.nabla.distributed.MpiTestMain $(MPI_TESTS)
	$(MPIRUN) -np 3 $(MPI_JAVA) -cp "$(MPI_TEST_CP)" dev.nabla.distributed.MpiTestMain $(MPI_TESTS)
	@for mode in throw stall; do \
	    start=$$(date +%s); \
	    if timeout 60 $(MPIRUN) -np 3 $(MPI_JAVA) -cp "$(MPI_TEST_CP)" dev.nabla.distributed.MpiFailFastMain $$mode \
	        > $(BUILD_PATH)/mpi-fail-$$mode.log 2>&1; then \
	        echo "test-mpi: the '$$mode' job succeeded although a rank failed (see $(BUILD_PATH)/mpi-fail-$$mode.log)" >&2; exit 1; \
	    fi; \
	    took=$$(( $$(date +%s) - start )); \
	    if [ $$took -ge 30 ] || grep -q "returned although" $(BUILD_PATH)/mpi-fail-$$mode.log; then \
	        echo "test-mpi: the '$$mode' job took $$took s to fail (see $(BUILD_PATH)/mpi-fail-$$mode.log)" >&2; exit 1; \
	    fi; \
	    [ $$mode = throw ] || grep -Eq "allReduce on rank [0-9] of 3 did not complete within 3000 ms" \
	        $(BUILD_PATH)/mpi-fail-$$mode.log || { echo "test-mpi: no watchdog message in the '$$mode' job" >&2; exit 1; }; \
	    echo "test-mpi: a rank that fails ($$mode) ended the 3-rank job in $$took s"; \
	done

# The Fashion-MNIST MLP on NP ranks of this machine (ARGS: FashionMnistDdp's options, e.g. "--epochs 5"); across hosts,
# run the same java command under `mpirun --hostfile hosts -np N` (README, "Distributed training").
run-ddp: setup examples-build
	$(MPIRUN) -np $(NP) $(MPI_JAVA) -cp "$(EXAMPLES_CP)" dev.nabla.examples.fashion.FashionMnistDdp $(ARGS)

# MPI_Allreduce (SUM, float32) from C against ProcessGroup.allReduce at 4 KB..64 MB on 2 ranks, osu_allreduce's
# schedule (ALLREDUCE_ARGS: WARMUP ITERATIONS MIN_BYTES MAX_BYTES); ALLREDUCE_ROUNDS rounds of C then Nabla, the table
# takes each one's best round per size. Raw lines and the table in benchmarks/target/allreduce-*.
ALLREDUCE_ARGS ?= 20 200 4096 67108864
ALLREDUCE_ROUNDS ?= 3
bench-allreduce: benchmarks-build $(ALLREDUCE_C)
	@set -e; files=; for round in $$(seq $(ALLREDUCE_ROUNDS)); do \
	    f=$(ROOT)/benchmarks/target/allreduce-round$$round.txt; files="$$files $$f"; \
	    echo "bench-allreduce: round $$round of $(ALLREDUCE_ROUNDS) (load average $$(cut -d' ' -f1-3 /proc/loadavg))"; \
	    $(MPIRUN) -np 2 $(ALLREDUCE_C) $(ALLREDUCE_ARGS) > $$f; \
	    $(MPIRUN) -np 2 $(MPI_JAVA) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.AllReduceBench $(ALLREDUCE_ARGS) >> $$f; \
	done; \
	"$(JAVA)" -cp "$(BENCH_JAR)" dev.nabla.benchmarks.AllReduceTable 2 $$files | tee $(ROOT)/benchmarks/target/allreduce.md

# Epochs of the Fashion-MNIST MLP (make run-ddp's model and optimizer; the first epoch is warm-up, the best later one
# counts): Nabla on 2 ranks at DDP_BATCH per rank, Nabla as one process at the same global batch on 1 and 2 threads,
# then PyTorch (python3-torch, DDP on gloo; the script starts its ranks) the same three ways. A rank has 1 thread.
# Lines and table in benchmarks/target/ddp-steps.{txt,md}.
DDP_BATCH ?= 128
DDP_EPOCHS ?= 3
FASHION_MNIST_DIR ?= /usr/share/datasets/fashion-mnist
TORCH_DDP := $(ROOT)/benchmarks/python/torch_ddp_step.py
bench-ddp: setup benchmarks-build
	@[ -f $(FASHION_MNIST_DIR)/train-images-idx3-ubyte.gz ] || { echo "bench-ddp: no Fashion-MNIST in \
	    $(FASHION_MNIST_DIR) (make setup installs dataset-fashion-mnist, or set FASHION_MNIST_DIR)" >&2; exit 1; }
	@$(ROOT)/scripts/ensure-torch.sh
	@set -eo pipefail; f=$(ROOT)/benchmarks/target/ddp-steps.txt; : > $$f; global=$$(( 2 * $(DDP_BATCH) )); \
	echo "bench-ddp: load average $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	run() { echo "bench-ddp: $$*" >&2; "$$@" | tee -a $$f; }; \
	run $(BENCH_ENV) $(MPIRUN) -np 2 $(MPI_JAVA) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.DdpStepBench \
	    $(DDP_BATCH) $(DDP_EPOCHS) $(FASHION_MNIST_DIR); \
	run $(BENCH_ENV) OPENBLAS_NUM_THREADS=1 $(MPI_JAVA) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.DdpStepBench \
	    $$global $(DDP_EPOCHS) $(FASHION_MNIST_DIR); \
	run $(BENCH_ENV) "$(JAVA)" $(JAVA_OPTS) -XX:ActiveProcessorCount=2 -cp "$(BENCH_JAR)" \
	    dev.nabla.benchmarks.DdpStepBench $$global $(DDP_EPOCHS) $(FASHION_MNIST_DIR); \
	run $(BENCH_ENV) OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 $(TORCH_DDP) 2 \
	    $(DDP_BATCH) $(DDP_EPOCHS) 1 $(FASHION_MNIST_DIR); \
	run $(BENCH_ENV) OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 $(TORCH_DDP) 1 \
	    $$global $(DDP_EPOCHS) 1 $(FASHION_MNIST_DIR); \
	run $(BENCH_ENV) OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 $(TORCH_DDP) 1 \
	    $$global $(DDP_EPOCHS) 2 $(FASHION_MNIST_DIR); \
	"$(JAVA)" -cp "$(BENCH_JAR)" dev.nabla.benchmarks.DdpStepTable $$f | tee $(ROOT)/benchmarks/target/ddp-steps.md

$(ALLREDUCE_C): $(ROOT)/benchmarks/c/allreduce_bench.c
	@command -v mpicc >/dev/null 2>&1 || { echo "bench-allreduce needs mpicc: apt-get install libopenmpi-dev" >&2; exit 1; }
	@mkdir -p $(dir $@)
	mpicc -O2 -Wall -Wextra -o $@ $<

# ---------------------------------------------------------------- the front-door commands

test: setup verify test-mpi smoke-examples smoke-benchmarks cuda-emu-threads-test
	@echo "make test: all passed"

run: setup examples-build $(RUN_AOT_CACHE)
	"$(JAVA)" $(JAVA_OPTS) $(RUN_AOT_OPT) -cp "$(RUN_CP)" dev.nabla.examples.fashion.FashionMnistTrain $(ARGS)

# make run's AOT cache (RUN_AOT_CACHE above): a short training run under -XX:AOTCacheOutput, after examples-build, its
# output (the JVM's included) in a log. A failure leaves no cache, and make run runs without one.
$(RUN_AOT_CACHE): $(LIB_INPUTS) $(EXAMPLES_INPUTS)
	@mkdir -p $(dir $@) && rm -f $@
	@echo "run: recording the JVM's AOT cache with a short training run (once per build): $@"
	@"$(JAVA)" $(JAVA_OPTS) -XX:AOTCacheOutput=$@ -cp "$(RUN_CP)" dev.nabla.examples.fashion.FashionMnistTrain \
	    $(RUN_AOT_TRAINING) --output-dir $(dir $@)training-run >$@.log 2>&1 && test -s $@ \
	    || { rm -f $@; echo "run: no AOT cache (the recording run failed, see $@.log); running without it"; }

# Serves the demo page until Ctrl-C; uses runs/fashion-mnist/checkpoint.safetensors from make run, or trains it first.
demo: setup examples-build
	"$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.demo.FashionMnistDemo $(ARGS)

run-gemm: setup examples-build
	"$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.GemmDemo $(ARGS)

run-quantize: setup examples-build
	"$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.compress.CompressFashionMnist $(ARGS)

run-maml: setup examples-build
	"$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.maml.SineMaml $(ARGS)

run-lm: setup examples-build
	"$(JAVA)" $(JAVA_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.charlm.CharLm $(ARGS)

# run-lm's model and training step timed in Nabla and in PyTorch (2 threads, passive OpenMP waits, no spinning) on
# the same sizes, alternating for LM_ROUNDS rounds so that both see the same machine; the ratio is PyTorch's median
# time per step over Nabla's (above 1: Nabla faster). LM_ARGS: sizes for both (--batch --context --width --layers ...).
LM_ROUNDS ?= 3
LM_ARGS ?=
bench-lm: examples-build
	@command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import torch' 2>/dev/null \
	    || { echo "bench-lm: needs python3-torch for /usr/bin/python3 (apt-get install python3-torch)" >&2; exit 1; }
	@set -o pipefail; log=$(ROOT)/examples/target/bench-lm.log; : > $$log; \
	for r in $$(seq $(LM_ROUNDS)); do \
	    $(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(EXAMPLES_CP)" dev.nabla.examples.charlm.CharLmStepTime $(LM_ARGS) \
	        | tee -a $$log; \
	    $(BENCH_ENV) OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE \
	        /usr/bin/python3 $(ROOT)/benchmarks/python/torch_char_lm.py --threads 2 $(LM_ARGS) | tee -a $$log; \
	done; \
	awk '/^nabla: median/ {n[++a] = $$3} /^torch: median/ {t[++b] = $$3} \
	     function med(v, k,  i, j, x) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) \
	         if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x } return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 } \
	     END { nm = med(n, a); tm = med(t, b); \
	           printf "bench-lm: median of %d rounds: Nabla %.1f ms/step, PyTorch %.1f ms/step, ratio %.2fx (PyTorch/Nabla)\n", a, nm, tm, tm / nm }' $$log

# Attention forward+backward (float32, [4, 8, L, 64]) in Nabla (fused and the matmul/softmax composite) and in
# PyTorch 1.13, whose CPU attention is that composite (it has no scaled_dot_product_attention). ATTN_SEQS, ATTN_REPS;
# Nabla runs 128 once more first, to warm the JIT up.
ATTN_SEQS ?= 128,256,512,1024,2048
ATTN_REPS ?= 5
bench-attention: benchmarks-build
	@command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import torch' 2>/dev/null \
	    || { echo "bench-attention: needs python3-torch for /usr/bin/python3 (apt-get install python3-torch)" >&2; exit 1; }
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.AttentionTimes \
	    128,$(ATTN_SEQS) $(ATTN_REPS)
	$(BENCH_ENV) OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE \
	    /usr/bin/python3 $(ROOT)/benchmarks/python/torch_attention.py --seqs $(ATTN_SEQS) --reps $(ATTN_REPS)

# Time from launching java to the end of the seed network's first training step, STARTUP_RUNS launches each without
# and with a JDK 25 AOT cache (recorded here by a 200-step run), alternated; medians in ms.
STARTUP_RUNS ?= 10
bench-startup: benchmarks-build
	$(BENCH_ENV) $(ROOT)/scripts/bench-startup.sh "$(JAVA)" "$(BENCH_JAR)" $(BUILD_PATH)/aot/startup.aot \
	    $(STARTUP_RUNS) $(BENCH_OPTS)

# A fresh JVM's first epoch of the MLP workload (469 steps of batch 128, no data loading) against the later ones.
bench-warmup: benchmarks-build
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.WarmUpCurve 469 3 mlp cpu

# Reference values from PyTorch (Debian's python3-torch for /usr/bin/python3); CI only reads the committed files.
fixtures:
	/usr/bin/python3 $(ROOT)/scripts/make_fixtures.py $(ROOT)/src/test/resources/fixtures
	/usr/bin/python3 $(ROOT)/scripts/make_nn_fixtures.py $(ROOT)/src/test/resources/fixtures/nn
	/usr/bin/python3 $(ROOT)/scripts/make_unfold_fixture.py $(ROOT)/src/test/resources/fixtures/nn
	/usr/bin/python3 $(ROOT)/scripts/make_attention_fixtures.py $(ROOT)/src/test/resources/fixtures/nn
	/usr/bin/python3 $(ROOT)/scripts/make_transformer_fixtures.py $(ROOT)/src/test/resources/fixtures/nn
	/usr/bin/python3 $(ROOT)/scripts/make_optim_fixtures.py $(ROOT)/src/test/resources/fixtures/optim
	/usr/bin/python3 $(ROOT)/scripts/make_safetensors_fixture.py $(ROOT)/src/test/resources/fixtures/io
	/usr/bin/python3 $(ROOT)/scripts/make_dtype_fixtures.py $(ROOT)/src/test/resources/fixtures/dtype
	/usr/bin/python3 $(ROOT)/scripts/make_reduced_precision_fixtures.py $(ROOT)/src/test/resources/fixtures/dtype
	/usr/bin/python3 $(ROOT)/scripts/make_int_fixtures.py $(ROOT)/src/test/resources/fixtures/dtype
	/usr/bin/python3 $(ROOT)/scripts/make_index_fixtures.py $(ROOT)/src/test/resources/fixtures/dtype
	/usr/bin/python3 $(ROOT)/scripts/make_quant_fixtures.py $(ROOT)/src/test/resources/fixtures/quant
	/usr/bin/python3 $(ROOT)/scripts/make_prune_fixtures.py $(ROOT)/src/test/resources/fixtures/prune
	/usr/bin/python3 $(ROOT)/scripts/make_quant_static_fixtures.py $(ROOT)/src/test/resources/fixtures/quant
	/usr/bin/python3 $(ROOT)/scripts/make_quant_dynamic_fixtures.py $(ROOT)/src/test/resources/fixtures/quant
	/usr/bin/python3 $(ROOT)/scripts/make_maml_fixture.py $(ROOT)/examples/src/test/resources/fixtures/maml

# The JMH suite (settings in each benchmark's annotations; JMH_ARGS go to the GEMM report): GEMM (cpu, java, EJML),
# element-wise and reduction bandwidth against a copy measured in the same run, training steps and call overhead.
# Results: benchmarks/target/jmh-*.json. About 45 minutes in all on the 2-core machine.
bench: benchmarks-build
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.GemmReport \
	    -rf json -rff $(ROOT)/benchmarks/target/jmh-gemm.json $(JMH_ARGS)
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.KernelReport \
	    -rf json -rff $(ROOT)/benchmarks/target/jmh-kernels.json
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" org.openjdk.jmh.Main \
	    'TrainingStepBenchmark|CallOverheadBenchmark' -rf json -rff $(ROOT)/benchmarks/target/jmh-steps.json

bench-gemm-c: benchmarks-build $(GEMM_C)
	set -o pipefail; $(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -Dnabla.cpu.sgemm=openblas -cp "$(BENCH_JAR)" \
	    dev.nabla.benchmarks.GemmVsC \
	    --c-program $(GEMM_C) $(GEMM_ARGS) | tee $(ROOT)/benchmarks/target/gemm-vs-c.md
	@echo "(table saved in benchmarks/target/gemm-vs-c.md)"

# The side-by-side comparison of benchmarks/COMPARE.md: CompareRunner runs the C, Nabla, DJL and PyTorch harnesses one
# at a time (search, then rounds) and writes benchmarks/results/<date>-<host>.{json,md}. The C program, the DJL build
# and PyTorch are best effort: a harness that is missing is skipped with one line.
bench-compare: benchmarks-build
	@if command -v $(CC) >/dev/null 2>&1; then $(MAKE) --no-print-directory $(GEMM_C); \
	 else echo "bench-compare: no C compiler ($(CC)): the c harness will be skipped (apt-get install gcc libc6-dev)"; fi
	@$(MAKE) --no-print-directory $(DJL_BUILT)
	@$(ROOT)/scripts/ensure-torch.sh
	$(BENCH_ENV) "$(JAVA)" $(BENCH_OPTS) -cp "$(BENCH_JAR)" dev.nabla.benchmarks.CompareRunner --root $(ROOT) $(COMPARE_ARGS)

# Best effort (DJL and libtorch come from Maven Central): on failure CompareRunner skips djl unless an older build is there.
$(DJL_BUILT): $(DJL_INPUTS)
	@$(MVN) $(BENCHMARKS) -P djl -Dbenchmarks.build.dir=$(DJL_DIR) package $(QUICK) && touch $@ \
	    || echo "bench-compare: the DJL build failed (mvn -pl benchmarks -am -P djl -Dbenchmarks.build.dir=$(DJL_DIR) package)"

$(GEMM_C): $(ROOT)/benchmarks/c/gemm_bench.c
	@command -v $(CC) >/dev/null 2>&1 || { echo "bench-gemm-c needs a C compiler: apt-get install gcc libc6-dev" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $< -ldl -lm

# ---------------------------------------------------------------- code generation

OPENBLAS_VERSION := $(shell sed -n 's:.*<openblas.version>\(.*\)</openblas.version>.*:\1:p' $(ROOT)/pom.xml)
OPENBLAS_JAR := $(M2_REPO)/org/bytedeco/openblas/$(OPENBLAS_VERSION)/openblas-$(OPENBLAS_VERSION)-linux-x86_64.jar
BINDINGS_TMP := $(BUILD_PATH)/bindings-headers
OPENBLAS_INCLUDE ?=
CUDA_HOME ?=
CUBLAS_INCLUDE ?= $(CUDA_HOME)/include
CUDNN_INCLUDE ?= $(CUDA_HOME)/include
BINDINGS_OUT := $(ROOT)/bindings/src/main/java

# See native/jextract/README.md ("Regenerating", "Tool versions"): the committed bindings come from jextract 22
# (openjdk/jextract 0b89a46); newer jextract output needs --release 23. A jextract on PATH is used as it is; otherwise
# build/jextract/bin/jextract, which scripts/build-jextract.sh builds from source (JEXTRACT_SOURCE: a clone, bare git
# directory or URL holding that commit; the default URL needs network).
JEXTRACT_SOURCE ?= https://github.com/openjdk/jextract.git
JEXTRACT ?= $(or $(shell command -v jextract 2>/dev/null),$(ROOT)/build/jextract/bin/jextract)
DNNL_INCLUDE ?= /usr/include
MPI_INCLUDE ?= /usr/lib/x86_64-linux-gnu/openmpi/include
# nccl.h is instantiated from the NCCL sources' nccl.h.in (scripts/nccl-header.sh, pinned release) into NCCL_INCLUDE;
# NCCL_SOURCE: a clone, bare git directory or URL of NVIDIA/nccl holding that commit (the default URL needs network).
NCCL_SOURCE ?= https://github.com/NVIDIA/nccl.git
NCCL_INCLUDE ?= $(ROOT)/build/nccl/include
bindings:
	@[ -x "$(JEXTRACT)" ] || JEXTRACT_BUILD_DIR="$(ROOT)/build/jextract" "$(ROOT)/scripts/build-jextract.sh" "$(JEXTRACT_SOURCE)"
	@echo "bindings: $$("$(JEXTRACT)" --version 2>&1 | head -n 1) ($(JEXTRACT))"
	@set -e; inc="$(OPENBLAS_INCLUDE)"; \
	if [ -z "$$inc" ] && [ -f "$(OPENBLAS_JAR)" ]; then \
	    rm -rf "$(BINDINGS_TMP)"; mkdir -p "$(BINDINGS_TMP)"; \
	    (cd "$(BINDINGS_TMP)" && "$(JAVA_HOME)/bin/jar" xf "$(OPENBLAS_JAR)" org/bytedeco/openblas/linux-x86_64/include); \
	    inc="$(BINDINGS_TMP)/org/bytedeco/openblas/linux-x86_64/include"; \
	fi; \
	if [ -z "$$inc" ] && [ -f /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ]; then \
	    inc=/usr/include/x86_64-linux-gnu/openblas-pthread; \
	    echo "bindings: using Debian's OpenBLAS headers (0.3.21 lacks functions the 0.3.31 bindings have)"; \
	fi; \
	[ -n "$$inc" ] || { echo "bindings: no OpenBLAS headers: run make build (fetches org.bytedeco:openblas) or set OPENBLAS_INCLUDE" >&2; exit 1; }; \
	cd "$(ROOT)/native"; \
	echo "bindings: OpenBLAS from $$inc"; \
	rm -rf "$(BINDINGS_OUT)/dev/nabla/bindings/openblas"; \
	"$(JEXTRACT)" -I "$$inc" --output "$(BINDINGS_OUT)" @jextract/openblas.jextract; \
	if [ -f "$(DNNL_INCLUDE)/oneapi/dnnl/dnnl.h" ]; then \
	    echo "bindings: oneDNN from $(DNNL_INCLUDE)/oneapi/dnnl"; \
	    rm -rf "$(BINDINGS_OUT)/dev/nabla/bindings/dnnl"; \
	    "$(JEXTRACT)" -I "$(DNNL_INCLUDE)" --output "$(BINDINGS_OUT)" @jextract/dnnl.jextract; \
	else \
	    echo "bindings: no $(DNNL_INCLUDE)/oneapi/dnnl/dnnl.h (apt-get install libdnnl-dev): kept the oneDNN bindings as they are"; \
	fi; \
	if [ -f "$(MPI_INCLUDE)/mpi.h" ]; then \
	    echo "bindings: MPI from $(MPI_INCLUDE)"; \
	    rm -rf "$(BINDINGS_OUT)/dev/nabla/bindings/mpi"; \
	    "$(JEXTRACT)" -I "$(MPI_INCLUDE)" --output "$(BINDINGS_OUT)" @jextract/mpi.jextract; \
	else \
	    echo "bindings: no $(MPI_INCLUDE)/mpi.h (apt-get install libopenmpi-dev): kept the MPI bindings as they are"; \
	fi; \
	if [ -n "$(CUDA_HOME)" ] && [ -f "$(CUDA_HOME)/include/cuda.h" ]; then \
	    echo "bindings: CUDA from $(CUDA_HOME)/include, cuBLAS from $(CUBLAS_INCLUDE), cuDNN from $(CUDNN_INCLUDE)"; \
	    rm -rf "$(BINDINGS_OUT)/dev/nabla/bindings/cuda" "$(BINDINGS_OUT)/dev/nabla/bindings/cublas" \
	           "$(BINDINGS_OUT)/dev/nabla/bindings/cudnn"; \
	    "$(JEXTRACT)" -I "$(CUDA_HOME)/include" --output "$(BINDINGS_OUT)" @jextract/cuda.jextract; \
	    "$(JEXTRACT)" -I "$(CUBLAS_INCLUDE)" -I "$(CUDA_HOME)/include" --output "$(BINDINGS_OUT)" @jextract/cublas.jextract; \
	    "$(JEXTRACT)" -I "$(CUDNN_INCLUDE)" -I "$(CUDA_HOME)/include" --output "$(BINDINGS_OUT)" @jextract/cudnn.jextract; \
	    "$(ROOT)/scripts/nccl-header.sh" "$(NCCL_SOURCE)" "$(NCCL_INCLUDE)"; \
	    echo "bindings: NCCL from $(NCCL_INCLUDE)"; \
	    rm -rf "$(BINDINGS_OUT)/dev/nabla/bindings/nccl"; \
	    "$(JEXTRACT)" -I "$(NCCL_INCLUDE)" -I "$(CUDA_HOME)/include" --output "$(BINDINGS_OUT)" @jextract/nccl.jextract; \
	else \
	    echo "bindings: CUDA_HOME unset or without include/cuda.h: kept the CUDA, cuBLAS, cuDNN and NCCL bindings as they are"; \
	fi; \
	echo "bindings: regenerated under $(BINDINGS_OUT); review with git diff"

# ---------------------------------------------------------------- housekeeping

clean:
	rm -rf $(BUILD_PATH) $(ROOT)/examples/target $(ROOT)/benchmarks/target $(ROOT)/benchmarks/target-djl

# CUDA: make ptx (kernels to PTX with nvcc), make gpu-bundle (self-contained GPU test bundle), make cuda-emu-test,
# make cuda-emu-threads-test
include $(ROOT)/scripts/gpu/Makefile.gpu
