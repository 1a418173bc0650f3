#!/usr/bin/env bash
# Runs Nabla's test suite and GPU benchmarks from a gpu-bundle (make gpu-bundle), on a machine with an NVIDIA GPU
# and no JDK/Maven/network. Run it from the repository root (some tests read native/cuda and fixture files):
#     bash bundle/run-gpu-tests.sh [--quick]
# Environment: OUT = folder for logs and JUnit XML reports (default bundle/out); BUDGET_S = seconds for the whole
# run (default 400; the last step, the full suite, gets what is left); NABLA_CUDA_PATH = extra library folders.
# Steps: 1 environment, 2 smoke (CudaBench --quick), 3 CUDA tests (dev.nabla.cuda), 4 GPU benchmark Nabla vs
# torch.matmul, 4b launch overhead and training steps (seed, MLP, CNN) Nabla vs PyTorch eager, 5 the whole suite
# (devices = cpu, java, cuda:0) minus the java-only kernel suites.
set -u
B="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
START=$(date +%s)
BUDGET=${BUDGET_S:-400}
QUICK=""
[ "${1:-}" = "--quick" ] && QUICK="--quick"
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
O="${OUT:-$B/out}"
mkdir -p "$O"
LOG="$O/run.log"
: > "$LOG"
say() { echo "$@" | tee -a "$LOG"; }
JAVA="$B/jre/bin/java"
CONSOLE=$(ls "$B"/lib/junit-platform-console-standalone-*.jar)
CP="$B/test-classes:$(ls "$B"/lib/*.jar | grep -v junit-platform-console | tr '\n' ':')"
JOPTS=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m -Xmx16g)
export CUDA_CACHE_PATH="${CUDA_CACHE_PATH:-/tmp/nabla-cuda-cache}"
PY=$(command -v python3 || true)

say "== 1. environment ($(date -u +%FT%TZ), budget ${BUDGET}s)"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -4
  nvidia-smi 2>/dev/null | grep -o "CUDA Version: [0-9.]*" | head -1
  [ -n "$PY" ] && "$PY" - <<'PYEOF' 2>&1
import glob, os
try:
    import nvidia
    dirs = sorted({d for p in nvidia.__path__ for d in glob.glob(os.path.join(p, "*", "lib"))})
    print("nvidia wheel lib dirs:", " ".join(dirs))
    for d in dirs:
        for f in sorted(os.listdir(d)):
            if f.startswith(("libcublas.so", "libcublasLt.so", "libcudnn.so")):
                print("  ", os.path.join(d, f))
except Exception as e:
    print("no nvidia wheels:", e)
PYEOF
  ls /usr/local/cuda*/lib64/libcublas.so* 2>/dev/null | head -3
  ldconfig -p 2>/dev/null | grep -E "libcuda.so|libcublas.so|libcudnn.so" | head -5
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "python: $PY"; "$JAVA" -version 2>&1 | head -1; nproc
} 2>&1 | tee -a "$LOG"

say "== 2. smoke: library search and a first GPU step (CudaBench --quick)"
timeout 60 "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.nabla.cuda.CudaBench --quick 2>&1 | tee -a "$LOG" | tail -25
if ! grep -q "RESULT gemm" "$LOG"; then
    if [ -z "${NABLA_CUDA_PATH:-}" ] && [ -n "$PY" ]; then
        NABLA_CUDA_PATH=$("$PY" -c 'import glob,os,nvidia; print(":".join(sorted({d for p in nvidia.__path__ for d in glob.glob(os.path.join(p,"*","lib"))})))' 2>/dev/null)
        export NABLA_CUDA_PATH
        say "smoke found no usable CUDA; retrying with NABLA_CUDA_PATH=$NABLA_CUDA_PATH"
        timeout 90 "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.nabla.cuda.CudaBench --quick 2>&1 | tee -a "$LOG" | tail -25
    fi
fi

junit() { # name, timeout, selectors...
    local name=$1 t=$2
    shift 2
    rm -rf "/tmp/junit-$name"
    timeout "$t" "$JAVA" "${JOPTS[@]}" -cp "$CP:$CONSOLE" org.junit.platform.console.ConsoleLauncher execute \
        --disable-banner --disable-ansi-colors --details=tree --reports-dir "/tmp/junit-$name" "$@" \
        > "$O/junit-$name.log" 2>&1
    local rc=$?
    [ $rc -eq 124 ] && say "junit $name: TIMED OUT after ${t}s"
    cp "/tmp/junit-$name/TEST-junit-jupiter.xml" "$O/junit-$name.xml" 2>/dev/null
    grep -E "tests (found|successful|skipped|aborted|failed)|containers failed" "$O/junit-$name.log" \
        | sed "s/^/[$name] /" | tee -a "$LOG"
    if [ -n "$PY" ] && [ -f "$O/junit-$name.xml" ]; then
        "$PY" - "$O/junit-$name.xml" <<'PYEOF' 2>&1 | tee -a "$LOG" | head -60
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
bad = []
for tc in root.iter("testcase"):
    for kind in ("failure", "error"):
        for f in tc.findall(kind):
            msg = (f.get("message") or f.text or "").strip().splitlines()
            bad.append(f"  {kind.upper()} {tc.get('classname')}.{tc.get('name')}: {msg[0][:300] if msg else ''}")
print(f"  {len(bad)} failing test(s)")
for b in bad[:200]:
    print(b)
PYEOF
    fi
    return $rc
}

say "== 3. CUDA tests (dev.nabla.cuda)"
junit cuda 120 --select-package dev.nabla.cuda

say "== 3b. NCCL: a single-rank communicator runs every collective on device memory (skips without libnccl.so.2)"
junit nccl 90 --select-class dev.nabla.distributed.NcclProcessGroupTest --select-class dev.nabla.nativelib.NcclLocatorTest

say "== 4. GPU benchmark: Nabla (cuBLAS through Panama) vs torch.matmul, same GPU"
timeout 90 "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.nabla.cuda.CudaBench $QUICK 2>&1 | tee "$O/bench.log" \
    | grep -E "RESULT|Exception|Error|at dev" | head -30 | tee -a "$LOG"
if [ -n "$PY" ]; then
    PYTHONUNBUFFERED=1 timeout 60 "$PY" "$B/torch_matmul.py" $QUICK 2>&1 | tee -a "$LOG" | tail -12
fi

say "== 4b. launch overhead and training steps (seed, MLP, CNN; batch 128 float32, TF32 off/on): Nabla vs PyTorch eager"
timeout 120 "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.nabla.cuda.CudaStepBench $QUICK 2>&1 | tee "$O/steps.log" \
    | grep -E "RESULT|Exception|Error|at dev" | head -30 | tee -a "$LOG"
if [ -n "$PY" ]; then
    PYTHONUNBUFFERED=1 timeout 90 "$PY" "$B/torch_steps.py" $QUICK 2>&1 | tee "$O/torch-steps.log" | tee -a "$LOG" \
        | tail -12
fi

say "== 4c. cuDNN benchmark: conv2d 64->64 3x3 56x56 batch 64 and the Fashion CNN step, Nabla vs PyTorch eager"
timeout 120 "$JAVA" "${JOPTS[@]}" -cp "$CP" dev.nabla.cuda.CudnnBench $QUICK 2>&1 | tee "$O/bench-cudnn.log" \
    | grep -E "RESULT|cuDNN|Exception|Error|at dev" | head -30 | tee -a "$LOG"
if [ -n "$PY" ]; then
    PYTHONUNBUFFERED=1 timeout 90 "$PY" "$B/torch_cudnn.py" $QUICK 2>&1 | tee -a "$LOG" | tail -8
fi

T=$(( $(left) - 10 ))
if [ "$T" -gt 30 ]; then
    # Excluded: the java-only kernel suites, and the packaging tests that read the library as a classes folder (the
    # bundle has it as nabla.jar; make test runs them)
    say "== 5. whole suite on cpu, java and cuda:0 (${T}s left; java-only kernel and packaging suites excluded)"
    junit all "$T" --scan-class-path "$B/test-classes" \
        --exclude-classname '.*(JavaKernelsTest|JavaGemmTest|BackendAgreementTest|BundledNativesTest|OpenBlasLocatorTest|ModulePathTest|PublicApiTest)$' \
        --exclude-package dev.nabla.cuda
else
    say "== 5. whole suite skipped: only ${T}s left"
fi
say "== done in $(( $(date +%s) - START ))s"
say "== RESULT lines"
grep -h "^RESULT" "$O/bench.log" "$O/steps.log" "$LOG" 2>/dev/null | sort -u
