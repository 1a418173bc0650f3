#!/usr/bin/env bash
# Runs the CUDA backend without a GPU: builds a CPU emulation of the CUDA driver and cuBLAS calls that Nabla makes
# (native/cuda/emu: libcuda.so.1 running the kernels of native/cuda/nabla_kernels.cu as C++, libcublas.so.13 with a
# plain GEMM) and runs the given Maven tests with NABLA_CUDA_PATH pointing at it, so that Device.values() includes
# cuda:0 and every device-parameterised test runs on the CUDA backend's Java code. Needs g++ (C++17).
# Usage: scripts/gpu/emu-test.sh [maven -Dtest pattern, default dev.nabla.cuda.*Test]
#        EMU_CUDNN=1 scripts/gpu/emu-test.sh   adds an emulated libcudnn.so.9 (native/cuda/emu/fake_cudnn.cpp), so that
#                                              the cuDNN paths run too (the default has no cuDNN: the fallback runs)
#        EMU_ONLY=1 scripts/gpu/emu-test.sh   builds the emulator into $EMU_DIR and prints its path
#        NABLA_CUDA_EMU_THREADS=1 scripts/gpu/emu-test.sh ...   runs every launch on its real grid and block (a host
#            thread per CUDA thread; see native/cuda/emu/emu_threads.h): much slower, for the shared-memory kernels
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-target-cuda-emu}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
EMU_DIR="${EMU_DIR:-$BUILD_DIR/cuda-emulator}"
CXX="${CXX:-g++}"
mkdir -p "$EMU_DIR"
SRC="$ROOT/native/cuda"
FLAGS="-std=c++17 -O2 -fPIC -shared -Wall -Wno-unknown-pragmas -Wno-unused-function -ffp-contract=off"
"$CXX" $FLAGS -o "$EMU_DIR/libcuda.so.1" "$SRC/emu/fake_cuda.cpp"
"$CXX" $FLAGS -o "$EMU_DIR/libcublas.so.13" "$SRC/emu/fake_cublas.cpp"
echo 'int nabla_cuda_emulator_cublaslt;' | "$CXX" -x c++ -fPIC -shared -o "$EMU_DIR/libcublasLt.so.13" -
# cuDNN only on request, in its own folder: by default the emulator has none, as a GPU machine without cuDNN
if [ "${EMU_CUDNN:-}" = 1 ]; then
    mkdir -p "$EMU_DIR/cudnn"
    "$CXX" $FLAGS -o "$EMU_DIR/cudnn/libcudnn.so.9" "$SRC/emu/fake_cudnn.cpp"
fi
echo "emu-test: CUDA emulator in $EMU_DIR"
[ "${EMU_ONLY:-}" = 1 ] && exit 0
if [ -z "${JAVA_HOME:-}" ]; then JAVA_HOME="$("$ROOT/scripts/find-jdk.sh")"; fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
export NABLA_CUDA_PATH="$EMU_DIR"
[ "${EMU_CUDNN:-}" = 1 ] && NABLA_CUDA_PATH="$EMU_DIR:$EMU_DIR/cudnn"
mvn -B -ntp -f "$ROOT/pom.xml" -pl library -Dbuild.dir="$BUILD_DIR" test -Dtest="${1:-dev.nabla.cuda.*Test}" \
    -Dsurefire.failIfNoSpecifiedTests=false
