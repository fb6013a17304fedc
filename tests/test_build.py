"""dist/ is reproducible, complete and written atomically; the manifest tells the truth."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
from pathlib import Path

import pytest

from generator import build, model
from generator.config import Config
from generator.errors import InputError, ToolError

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


def test_rebuild_replaces_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build.write({"old.txt": "stale"}, out)
    build.write(build.artifacts(Config()), out)
    assert not (out / "old.txt").exists()
    assert (out / model.STACK_COMBINED.path).is_file()


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


def test_failing_swap_restores_the_old_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    build.write(build.artifacts(Config()), out)
    before = _tree(out)
    real_replace = os.replace
    calls: list[str] = []

    def replace_failing_on_swap_in(src: os.PathLike, dst: os.PathLike) -> None:
        # The OS refusing the rename of the new tree into place (EXDEV, EBUSY, ...).
        calls.append(Path(src).name)
        if Path(src).name.startswith(".dist.new-"):
            raise OSError(16, "Device or resource busy")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_failing_on_swap_in)
    with pytest.raises(ToolError, match="Device or resource busy"):
        build.write({"new.txt": "x"}, out)
    monkeypatch.undo()
    assert len(calls) == 3, calls  # aside, failed swap-in, restore
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["dist"]


@pytest.mark.parametrize("name", [".", "..", ""])
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
    with pytest.raises(InputError, match="expected a directory"):
        build.write({"a.txt": "x"}, target)
