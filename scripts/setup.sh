#!/usr/bin/env bash
# Set up vidrag in ./.venv with the CPU default models. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Debian packages the tests and demos use: real read speech (LibriVox) and a narrator voice.
  need=""
  for pkg in pocketsphinx-testdata espeak-ng; do dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"; done
  if [ -n "$need" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch before anything that wants it: a bare `torch` requirement would pull the newest CUDA build
# from the network. 2.14.1 + torchvision 0.29.1 is the pair on this machine's disk that imports
# together (torchvision from PyPI does not load beside the 2.13.0 CPU file); it runs on the CPU.
.venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
.venv/bin/pip install -q -e '.[cpu-models,vision,eval,dev]'
