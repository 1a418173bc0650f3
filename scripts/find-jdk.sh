#!/usr/bin/env bash
# Prints the home directory of a JDK 22 or newer, the oldest Java that Nabla runs on.
#
# Looks, in order, at:
#   1. $JAVA_HOME, if it is a JDK (has bin/javac) whose `java -version` is 22 or newer;
#   2. the newest such JDK under /usr/lib/jvm (or $NABLA_JVM_DIR, for tests);
#   3. the JDK of the `java` on PATH, if it is new enough.
# Exits 1 with a message on stderr when none is found.
set -euo pipefail

readonly MIN_VERSION=22

# Prints the feature version (8, 17, 25, ...) of the JDK at $1, or nothing if it is not a usable JDK.
feature_version() {
    local home=$1 line version
    [[ -x $home/bin/java && -x $home/bin/javac ]] || return 0
    line=$("$home/bin/java" -version 2>&1 | grep -m1 -E 'version "[^"]+"' || true)
    version=${line#*version \"}
    version=${version%%\"*}
    [[ -n $version ]] || return 0
    if [[ $version == 1.* ]]; then   # 1.8.0_402 -> 8
        version=${version#1.}
    fi
    version=${version%%[.+-]*}       # 25.0.3 -> 25, 22-ea -> 22
    [[ $version =~ ^[0-9]+$ ]] && echo "$version"
    return 0
}

if [[ -n ${JAVA_HOME:-} ]]; then
    v=$(feature_version "$JAVA_HOME")
    if [[ -n $v && $v -ge $MIN_VERSION ]]; then
        echo "$JAVA_HOME"
        exit 0
    fi
fi

best_home=
best_version=0
jvm_dir=${NABLA_JVM_DIR:-/usr/lib/jvm}
if [[ -d $jvm_dir ]]; then
    for home in "$jvm_dir"/*/; do
        home=${home%/}
        v=$(feature_version "$home")
        if [[ -n $v && $v -ge $MIN_VERSION && $v -gt $best_version ]]; then
            best_home=$home
            best_version=$v
        fi
    done
fi
if [[ -n $best_home ]]; then
    echo "$best_home"
    exit 0
fi

if java_on_path=$(command -v java 2>/dev/null); then
    home=$(dirname "$(dirname "$(readlink -f "$java_on_path")")")
    v=$(feature_version "$home")
    if [[ -n $v && $v -ge $MIN_VERSION ]]; then
        echo "$home"
        exit 0
    fi
fi

cat >&2 <<EOF
Nabla needs JDK $MIN_VERSION or newer; install e.g. Temurin 25 (https://adoptium.net, or the
'temurin-25-jdk' package from Adoptium's apt repository) and set JAVA_HOME to it.
Looked at: JAVA_HOME=${JAVA_HOME:-<unset>}, the JDKs under $jvm_dir, and the java on PATH.
EOF
exit 1
