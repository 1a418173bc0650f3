#!/usr/bin/env bash
# Best-effort system packages for Nabla (Debian/Ubuntu, as root): nothing here is required.
#   libopenblas0-pthread   a system OpenBLAS (else the one bundled via Maven, org.bytedeco:openblas, is used)
#   dataset-fashion-mnist  the real Fashion-MNIST files in /usr/share/datasets/fashion-mnist
#                          (else `make run` downloads them into ~/.cache/nabla with checksums)
#   libdnnl2               oneDNN 2.x: bfloat16 and int8 GEMM on the CPU (else those dtypes take the slower paths)
#   libopenmpi-dev         Open MPI 4.x (libmpi.so.40 and mpi.h): distributed training, dev.nabla.distributed
#   openmpi-bin            mpirun, which launches it (make test-mpi, make run-ddp)
#   chromium               headless browser for the demo page's test (make test; skipped without it)
#   fortunes               the text corpus of make run-lm (/usr/share/games/fortunes, about 2.5 MB of fortunes)
#   g++                    builds the CPU emulation of the CUDA driver (make cuda-emu-test; make test runs
#                          cuda-emu-threads-test on it)
set -u
wanted=(libopenblas0-pthread dataset-fashion-mnist libdnnl2 libopenmpi-dev openmpi-bin chromium fortunes g++)
missing=()
for p in "${wanted[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: ${wanted[*]} installed"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} with apt-get"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
        echo "setup: apt-get failed; continuing without ${missing[*]} (bundled OpenBLAS; dataset download; no oneDNN fast path; no MPI; no browser test; no run-lm corpus; no CUDA emulator)"
    fi
else
    echo "setup: ${missing[*]} not installed and not installable here (needs root and apt-get); continuing"
fi
exit 0
