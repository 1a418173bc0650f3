#!/usr/bin/env python3
"""PyTorch harness of the side-by-side benchmark (bench-compare).

Measures the workloads of benchmarks/COMPARE.md in PyTorch (CPU, eager mode) and writes the result file described
there. Python 3 standard library and torch only.

    torch_bench.py --out FILE [--workloads a,b,...] [--samples N] [--config NAME | --search] [--list-configs]

Thread configurations (each needs a fresh process: libgomp and OpenBLAS read their environment variables when
torch is imported, so --config and --search run this script again as a child process, with an internal --child
flag, under the configuration's environment):

    1x2          torch.set_num_threads(1), OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=2
    2x2-passive  torch.set_num_threads(2), OMP_NUM_THREADS=2, OPENBLAS_NUM_THREADS=2, OMP_WAIT_POLICY=PASSIVE
    1x2-malloc, 2x2-passive-malloc
                 as above, with MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ raised so that glibc keeps large
                 blocks instead of mapping them afresh (and page-faulting them in) on every step
    default      torch.set_num_threads(2), OMP_NUM_THREADS=2, OPENBLAS_NUM_THREADS=2, OMP_WAIT_POLICY unset
                 (libgomp's default: idle threads spin before they sleep)

The child environment is the inherited one with every thread-related variable (OMP_*, GOMP_*, KMP_*,
OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS, MKL_NUM_THREADS) removed and the configuration's own values set, so
whatever the caller's environment holds cannot change a configuration. Other OpenBLAS variables
(OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ...) are kept and named in "settings".

Without --config or --search everything runs in this process, under the environment as found.

Exit status: 0 success; 1 failure while running; 2 bad command line; 3 cannot run here (torch not importable).
Failures print one line on stderr.
"""

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HARNESS = "pytorch"
FRAMEWORK = "pytorch"

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANNOT_RUN = 3

# Workloads in run order. GEMM entries: (dtype name, M, K, N) for C[M, N] = A[M, K] B[K, N].
GEMMS = {}
for _dtype in ("f32", "f64"):
    for _n in (64, 256, 1024):
        GEMMS["gemm_%s_%d" % (_dtype, _n)] = (_dtype, _n, _n, _n)
for _m, _k, _n in ((128, 784, 512), (128, 512, 256), (128, 256, 10)):
    GEMMS["gemm_f32_%dx%dx%d" % (_m, _k, _n)] = ("f32", _m, _k, _n)
STEPS = ("step_seed", "step_mlp", "step_cnn")
WORKLOADS = list(GEMMS) + list(STEPS)

# Thread configurations, in the order --search tries them. "env": the values set in the child process (None: the
# variable is left unset). "intra"/"interop": torch.set_num_threads / torch.set_num_interop_threads. Eager-mode
# training never uses the inter-op pool (it serves torch.jit.fork and the like), so it is one thread everywhere: on a
# two-core machine no extra thread should exist that could compete for a core.
CONFIGS = {
    "1x2": {
        "describe": "1 intra-op thread, OpenBLAS 2 threads",
        "intra": 1,
        "interop": 1,
        "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2",
                "OMP_WAIT_POLICY": None},
    },
    "2x2-passive": {
        "describe": "2 intra-op threads, OpenBLAS 2 threads, OMP_WAIT_POLICY=PASSIVE",
        "intra": 2,
        "interop": 1,
        "env": {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                "OMP_WAIT_POLICY": "PASSIVE"},
    },
    # glibc hands large blocks to mmap and back on every free, so each training step of the CNN page-faults its
    # activations in again (about 10,000 minor faults per step measured here); raising the thresholds keeps them in
    # the heap. Not what a PyTorch user gets by default, but tried so that PyTorch is compared at its best.
    "1x2-malloc": {
        "describe": "1 intra-op thread, OpenBLAS 2 threads, glibc malloc keeps large blocks (no mmap/trim)",
        "intra": 1,
        "interop": 1,
        "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2",
                "OMP_WAIT_POLICY": None, "MALLOC_MMAP_THRESHOLD_": "1000000000",
                "MALLOC_TRIM_THRESHOLD_": "4000000000"},
    },
    "2x2-passive-malloc": {
        "describe": "2 intra-op threads, OpenBLAS 2 threads, OMP_WAIT_POLICY=PASSIVE, glibc malloc keeps large blocks",
        "intra": 2,
        "interop": 1,
        "env": {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                "OMP_WAIT_POLICY": "PASSIVE", "MALLOC_MMAP_THRESHOLD_": "1000000000",
                "MALLOC_TRIM_THRESHOLD_": "4000000000"},
    },
    "default": {
        "describe": "2 intra-op threads, OpenBLAS 2 threads, default OpenMP waiting (spinning)",
        "intra": 2,
        "interop": 1,
        "env": {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                "OMP_WAIT_POLICY": None},
    },
}

# Inherited variables removed from a configuration's environment (then the configuration sets its own).
THREAD_VAR_PREFIXES = ("OMP_", "GOMP_", "KMP_")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS")
# Variables reported in "settings" when set.
REPORTED_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS")

# Timing method of COMPARE.md.
WARMUP_OPS, WARMUP_S = 5, 0.5
WARMUP_OPS_CNN, WARMUP_S_CNN = 2, 1.0
REPETITION_S = 0.2
DEFAULT_SAMPLES = 7


class Failure(Exception):
    """A one-line reason to print on stderr, with the exit status to use."""

    def __init__(self, reason, status=EXIT_FAILED):
        super().__init__(reason)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (COMPARE.md: a one-line reason on stderr)."""

    def error(self, message):
        raise Failure("torch_bench: " + message + " (see --help)", EXIT_USAGE)


def log(message):
    print("torch_bench: " + message, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Measurement (child process, or this process without --config/--search)
# ---------------------------------------------------------------------------------------------------------------

def import_torch():
    try:
        import torch  # noqa: imported here so that --list-configs and usage errors work without it
    except Exception as e:  # ImportError, or OSError from a broken install
        raise Failure("torch_bench: cannot run: torch is not importable by %s (%s: %s)"
                      % (sys.executable, type(e).__name__, str(e).splitlines()[0] if str(e) else ""),
                      EXIT_CANNOT_RUN)
    return torch


def openblas_info():
    """The OpenBLAS that torch loaded, asked through its own API: (threads, corename, config), or None."""
    try:
        import ctypes
        lib = ctypes.CDLL("libopenblas.so.0", mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
    except (OSError, AttributeError):
        return None
    try:
        lib.openblas_get_num_threads.restype = ctypes.c_int
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return (lib.openblas_get_num_threads(), lib.openblas_get_corename().decode(),
                lib.openblas_get_config().decode().strip())
    except AttributeError:
        return None


def describe_settings(torch, describe):
    """Human-readable settings: the configuration's description and what is actually in effect."""
    parts = ["torch.get_num_threads()=%d" % torch.get_num_threads(),
             "get_num_interop_threads()=%d" % torch.get_num_interop_threads()]
    blas = openblas_info()
    if blas is not None:
        parts.append("openblas_get_num_threads()=%d" % blas[0])
    for name in REPORTED_VARS:
        value = os.environ.get(name)
        parts.append("%s=%s" % (name, value) if value is not None else "%s unset" % name)
    # Other variables that change how the libraries run: kept from the caller's environment, so named here.
    for name in sorted(os.environ):
        if name in REPORTED_VARS:
            continue
        if name == "LD_PRELOAD" or name.startswith(("OPENBLAS_", "GOTO_", "GOMP_", "KMP_", "OMP_", "MKL_", "DNNL_",
                                                     "ONEDNN_", "ATEN_", "MALLOC_")):
            parts.append("%s=%s" % (name, os.environ[name]))
    if blas is not None:
        parts.append("OpenBLAS core %s (%s)" % (blas[1], blas[2]))
    return "%s; in effect: %s" % (describe, ", ".join(parts))


def make_gemm(torch, dtype, m, k, n):
    dt = torch.float32 if dtype == "f32" else torch.float64
    a = torch.rand(m, k, dtype=dt)
    b = torch.rand(k, n, dtype=dt)

    def op():
        torch.mm(a, b)  # fresh output per product (allowed by COMPARE.md)

    return op


def make_step(torch, name):
    nn = torch.nn
    if name == "step_seed":
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
        loss_fn = nn.MSELoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        x = torch.rand(5, 2)
        y = torch.rand(5, 1)
    elif name == "step_mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        loss_fn = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.rand(128, 784)
        y = torch.randint(0, 10, (128,))
    elif name == "step_cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 10))
        loss_fn = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.rand(128, 1, 28, 28)
        y = torch.randint(0, 10, (128,))
    else:
        raise AssertionError(name)
    model.train()  # batch norm uses batch statistics, dropout is active

    def op():
        # torch 1.13's default zero_grad(set_to_none=False): the gradient tensors are kept and filled with zeros
        # (set_to_none=True became the default only in torch 2.0). The default is used, as a user would.
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    return op


def make_workload(torch, name):
    torch.manual_seed(0)
    if name in GEMMS:
        return make_gemm(torch, *GEMMS[name])
    return make_step(torch, name)


def measure(op, samples, cnn):
    """COMPARE.md timing: untimed warm-up, then `samples` repetitions of `inner` back-to-back operations each.
    Returns (microseconds per operation for each sample, inner)."""
    min_ops, min_s = (WARMUP_OPS_CNN, WARMUP_S_CNN) if cnn else (WARMUP_OPS, WARMUP_S)
    clock = time.perf_counter
    times = []
    start = clock()
    while True:
        t0 = clock()
        op()
        t1 = clock()
        times.append(t1 - t0)
        if len(times) >= min_ops and t1 - start >= min_s:
            break
    # Estimated operation time: median of the later half of the warm-up (after first-call costs).
    estimate = statistics.median(times[len(times) // 2:])
    inner = max(1, math.ceil(REPETITION_S / max(estimate, 1e-9)))
    result = []
    for _ in range(samples):
        t0 = clock()
        for _ in range(inner):
            op()
        t1 = clock()
        result.append((t1 - t0) / inner * 1e6)
    return result, inner


def run_here(workloads, samples, config_name):
    """Runs the workloads in this process; returns the result document. config_name None: environment as found."""
    torch = import_torch()
    if config_name is not None:
        config = CONFIGS[config_name]
        torch.set_num_threads(config["intra"])
        torch.set_num_interop_threads(config["interop"])
        describe = config["describe"]
    else:
        describe = "environment as found (no --config)"
    settings = describe_settings(torch, describe)
    label = config_name if config_name is not None else "as-found"
    log("torch %s, %s: %s" % (torch.__version__, label, settings))
    results = []
    for name in workloads:
        gc.collect()
        try:
            op = make_workload(torch, name)
            values, inner = measure(op, samples, name == "step_cnn")
        except Exception as e:
            raise Failure("torch_bench: %s failed under %s: %s: %s"
                          % (name, label, type(e).__name__, " ".join(str(e).split())))
        del op
        entry = {"framework": FRAMEWORK, "workload": name, "unit": "us",
                 "samples": [round(v, 3) for v in values], "median": round(statistics.median(values), 3)}
        if config_name is not None:
            entry["config"] = config_name
            entry["settings"] = settings
        results.append(entry)
        log("%-22s %-12s median %12.3f us  (inner %d, samples %s)"
            % (name, label, entry["median"], inner, ", ".join("%.3f" % v for v in entry["samples"])))
    return {"harness": HARNESS,
            "frameworks": {FRAMEWORK: {"version": torch.__version__, "settings": settings}},
            "results": results}


# ---------------------------------------------------------------------------------------------------------------
# Configurations in fresh processes (--config, --search)
# ---------------------------------------------------------------------------------------------------------------

def config_environment(name):
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith(THREAD_VAR_PREFIXES) or k in THREAD_VARS)}
    for key, value in CONFIGS[name]["env"].items():
        if value is not None:
            env[key] = value
    return env


def run_child(name, workloads, samples):
    """Runs the workloads under configuration `name` in a fresh process; returns its result document."""
    removed = sorted("%s=%s" % (k, v) for k, v in os.environ.items()
                     if (k.startswith(THREAD_VAR_PREFIXES) or k in THREAD_VARS)
                     and CONFIGS[name]["env"].get(k, "") != v)
    if removed:
        log("config %s: not passing on inherited %s" % (name, ", ".join(removed)))
    fd, path = tempfile.mkstemp(prefix="torch_bench_", suffix=".json")
    os.close(fd)
    try:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--out", path,
               "--samples", str(samples), "--workloads", ",".join(workloads)]
        sys.stdout.flush()
        proc = subprocess.run(cmd, env=config_environment(name), stderr=subprocess.PIPE, universal_newlines=True)
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            reason = lines[-1] if lines else "config %s: child exited with status %d" % (name, proc.returncode)
            status = EXIT_CANNOT_RUN if proc.returncode == EXIT_CANNOT_RUN else EXIT_FAILED
            raise Failure(reason, status)
        if proc.stderr.strip():
            sys.stderr.write(proc.stderr)
        with open(path) as f:
            return json.load(f)
    finally:
        os.unlink(path)


def run_config(name, workloads, samples):
    return run_child(name, workloads, samples)


def run_search(workloads, samples):
    docs = {name: run_child(name, workloads, samples) for name in CONFIGS}
    first = docs[next(iter(CONFIGS))]
    version = first["frameworks"][FRAMEWORK]["version"]
    results = []
    for workload in workloads:
        candidates = []
        for name, doc in docs.items():
            for entry in doc["results"]:
                if entry["workload"] == workload:
                    candidates.append((entry["median"], name, entry))
        best_median, best_name, best = min(candidates, key=lambda c: c[0])
        entry = dict(best)
        entry["config"] = best_name
        entry["settings"] = "%s (chosen by search): %s" % (best_name, best["settings"])
        entry["search"] = {name: median for median, name, _ in candidates}  # median per configuration tried
        results.append(entry)
        log("search %-22s best %-12s %s" % (workload, best_name, ", ".join(
            "%s %.3f us" % (name, median) for median, name, _ in candidates)))
    settings = "fastest per workload of: %s (what was in effect: each result's settings)" % "; ".join(
        "%s = %s" % (name, CONFIGS[name]["describe"]) for name in docs)
    return {"harness": HARNESS,
            "frameworks": {FRAMEWORK: {"version": version, "settings": settings}},
            "results": results}


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------

def parse_args(argv):
    parser = Parser(description="PyTorch harness of bench-compare (see benchmarks/COMPARE.md).")
    parser.add_argument("--out", metavar="FILE", help="result file (JSON) to write")
    parser.add_argument("--workloads", metavar="A,B,...",
                        help="comma-separated workloads (default: all): " + ", ".join(WORKLOADS))
    parser.add_argument("--samples", metavar="N", default=str(DEFAULT_SAMPLES),
                        help="timed repetitions per workload (default %d)" % DEFAULT_SAMPLES)
    parser.add_argument("--config", metavar="NAME",
                        help="run under one thread configuration, in a fresh process: " + ", ".join(CONFIGS))
    parser.add_argument("--search", action="store_true",
                        help="try every configuration (fresh processes), keep the fastest per workload")
    parser.add_argument("--list-configs", action="store_true", help="print the configuration names and exit")
    parser.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)  # internal: a configuration's process
    args = parser.parse_args(argv)
    if args.list_configs:
        return args
    if not args.out:
        parser.error("--out FILE is required")
    if args.config is not None and args.search:
        parser.error("--config and --search exclude each other")
    for option in (args.config, args.child):
        if option is not None and option not in CONFIGS:
            parser.error("unknown configuration '%s' (known: %s)" % (option, ", ".join(CONFIGS)))
    try:
        args.samples = int(args.samples)
    except ValueError:
        parser.error("--samples must be a whole number, got '%s'" % args.samples)
    if args.samples < 1:
        parser.error("--samples must be at least 1, got %d" % args.samples)
    if args.workloads is None:
        args.workloads = list(WORKLOADS)
    else:
        names = [w.strip() for w in args.workloads.split(",") if w.strip()]
        unknown = [w for w in names if w not in WORKLOADS]
        if unknown:
            parser.error("unknown workload%s %s (known: %s)" % ("s" if len(unknown) > 1 else "",
                                                                ", ".join(unknown), ", ".join(WORKLOADS)))
        if not names:
            parser.error("--workloads names no workload")
        args.workloads = list(dict.fromkeys(names))  # drops repeats, keeps the order
    directory = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(directory):
        parser.error("--out: directory %s does not exist" % directory)
    return args


def write_result(path, doc):
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except OSError as e:
        raise Failure("torch_bench: cannot write %s: %s" % (path, e.strerror or e))


def main(argv):
    args = parse_args(argv)
    if args.list_configs:
        for name in CONFIGS:
            print(name)
        return 0
    if args.child is not None:
        doc = run_here(args.workloads, args.samples, args.child)
    elif args.config is not None:
        doc = run_config(args.config, args.workloads, args.samples)
    elif args.search:
        doc = run_search(args.workloads, args.samples)
    else:
        doc = run_here(args.workloads, args.samples, None)
    write_result(args.out, doc)
    if args.child is None:
        log("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as f:
        sys.stdout.flush()
        print(str(f), file=sys.stderr)
        sys.exit(f.status)
    except KeyboardInterrupt:
        print("torch_bench: interrupted", file=sys.stderr)
        sys.exit(130)
