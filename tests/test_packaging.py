"""The distribution maps every folder into the vidrag namespace, editable and as a built wheel."""
import subprocess
import sys
import zipfile

import vidrag.indexers.scenes
import vidrag.agent
import vidrag.eval
import vidrag.prompts
import vidrag.tools


def test_editable_install_imports_every_part(tmp_path):
    assert vidrag.indexers.scenes.__file__.endswith("indexers/scenes.py")
    for mod in (vidrag.agent, vidrag.tools, vidrag.prompts, vidrag.eval):
        assert mod.__name__.startswith("vidrag.")
    # from another folder, so the import comes from the install and not from the checkout's cwd
    code = "import vidrag, vidrag.indexers.runner, vidrag.prompts as p; print(vidrag.Library.__name__, len(p.load('answer_system')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert out.split()[0] == "Library" and int(out.split()[1]) > 100


def test_built_wheel_holds_the_namespace_and_imports(tmp_path):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("vidrag-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("vidrag/cli.py", "vidrag/indexers/runner.py", "vidrag/agent/__init__.py",
                     "vidrag/tools/__init__.py", "vidrag/prompts/__init__.py", "vidrag/eval/bench.py",
                     "vidrag/web/index.html", "vidrag/web/app.js", "vidrag/web/style.css"):   # the page ships
        assert expected in names
    assert not any(n.startswith(("indexers/", "agent/", "tests/")) for n in names)
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "vidrag = vidrag.cli:main" in entry
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = "import vidrag.indexers.runner, vidrag.eval.bench, sys; print(vidrag.indexers.runner.__file__)"
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked)!r}); {code}"],
                         check=True, capture_output=True, text=True).stdout
    assert out.strip().startswith(str(unpacked))
