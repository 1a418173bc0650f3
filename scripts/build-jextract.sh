#!/usr/bin/env bash
# Builds jextract from source, reproducibly, without Gradle or network (when the source is a local checkout):
# openjdk/jextract at the pinned commit below (the one that produced bindings/, native/jextract/README.md), compiled
# with javac of a JDK 22+ against Debian's libclang 13.
#
#   scripts/build-jextract.sh [SOURCE]
#
# SOURCE (or $JEXTRACT_SOURCE): anything `git clone` accepts that contains the pinned commit: a clone, a bare git
# directory or a URL. Default: https://github.com/openjdk/jextract.git (needs network).
# Environment: JAVA_HOME (JDK 22 or later; default: the java on PATH), LLVM_HOME (default /usr/lib/llvm-13),
# JEXTRACT_BUILD_DIR (default build/jextract in the repository root).
# Result: $JEXTRACT_BUILD_DIR/bin/jextract, a launcher that runs the module org.openjdk.jextract on that JDK.
set -euo pipefail

PINNED_COMMIT=0b89a462146940a2ec90e34eeb5df3d46d8980d2
# What upstream's Gradle build stamps into the module (build.gradle: jextract_version); `jextract --version` prints it.
JEXTRACT_VERSION=22
# Debian packages with libclang 13 (the version upstream's CI uses) and its resource headers (stddef.h, ...).
LLVM_PACKAGES=(libclang1-13 libclang-common-13-dev)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SOURCE=${1:-${JEXTRACT_SOURCE:-https://github.com/openjdk/jextract.git}}
OUT=${JEXTRACT_BUILD_DIR:-$ROOT/build/jextract}
LLVM_HOME=${LLVM_HOME:-/usr/lib/llvm-13}

die() { echo "build-jextract: $*" >&2; exit 1; }

# ---- JDK
if [ -n "${JAVA_HOME:-}" ]; then
    JAVA_BIN=$JAVA_HOME/bin
else
    JAVA_BIN=$(dirname "$(readlink -f "$(command -v javac || die 'no javac on PATH and JAVA_HOME unset')")")
fi
[ -x "$JAVA_BIN/javac" ] && [ -x "$JAVA_BIN/jar" ] || die "$JAVA_BIN has no javac/jar: set JAVA_HOME to a JDK 22 or later"
jdk_feature=$("$JAVA_BIN/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${jdk_feature:-0}" -ge 22 ] 2>/dev/null || die "JDK $JAVA_BIN is version ${jdk_feature:-unknown}; jextract needs 22 or later (set JAVA_HOME)"

# ---- libclang 13 and its resource headers
find_llvm() {
    LIBCLANG=""
    for f in "$LLVM_HOME/lib/libclang.so.1" "$LLVM_HOME/lib/libclang.so"; do
        [ -e "$f" ] && { LIBCLANG=$(readlink -f "$f"); break; }
    done
    CLANG_INCLUDE=$(ls -d "$LLVM_HOME"/lib/clang/*/include 2>/dev/null | head -n 1 || true)
    [ -n "$LIBCLANG" ] && [ -n "$CLANG_INCLUDE" ] && [ -f "$CLANG_INCLUDE/stddef.h" ]
}
if ! find_llvm; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$LLVM_HOME" = /usr/lib/llvm-13 ]; then
        echo "build-jextract: installing ${LLVM_PACKAGES[*]} with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${LLVM_PACKAGES[@]}" \
            || die "apt-get install ${LLVM_PACKAGES[*]} failed"
    fi
    find_llvm || die "no libclang (lib/libclang.so.1) or clang resource headers (lib/clang/*/include/stddef.h)" \
        "under LLVM_HOME=$LLVM_HOME: apt-get install ${LLVM_PACKAGES[*]}, or set LLVM_HOME"
fi

# ---- the pinned source
WORK=$(mktemp -d "${TMPDIR:-/tmp}/build-jextract.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "build-jextract: source $SOURCE at $PINNED_COMMIT"
git clone -q --no-checkout "$SOURCE" "$WORK/src" || die "git clone $SOURCE failed"
git -C "$WORK/src" -c advice.detachedHead=false checkout -q "$PINNED_COMMIT" \
    || die "$SOURCE does not contain commit $PINNED_COMMIT"

# ---- compile the module (it carries its own libclang bindings) and package it as a modular jar
SRC=$WORK/src/src/main
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$WORK/classes"
find "$SRC/java" -name '*.java' | LC_ALL=C sort > "$WORK/sources.txt"
"$JAVA_BIN/javac" --release 22 --module-version "$JEXTRACT_VERSION" -nowarn -Xlint:none \
    -d "$WORK/classes" @"$WORK/sources.txt"
cp -R "$SRC/resources/." "$WORK/classes/"
"$JAVA_BIN/jar" --create --file "$OUT/lib/org.openjdk.jextract.jar" --module-version "$JEXTRACT_VERSION" \
    --main-class org.openjdk.jextract.JextractTool -C "$WORK/classes" .

# jextract calls System.loadLibrary("clang"), so libclang.so must be on java.library.path.
ln -s "$LIBCLANG" "$OUT/lib/libclang.so"

write_launcher() { # $1: extra JVM options
    cat > "$OUT/bin/jextract" <<EOF
#!/bin/sh
# jextract $JEXTRACT_VERSION (openjdk/jextract $PINNED_COMMIT), built by scripts/build-jextract.sh.
HOME_DIR=\$(cd "\$(dirname "\$0")/.." && pwd)
exec "$JAVA_BIN/java" \$JEXTRACT_JAVA_OPTIONS --enable-native-access=org.openjdk.jextract \\
    -Djava.library.path="\$HOME_DIR/lib"$1 \\
    -p "\$HOME_DIR/lib/org.openjdk.jextract.jar" -m org.openjdk.jextract/org.openjdk.jextract.JextractTool "\$@"
EOF
    chmod +x "$OUT/bin/jextract"
}
# Does a header that uses the clang resource headers parse? (clang's stdint.h includes the system one.)
resource_headers_work() {
    printf '#include <stdint.h>\nuint16_t probe(void);\n' > "$WORK/probe.h"
    (cd "$WORK" && "$OUT/bin/jextract" --output "$WORK/probe-out" probe.h) > "$WORK/probe.log" 2>&1 \
        && ! grep -q error "$WORK/probe.log"
}
# Debian's libclang finds its resource headers itself (/usr/lib/clang/13.0.1, from libclang-common-13-dev). Passing
# them again would make clang's stdint.h #include_next the second copy, which defines nothing. Other installs get a
# copy of the top-level *.h through -Djextract.header.path, as upstream's image does (build.gradle: copyLibClang).
write_launcher ""
if ! resource_headers_work; then
    mkdir -p "$OUT/include"
    cp "$CLANG_INCLUDE"/*.h "$OUT/include/"
    write_launcher ' -Djextract.header.path="$HOME_DIR/include"'
    resource_headers_work || die "the built jextract cannot parse <stdint.h>: $(cat "$WORK/probe.log")"
fi

{
    echo "commit   $PINNED_COMMIT"
    echo "jdk      $("$JAVA_BIN/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
    echo "libclang $LIBCLANG"
    echo "headers  $CLANG_INCLUDE$( [ -d "$OUT/include" ] && echo " (copied to include/)" || echo " (found by libclang itself)")"
} > "$OUT/BUILD-INFO"

"$OUT/bin/jextract" --version || die "the built jextract does not run"
echo "build-jextract: built $OUT/bin/jextract"
