#!/usr/bin/env bash
# make gpu-bundle: a self-contained folder to run Nabla's test suite and GPU benchmarks on a machine that has an
# NVIDIA GPU and driver (plus cuBLAS, e.g. from a PyTorch install) but no JDK, Maven or network:
#   <bundle>/jre/            jlinked Java runtime (only the modules the jars need)
#   <bundle>/lib/            nabla.jar (library + PTX), jackson, junit-platform-console-standalone
#   <bundle>/test-classes/   the compiled tests and their resources (fixtures)
#   <bundle>/run-gpu-tests.sh, torch_matmul.py, torch_steps.py
# Usage: scripts/gpu/make-bundle.sh [bundle-dir]   (env: JAVA_HOME = JDK 22+, BUILD_DIR = Maven build dir)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="${1:-$ROOT/bundle}"
case "$BUNDLE" in /*) ;; *) BUNDLE="$ROOT/$BUNDLE" ;; esac
BUILD_DIR="${BUILD_DIR:-target-gpu-bundle}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/jlink" ]; then
    JAVA_HOME="$("$ROOT/scripts/find-jdk.sh")"
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
M2="${M2_REPO:-$HOME/.m2/repository}"
CONSOLE_VERSION=1.14.1
CONSOLE="$M2/org/junit/platform/junit-platform-console-standalone/$CONSOLE_VERSION/junit-platform-console-standalone-$CONSOLE_VERSION.jar"

echo "gpu-bundle: compiling (Maven build dir $BUILD_DIR)"
mvn -B -q -f "$ROOT/pom.xml" -pl library -Dbuild.dir="$BUILD_DIR" test-compile
[ -f "$BUILD_DIR/classes/dev/nabla/cuda/nabla_kernels.ptx" ] || { echo "gpu-bundle: the PTX resource is missing (make ptx)" >&2; exit 1; }
if [ ! -f "$CONSOLE" ]; then
    echo "gpu-bundle: fetching junit-platform-console-standalone $CONSOLE_VERSION from Maven Central"
    mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:$CONSOLE_VERSION
fi
mvn -B -q -f "$ROOT/pom.xml" -pl library -Dbuild.dir="$BUILD_DIR" dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$BUILD_DIR/runtime-classpath.txt"

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/lib"
jar --create --file "$BUNDLE/lib/nabla.jar" -C "$BUILD_DIR/classes" .
# test classes as a folder: some tests open their resources as files (Path.of(url.toURI()))
cp -r "$BUILD_DIR/test-classes" "$BUNDLE/test-classes"
# runtime dependencies except the OpenBLAS natives (30 MB): on the GPU machine the cpu device uses a system
# OpenBLAS if there is one, else the pure-Java kernels
tr ':' '\n' < "$BUILD_DIR/runtime-classpath.txt" | grep -Ev '/org/bytedeco/|/org/junit/|/org/opentest4j/|/org/apiguardian/' \
    | while read -r j; do
    [ -n "$j" ] && cp "$j" "$BUNDLE/lib/"
done
cp "$CONSOLE" "$BUNDLE/lib/"
cp "$ROOT/scripts/gpu/torch_cudnn.py" "$BUNDLE/" # the PyTorch side of CudnnBench (run-gpu-tests.sh step 4c)

CP=$(ls "$BUNDLE"/lib/*.jar | tr '\n' ':')
# Modules the jars use, by jdeps, without java.desktop: only Jackson refers to it (java.beans, optional and
# guarded), and it would add 12 MB of AWT. jdk.incubator.vector for the Vector API kernels, jdk.httpserver for tests,
# jdk.zipfs for the JUnit launcher (it scans the test jar as a zip file system).
MODULES=$(jdeps --multi-release 25 --ignore-missing-deps --print-module-deps --class-path "$CP" "$BUNDLE"/lib/*.jar \
    2>/dev/null | tail -1 | tr ',' '\n' | grep -v '^java.desktop$' | paste -sd, -)
MODULES="$MODULES,jdk.incubator.vector,jdk.httpserver,jdk.zipfs,jdk.unsupported"
echo "gpu-bundle: jlink modules $MODULES"
jlink --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
    --output "$BUNDLE/jre" 2>&1 | grep -v "^Warning: The --compress flag\|deprecated" || true
# libjvm.so carries its symbol table (about 8 MB): not needed to run
command -v strip >/dev/null 2>&1 && strip --strip-unneeded "$BUNDLE/jre/lib/server/libjvm.so" || true
cp "$ROOT/scripts/gpu/run-gpu-tests.sh" "$ROOT/scripts/gpu/torch_matmul.py" "$ROOT/scripts/gpu/torch_steps.py" "$BUNDLE/"
chmod +x "$BUNDLE/run-gpu-tests.sh"
"$BUNDLE/jre/bin/java" -version 2>&1 | head -1
SIZE=$(du -sm "$BUNDLE" | cut -f1)
echo "gpu-bundle: $BUNDLE is ${SIZE} MB"
du -sh "$BUNDLE"/jre "$BUNDLE"/lib/* | sort -h | tail -8
[ "$SIZE" -lt 60 ] || { echo "gpu-bundle: larger than 60 MB" >&2; exit 1; }
