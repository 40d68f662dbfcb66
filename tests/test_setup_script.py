"""scripts/setup.sh with apt, dpkg, python and pip stubbed: a failing `apt-get update` is retried, then stops
loudly; `--lean` installs the CPU torch and no torchvision, and leaves a full .venv's torch alone."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[1] / "scripts" / "setup.sh"


def stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def run_setup(tmp_path):
    """A copy of the script in a scratch checkout whose apt-get update fails the first `fails` times."""
    repo, bin_dir, calls = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(SETUP, repo / "scripts" / "setup.sh")
    log = f'echo "$(basename "$0") $*" >> {calls}'
    stub(bin_dir / "id", 'echo 0')                                   # as root, so the apt step runs
    stub(bin_dir / "dpkg", "exit 1")                                 # no Debian package installed yet
    stub(bin_dir / "sleep", log)                                     # no real waiting in a test
    stub(repo / ".venv" / "bin" / "pip", log)

    def run(fails: int = 0, args: tuple[str, ...] = (), torchvision: bool = False
            ) -> tuple[subprocess.CompletedProcess, list[str]]:
        # python answers the script's "is torchvision installed?" (find_spec) with its exit status
        stub(repo / ".venv" / "bin" / "python", f"{log}\nexit {0 if torchvision else 1}")
        stub(bin_dir / "apt-get", f'{log}\n[ "$1" = update ] && [ $(grep -c "^apt-get update" {calls}) -le {fails} ] '
                                  f'&& {{ echo "E: Could not get lock /var/lib/apt/lists/lock" >&2; exit 100; }}\nexit 0')
        env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin")
        done = subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), *args], capture_output=True, text=True,
                              env=env, timeout=60)
        return done, calls.read_text().splitlines() if calls.exists() else []
    return run


def test_apt_update_that_keeps_failing_stops_setup_with_a_clear_error(run_setup):
    done, calls = run_setup(fails=99)
    assert done.returncode != 0
    assert [c for c in calls if c.startswith("apt-get")] == ["apt-get update -qq"] * 5   # tried 5 times,
    assert calls.count("sleep 15") == 4 and not any(c.startswith("pip") for c in calls)  # nothing after it
    retries = [line for line in done.stderr.splitlines() if line.startswith("setup.sh:")]
    assert len(retries) == 5 and "retrying" in retries[0] and "another apt or dpkg" in retries[0]
    assert retries[-1].startswith("setup.sh: error: 'apt-get update -qq' failed 5 times")


def test_apt_update_that_recovers_says_so_and_setup_carries_on(run_setup):
    done, calls = run_setup(fails=2)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("retrying in 15 s") == 2 and "error" not in done.stderr.replace("E: Could not", "")
    assert any(c.startswith("apt-get install -y -qq pocketsphinx-testdata") for c in calls)   # the list may grow
    assert any(c.startswith("pip install -q -e") for c in calls)   # the rest of the set-up ran


def pip_calls(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith("pip ")]


def test_plain_setup_installs_the_full_stack(run_setup):
    done, calls = run_setup()
    assert done.returncode == 0, done.stderr
    assert pip_calls(calls) == ["pip install -q torch==2.14.1 torchvision==0.29.1",
                                "pip install -q -e .[cpu-models,vision,eval,web,cluster,dev]"]


def test_lean_setup_installs_the_cpu_torch_without_torchvision_or_apt(run_setup):
    done, calls = run_setup(fails=99, args=("--lean",))   # apt would fail: --lean must not need it
    assert done.returncode == 0, done.stderr
    assert not any(c.startswith("apt-get") for c in calls)
    assert pip_calls(calls) == ["pip install -q torch==2.13.0", "pip install -q -e .[cpu-models,web]"]


def test_lean_setup_leaves_a_full_venv_its_torch(run_setup):
    done, calls = run_setup(args=("--lean",), torchvision=True)
    assert done.returncode == 0, done.stderr
    assert pip_calls(calls) == ["pip install -q -e .[cpu-models,web]"]   # no torch 2.13.0 over torchvision
    assert "already holds the full stack" in done.stderr


def test_unknown_argument_stops_before_installing_anything(run_setup):
    done, calls = run_setup(args=("--lite",))
    assert done.returncode == 2
    assert done.stderr.strip() == "setup.sh: error: unknown argument '--lite'; usage: scripts/setup.sh [--lean]"
    assert calls == []
