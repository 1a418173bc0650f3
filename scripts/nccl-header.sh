#!/usr/bin/env bash
# Writes nccl.h for the pinned NCCL release into a build directory, the way NCCL's own build does: the sources carry
# only src/nccl.h.in, whose ${nccl:Major}/Minor/Patch/Suffix/Version placeholders src/Makefile fills from
# makefiles/version.mk with sed. This script does the same from the pinned commit, without building NCCL.
#
#   scripts/nccl-header.sh [SOURCE] [OUT_DIR]
#
# SOURCE (or $NCCL_SOURCE): anything `git clone` accepts that contains the pinned commit (a clone, a bare git
# directory or a URL; default https://github.com/NVIDIA/nccl.git, which needs network).
# OUT_DIR (default build/nccl/include in the repository root): gets nccl.h. Prints its SHA-256.
set -euo pipefail

# NCCL 2.28.9-1 (tag v2.28.9-1); the header's origin and hash are in native/jextract/README.md.
PINNED_TAG=v2.28.9-1
PINNED_COMMIT=dbc86fd06e8b0c4517b95d8958a09ccacf9520c9

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SOURCE=${1:-${NCCL_SOURCE:-https://github.com/NVIDIA/nccl.git}}
OUT=${2:-$ROOT/build/nccl/include}

die() { echo "nccl-header: $*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nccl-header.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "nccl-header: source $SOURCE at $PINNED_COMMIT ($PINNED_TAG)"
git clone -q --bare --filter=blob:none "$SOURCE" "$WORK/src.git" 2>/dev/null \
    || git clone -q --bare "$SOURCE" "$WORK/src.git" || die "git clone $SOURCE failed"
show() { git -C "$WORK/src.git" show "$PINNED_COMMIT:$1" || die "$SOURCE does not contain $1 at commit $PINNED_COMMIT"; }
show makefiles/version.mk > "$WORK/version.mk"
show src/nccl.h.in > "$WORK/nccl.h.in"

version_field() { sed -n "s/^$1 *:= *\(.*\)$/\1/p" "$WORK/version.mk" | tr -d ' '; }
MAJOR=$(version_field NCCL_MAJOR)
MINOR=$(version_field NCCL_MINOR)
PATCH=$(version_field NCCL_PATCH)
SUFFIX=$(version_field NCCL_SUFFIX)
[ -n "$MAJOR" ] && [ -n "$MINOR" ] && [ -n "$PATCH" ] || die "no NCCL_MAJOR/MINOR/PATCH in makefiles/version.mk"
# NCCL_VERSION(X,Y,Z) = X*10000 + Y*100 + Z since 2.9 (src/Makefile: printf "%d%02d%02d").
VERSION=$(printf "%d%02d%02d" "$MAJOR" "$MINOR" "$PATCH")

mkdir -p "$OUT"
sed -e "s/\${nccl:Major}/$MAJOR/g" \
    -e "s/\${nccl:Minor}/$MINOR/g" \
    -e "s/\${nccl:Patch}/$PATCH/g" \
    -e "s/\${nccl:Suffix}/$SUFFIX/g" \
    -e "s/\${nccl:Version}/$VERSION/g" \
    "$WORK/nccl.h.in" > "$OUT/nccl.h"
grep -q '\${nccl:' "$OUT/nccl.h" && die "placeholders left in $OUT/nccl.h"
echo "nccl-header: NCCL $MAJOR.$MINOR.$PATCH$SUFFIX -> $OUT/nccl.h (sha256 $(sha256sum "$OUT/nccl.h" | cut -c1-16))"
