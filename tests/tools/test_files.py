"""The safe file writer: planted symlinks, special files, overwrite refusals, modes."""
from __future__ import annotations

import os
import stat

import pytest

from tools.errors import InputError
from tools.files import resolve_target, write_text


def test_writes_a_new_file_atomically_with_the_umask_mode(tmp_path):
    target = tmp_path / "report.md"
    old = os.umask(0o022)
    try:
        assert write_text(target, "# hi\n") == target
    finally:
        os.umask(old)
    assert target.read_text() == "# hi\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no temp file left


def test_an_existing_file_is_refused_without_overwrite_and_kept(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("precious")
    with pytest.raises(InputError) as err:
        write_text(target, "new", "-o")
    assert err.value.field == "-o" and "--force" in str(err.value)
    assert target.read_text() == "precious"


def test_overwrite_keeps_the_mode(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    os.chmod(target, 0o664)
    write_text(target, "new", overwrite=True)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o664


def test_a_symlink_planted_at_the_old_temp_name_is_never_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    # The old writer used PATH.tmp; plant every predictable name an attacker could guess.
    for name in ("planted.md.tmp", ".planted.md.tmp", f".planted.md.{os.getpid()}.tmp"):
        (tmp_path / name).symlink_to(victim)
    write_text(tmp_path / "planted.md", "report")
    assert victim.read_text() == "untouched"
    assert (tmp_path / "planted.md").read_text() == "report"


def test_a_symlink_at_the_target_is_followed_to_a_regular_file_only_with_overwrite(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    with pytest.raises(InputError):
        write_text(link, "new")
    write_text(link, "new", overwrite=True)
    assert link.is_symlink() and real.read_text() == "new"


def test_a_dangling_symlink_is_refused(tmp_path):
    link = tmp_path / "out.md"
    link.symlink_to(tmp_path / "nowhere" / "victim")
    with pytest.raises(InputError) as err:
        write_text(link, "x", overwrite=True)
    assert "dangling symlink" in str(err.value)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as err:
        write_text(fifo, "x", overwrite=True)
    assert "FIFO" in str(err.value)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO


def test_a_device_is_refused_before_anything_is_written(tmp_path):
    # Checked only (resolve_target writes nothing), through a link in tmp_path: this
    # test never writes near /dev.
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    with pytest.raises(InputError) as err:
        resolve_target(link, overwrite=True)
    assert "device" in str(err.value)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        write_text(tmp_path, "x", overwrite=True)
    assert "not a directory" in str(err.value)


def test_an_input_of_the_command_is_never_the_output(tmp_path):
    case = tmp_path / "case.json"
    case.write_text("{}")
    for path in (case, tmp_path / "." / "case.json"):
        with pytest.raises(InputError) as err:
            write_text(path, "x", overwrite=True, inputs=(str(case),))
        assert "input" in str(err.value)
    assert case.read_text() == "{}"


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "r.md"
    target.write_text("old")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError) as err:
        write_text(target, "new", overwrite=True)
    assert "No space left" in str(err.value)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


@pytest.mark.parametrize("path", ["", "   ", "a\x00b"])
def test_no_path_is_refused(path):
    with pytest.raises(InputError):
        write_text(path, "x")


def test_a_missing_folder_is_refused_unless_asked_to_create_it(tmp_path):
    with pytest.raises(InputError) as err:
        write_text(tmp_path / "a" / "b.md", "x")
    assert "existing directory" in str(err.value)
    write_text(tmp_path / "a" / "b.md", "x", make_parents=True)
    assert (tmp_path / "a" / "b.md").read_text() == "x"
