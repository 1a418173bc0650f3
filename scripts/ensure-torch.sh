#!/usr/bin/env bash
# For `make bench-compare`: PyTorch for the pytorch harness (benchmarks/python/torch_bench.py), i.e. `import torch`
# in /usr/bin/python3 (or $PYTHON). Installs Debian's python3-torch when it is missing and we are root with apt-get;
# otherwise says why the pytorch harness will be skipped. Never fails: the comparison runs without PyTorch.
set -u
python=${PYTHON:-/usr/bin/python3}
torch_version() {
    [ -x "$python" ] && "$python" -c 'import torch; print(torch.__version__)' 2>/dev/null
}
if version=$(torch_version); then
    echo "ensure-torch: PyTorch $version for $python"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-torch: $python cannot import torch; installing python3-torch with apt-get"
    if DEBIAN_FRONTEND=noninteractive apt-get update -qq \
       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch; then
        if version=$(torch_version); then
            echo "ensure-torch: PyTorch $version for $python"
        else
            echo "ensure-torch: python3-torch installed, but $python still cannot import torch: the pytorch harness will be skipped"
        fi
    else
        echo "ensure-torch: apt-get install python3-torch failed: the pytorch harness will be skipped"
    fi
else
    echo "ensure-torch: $python cannot import torch and it cannot be installed here (needs root and apt-get):" \
         "the pytorch harness will be skipped"
fi
exit 0
