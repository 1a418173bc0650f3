#!/usr/bin/env bash
# Time from launching `java` to the end of the first training step of the seed network (the tutorial network on the
# cpu device: dev.nabla.benchmarks.StartupTime), RUNS launches without and with a JDK 25 AOT cache, alternated so that
# both see the same machine; prints every launch and the medians in ms.
# Usage: bench-startup.sh JAVA BENCH_JAR AOT_FILE RUNS [JAVA OPTIONS...]
set -euo pipefail
java=$1 jar=$2 aot=$3 runs=$4
shift 4
opts=("$@")
main=dev.nabla.benchmarks.StartupTime

mkdir -p "$(dirname "$aot")"
rm -f "$aot"
# The recording run: 200 steps, so that the cache also holds the profiles of the step's hot methods.
if ! "$java" "${opts[@]}" -XX:AOTCacheOutput="$aot" -cp "$jar" "$main" 200 >"$aot.log" 2>&1 || [ ! -s "$aot" ]; then
    echo "bench-startup: recording the AOT cache failed (JDK 25 or later needed); see $aot.log" >&2
    exit 1
fi

one_run() { # prints ms from launch to the first step's end
    local start done
    start=$(date +%s%N)
    done=$("$java" "${opts[@]}" "$@" -cp "$jar" "$main" 2>/dev/null | sed -n 's/^first-step-done //p')
    [ -n "$done" ] || { echo "bench-startup: $main printed no first-step-done line" >&2; exit 1; }
    echo $(( (done - start) / 1000000 ))
}

plain=() cached=()
for i in $(seq "$runs"); do
    plain+=("$(one_run)")
    cached+=("$(one_run -XX:AOTCache="$aot")")
    echo "launch $i: ${plain[-1]} ms without, ${cached[-1]} ms with the AOT cache"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "bench-startup: java start to the end of the first seed step, median of $runs launches:" \
     "$(median "${plain[@]}") ms without, $(median "${cached[@]}") ms with the AOT cache ($(uptime | sed 's/.*load average/load average/'))"
