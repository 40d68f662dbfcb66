#!/usr/bin/env bash
# Set up vidrag in ./.venv with the CPU default models. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Debian packages the tests and demos use: real read speech (LibriVox), a narrator voice, and the
  # browser the web page's tests drive (Playwright's own browser download is not reachable).
  need=""
  for pkg in pocketsphinx-testdata espeak-ng chromium; do dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"; done
  if [ -n "$need" ]; then
    # apt fails while another apt or dpkg holds its lock (say, unattended-upgrades at boot), and a
    # failure inside `a && b` does not stop `set -e`: retry, say so, then stop loudly.
    apt_retry() {
      for try in 1 2 3 4 5; do
        "$@" && return 0
        [ "$try" = 5 ] && break
        echo "setup.sh: '$*' failed (try $try of 5; is another apt or dpkg running?), retrying in 15 s" >&2
        sleep 15
      done
      echo "setup.sh: error: '$*' failed 5 times; free the apt/dpkg lock or fix the apt sources, then run scripts/setup.sh again" >&2
      exit 1
    }
    apt_retry apt-get update -qq
    apt_retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch before anything that wants it: a bare `torch` requirement would pull the newest CUDA build
# from the network. 2.14.1 + torchvision 0.29.1 is the pair on this machine's disk that imports
# together (torchvision from PyPI does not load beside the 2.13.0 CPU file); it runs on the CPU.
.venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
.venv/bin/pip install -q -e '.[cpu-models,vision,eval,web,dev]'
