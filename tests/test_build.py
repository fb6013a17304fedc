"""dist/ is reproducible, complete and written atomically; the manifest tells the truth."""

from __future__ import annotations

import errno
import filecmp
import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from cmek import build, model
from cmek.config import Config
from cmek.errors import InputError, ToolError

DIST = Path(__file__).resolve().parent.parent / "dist"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_committed_dist_equals_a_fresh_build(built: Path) -> None:
    committed, fresh = _tree(DIST), _tree(built)
    assert sorted(committed) == sorted(fresh), "files differ: run `cmek build` and commit dist/"
    changed = [path for path in fresh if committed[path] != fresh[path]]
    assert not changed, f"stale in dist/: {changed}; run `cmek build` and commit dist/"


def test_build_is_byte_identical_every_time(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build.write(build.artifacts(Config()), again)
    assert _tree(again) == _tree(built)


def test_manifest_lists_every_file_with_its_hash(built: Path) -> None:
    manifest = json.loads((built / model.MANIFEST_FILE).read_text())
    assert manifest["version"] == model.VERSION
    files = _tree(built)
    files.pop(model.MANIFEST_FILE)
    assert [e["path"] for e in manifest["files"]] == sorted(files)
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)


def test_links_json_holds_the_published_link(built: Path) -> None:
    # ClickHouse's documented link (the seed): users already click it, so it must not change.
    published = (
        "https://us-west-2.console.aws.amazon.com/cloudformation/home?region=us-west-2#/stacks/"
        "quickcreate?templateURL=https://s3.us-east-2.amazonaws.com/clickhouse-public-resources."
        "clickhouse.cloud/cf-templates/cmek.yaml&stackName=ClickHouseBYOK&param_KMSCreate=false"
        "&param_ClickHouseRole=arn:aws:iam::576599896960:role/prod-kms-request-role"
    )
    urls = [x["url"] for x in json.loads((built / model.LINKS_FILE).read_text())["links"]]
    assert published in urls
    assert published.replace("KMSCreate=false", "KMSCreate=true") in urls


def _previous(files: dict[str, str]) -> dict[str, str]:
    """`files` as a build writes them: with the manifest that makes the folder a cmek build."""
    return files | {model.MANIFEST_FILE: build.manifest(files)}


def test_rebuild_replaces_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build.write(_previous({"old.txt": "stale"}), out)
    assert build.write(build.artifacts(Config()), out) == ()
    assert not (out / "old.txt").exists()
    assert (out / model.STACK_COMBINED.path).is_file()
    assert sorted(os.listdir(tmp_path)) == ["dist"], "staging or old copies left behind"


def test_failing_write_leaves_existing_dist_untouched(tmp_path: Path, built: Path) -> None:
    out = tmp_path / "dist"
    build.write(build.artifacts(Config()), out)
    before = _tree(out)
    # A path that cannot be written (a file where a directory must go) fails mid-way.
    with pytest.raises(ToolError, match="cannot write"):
        build.write({"a.txt": "x", "a.txt/b.txt": "y"}, out)
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["dist"], "staging directories left behind"
    assert filecmp.dircmp(out, built).diff_files == []


def test_failing_exchange_leaves_the_old_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    build.write(_previous({"old.txt": "old"}), out)
    before = _tree(out)

    def refusing(source: Path, target: Path, flags: int) -> None:
        # The OS refusing the exchange (EBUSY: the folder is a mount point, say).
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    monkeypatch.setattr(build, "_renameat2_call", refusing)
    with pytest.raises(ToolError, match="Device or resource busy"):
        build.write(_previous({"new.txt": "x"}), out)
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["dist"]


def test_the_swap_is_one_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dist"
    build.write(_previous({"old.txt": "old"}), out)
    calls: list[int] = []
    real = build._renameat2_call
    monkeypatch.setattr(build, "_renameat2_call", lambda s, t, f: calls.append(f) or real(s, t, f))
    monkeypatch.setattr(os, "replace", None)  # the two-rename fallback must not run
    build.write(_previous({"new.txt": "new"}), out)
    assert calls == [build.RENAME_EXCHANGE]
    monkeypatch.undo()
    assert _tree(out) == {k: v.encode() for k, v in _previous({"new.txt": "new"}).items()}
    assert sorted(os.listdir(tmp_path)) == ["dist"]


def test_fallback_two_renames_restore_the_old_dist_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    build.write(_previous({"old.txt": "old"}), out)
    before = _tree(out)
    monkeypatch.setattr(build, "_renameat2", lambda: None)  # a system without renameat2
    real_replace = os.replace
    calls: list[str] = []

    def replace_failing_on_swap_in(src: os.PathLike, dst: os.PathLike) -> None:
        calls.append(Path(src).name)
        if Path(src).name.startswith(f"{build.STAGING_PREFIX}new-"):
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_failing_on_swap_in)
    with pytest.raises(ToolError, match="Device or resource busy"):
        build.write(_previous({"new.txt": "x"}), out)
    monkeypatch.undo()
    assert len(calls) == 3, calls  # aside, failed swap-in, restore
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["dist"]


def test_fallback_two_renames_swap_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dist"
    monkeypatch.setattr(build, "_renameat2", lambda: None)
    build.write(_previous({"old.txt": "old"}), out)
    build.write(_previous({"new.txt": "new"}), out)
    assert _tree(out) == {k: v.encode() for k, v in _previous({"new.txt": "new"}).items()}
    assert sorted(os.listdir(tmp_path)) == ["dist"]


def test_a_failed_clean_up_is_a_warning_naming_what_to_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    build.write(_previous({"old.txt": "old"}), out)

    def refusing(path: os.PathLike, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(build.shutil, "rmtree", refusing)
    warnings = build.write(_previous({"new.txt": "new"}), out)
    monkeypatch.undo()
    (leftover,) = [p for p in tmp_path.iterdir() if p.name != "dist"]
    assert warnings == (
        f"the new build is in place, but the previous one could not be removed "
        f"(Permission denied): delete {leftover}",
    )
    assert (out / "new.txt").read_text() == "new"
    assert (leftover / "old.txt").read_text() == "old"


@pytest.mark.parametrize("name", [".", "..", "", "x/.."])
def test_out_needs_a_name(name: str) -> None:
    with pytest.raises(InputError, match="ending in a name"):
        build.write({"a.txt": "x"}, Path(name))


def test_out_must_not_be_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(InputError, match="symbolic link"):
        build.write({"a.txt": "x"}, tmp_path / "link")
    assert list((tmp_path / "real").iterdir()) == []


def test_out_must_not_be_a_file(tmp_path: Path) -> None:
    target = tmp_path / "dist"
    target.write_text("not a directory")
    with pytest.raises(InputError, match="expected a directory, found a file"):
        build.write({"a.txt": "x"}, target)


def test_out_may_be_missing_or_empty(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    for out in (tmp_path / "missing" / "dist", tmp_path / "empty"):
        build.write(_previous({"a.txt": "x"}), out)
        assert (out / "a.txt").read_text() == "x"


OTHER_FOLDERS = {
    "someone's files": ({"notes.txt": "mine"}, "no manifest.json of a cmek build"),
    "a build plus a file": (
        _previous({"a.txt": "x"}) | {"notes.txt": "mine"},
        "'notes.txt' (file), not part of its cmek build",
    ),
    "an edited build": (
        _previous({"a.txt": "x"}) | {"a.txt": "edited"},
        "'a.txt' was edited after the build",
    ),
    "another tool's manifest": (
        {"a.txt": "x", model.MANIFEST_FILE: '{"generator": "other", "files": [{"path": "a.txt"}]}'},
        "no manifest.json of a cmek build",
    ),
}


@pytest.mark.parametrize(("files", "expected"), OTHER_FOLDERS.values(), ids=OTHER_FOLDERS.keys())
def test_out_holding_anything_else_is_refused_untouched(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    out = tmp_path / "dist"
    for relpath, text in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_text(text)
    before = _tree(out)
    with pytest.raises(InputError, match=re.escape(expected)):
        build.write(_previous({"new.txt": "new"}), out)
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["dist"]


def test_out_is_judged_however_it_is_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path / "mine")
    spellings = [tmp_path / "mine", Path(f"{tmp_path}/mine/"), Path("../mine"), Path.cwd()]
    for out in spellings:
        with pytest.raises(InputError):
            build.write({"a.txt": "x"}, out)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for home in (tmp_path / "home", Path("../home/")):
        with pytest.raises(InputError, match="your home"):
            build.write({"a.txt": "x"}, home)
    with pytest.raises(InputError, match="the current directory"):
        build.write({"a.txt": "x"}, tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["home", "mine"]
    assert os.listdir(tmp_path / "home") == []
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]
