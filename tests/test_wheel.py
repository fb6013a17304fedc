"""The built wheel works as a user installs it: outside the source tree, templates inside it.

The wheel is built from a copy of the checkout with the project venv's setuptools (offline:
`--no-build-isolation`), installed with `--no-deps` into a fresh venv outside the tree, whose
dependencies come from the project venv's site-packages through a `.pth` line (read as a plain
path: the editable install's finder there is not run, so `cmek` can only come from the wheel).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from cmek import model

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "generator", "templates")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheels")
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", out, source, cwd=source,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("cmek-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    assert (
        _run(sys.executable, "-m", "venv", "--without-pip", root, cwd=root.parent).returncode == 0
    )
    python = root / "bin" / "python"
    purelib = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "cmek-test-dependencies.pth").write_text(deps + "\n")
    installed = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel, cwd=root,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return root


def test_wheel_carries_the_templates_as_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        sources = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*.j2")}
        for name in sources:
            packaged = f"cmek/{name}"
            assert packaged in names, packaged
            assert archive.read(packaged) == (REPO / name).read_bytes()
        assert "cmek/commands/check.py" in names
        assert not any(n.startswith("generator/") for n in names), "a top-level generator package"


def test_installed_cmek_builds_dist_byte_for_byte_and_checks_it(venv: Path, tmp_path: Path) -> None:
    where = _run(venv / "bin" / "python", "-c", "import cmek; print(cmek.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    out = tmp_path / "out"
    built = _run(venv / "bin" / "cmek", "build", "--out", out, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert _tree(out) == _tree(REPO / "dist")
    checked = _run(venv / "bin" / "cmek", "check", out, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.endswith(" 0 findings\n")
    assert (out / model.MANIFEST_FILE).is_file()
