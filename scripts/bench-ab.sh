#!/usr/bin/env bash
# Side-by-side JMH comparison of two builds of the benchmarks jar (A = before, B = after a change), in interleaved
# rounds on the same machine so that drift and noise hit both alike. Prints each round's score per benchmark, the
# ratio of the medians B/A and the ratio of the best rounds (forks of one build can differ by 2x here: JIT luck).
#
#   scripts/bench-ab.sh A.jar B.jar [ROUNDS] [JMH regexp and options...]
#   scripts/bench-ab.sh /tmp/before.jar benchmarks/target/benchmarks.jar 3 \
#       'CallOverheadBenchmark.(matmulApi|addApi)|TrainingStepBenchmark.nabla$' -p n=1 -p model=seed,mlp -p device=cpu
#
# Build A from the old commit with `make benchmarks-build` and copy benchmarks/target/benchmarks.jar aside first.
# One fork per round unless the options say otherwise (-f N). Runs without the environment's OpenBLAS core
# override, like `make bench`.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,10p' "$0"; exit 2; }
A=$1 B=$2 ROUNDS=${3:-3}
shift $(( $# >= 3 ? 3 : 2 ))
[ $# -gt 0 ] || set -- 'CallOverheadBenchmark.matmulApi|TrainingStepBenchmark.nabla$' -p n=1 -p model=seed,mlp \
    -p device=cpu
JAVA_HOME=${JAVA_HOME:-$("$(dirname "$0")/find-jdk.sh")}
OUT=$(mktemp -d)
FORKS=(-f 1)
for a in "$@"; do [ "$a" = -f ] && FORKS=(); done
for r in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        jar=$A; [ "$side" = B ] && jar=$B
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
            --add-modules jdk.incubator.vector --sun-misc-unsafe-memory-access=allow -cp "$jar" org.openjdk.jmh.Main \
            "${FORKS[@]}" "$@" -rf csv -rff "$OUT/$side-$r.csv" -v SILENT >/dev/null 2>&1
        echo "round $r $side done" >&2
    done
done
# Benchmark + params as the key, score per round; ratio of medians.
python3 - "$OUT" "$ROUNDS" <<'EOF'
import csv, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
scores = {}
for side in "AB":
    for r in range(1, rounds + 1):
        with open(f"{out}/{side}-{r}.csv") as f:
            rows = list(csv.reader(f))
        head = rows[0]
        for row in rows[1:]:
            params = ",".join(f"{h[len('Param: '):]}={v}" for h, v in zip(head, row)
                              if h.startswith("Param") and v)
            key = row[0].rsplit(".", 2)[-2] + "." + row[0].rsplit(".", 1)[-1] + (f" [{params}]" if params else "")
            scores.setdefault(key, {"A": [], "B": [], "unit": row[head.index("Unit")]})[side].append(float(row[4]))
print(f"| benchmark | A (median of {rounds}) | B (median of {rounds}) | unit | B/A | B/A of the minima | per-round A | per-round B |")
print("|---|---:|---:|---|---:|---:|---|---|")
for key, s in scores.items():
    a, b = statistics.median(s["A"]), statistics.median(s["B"])
    print(f"| {key} | {a:.3f} | {b:.3f} | {s['unit']} | {b / a:.3f} | {min(s['B']) / min(s['A']):.3f} | "
          f"{', '.join(f'{v:.3f}' for v in s['A'])} | {', '.join(f'{v:.3f}' for v in s['B'])} |")
EOF
