#!/usr/bin/env bash
# Time from launching `java` to the end of the first training step of the seed network (the tutorial network on the
# cpu device: dev.nabla.benchmarks.StartupTime), RUNS launches of each of three set-ups, alternated so that all see
# the same machine; prints every launch and the medians in ms:
#   plain   the options given (with the Vector API module), no AOT cache;
#   aot     the same with a JDK 25 AOT cache recorded by a 200-step run;
#   small   without --add-modules jdk.incubator.vector, with an AOT cache recorded that way. The JDK archives the
#           module graph, and so pre-links lambdas and method handles, only when no incubator module is in it; a small
#           model does not need the Vector API, so this is the fastest start (large work then runs scalar, and the
#           library says so once).
# Usage: bench-startup.sh JAVA BENCH_JAR AOT_FILE RUNS [JAVA OPTIONS...]
set -euo pipefail
java=$1 jar=$2 aot=$3 runs=$4
shift 4
opts=("$@")
small_opts=()
for ((i = 0; i < ${#opts[@]}; i++)); do # the options less the Vector API module, in both spellings
    if [ "${opts[i]}" = --add-modules ] && [ "${opts[i + 1]:-}" = jdk.incubator.vector ]; then
        i=$((i + 1))
    elif [ "${opts[i]}" != --add-modules=jdk.incubator.vector ]; then
        small_opts+=("${opts[i]}")
    fi
done
main=dev.nabla.benchmarks.StartupTime
small_aot=${aot%.aot}-small.aot

record() { # AOT_FILE OPTIONS...: the recording run, 200 steps, so that the cache also holds the step's profiles
    local file=$1
    shift
    rm -f "$file"
    if ! "$java" "$@" -XX:AOTCacheOutput="$file" -cp "$jar" "$main" 200 >"$file.log" 2>&1 || [ ! -s "$file" ]; then
        echo "bench-startup: recording the AOT cache failed (JDK 25 or later needed); see $file.log" >&2
        exit 1
    fi
}
mkdir -p "$(dirname "$aot")"
record "$aot" "${opts[@]}"
record "$small_aot" "${small_opts[@]}"

one_run() { # OPTIONS...: prints ms from launch to the first step's end
    local start done
    start=$(date +%s%N)
    done=$("$java" "$@" -cp "$jar" "$main" 2>/dev/null | sed -n 's/^first-step-done //p')
    [ -n "$done" ] || { echo "bench-startup: $main printed no first-step-done line" >&2; exit 1; }
    echo $(( (done - start) / 1000000 ))
}

plain=() cached=() small=()
for i in $(seq "$runs"); do
    plain+=("$(one_run "${opts[@]}")")
    cached+=("$(one_run "${opts[@]}" -XX:AOTCache="$aot")")
    small+=("$(one_run "${small_opts[@]}" -XX:AOTCache="$small_aot")")
    echo "launch $i: ${plain[-1]} ms plain, ${cached[-1]} ms with the AOT cache," \
         "${small[-1]} ms with the AOT cache and without the Vector API module"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "bench-startup: java start to the end of the first seed step, median of $runs launches:" \
     "$(median "${plain[@]}") ms plain, $(median "${cached[@]}") ms with the AOT cache," \
     "$(median "${small[@]}") ms with the AOT cache and without the Vector API module" \
     "($(uptime | sed 's/.*load average/load average/'))"
