"""Atomic writes: a failed save never damages the file that was there, nor leaves litter."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from gdsim.core import files
from gdsim.core.files import write_bytes_atomic, write_text_atomic


def test_a_new_file_gets_its_bytes_and_ordinary_permissions(tmp_path):
    target = tmp_path / "figure.png"
    write_bytes_atomic(target, b"\x89PNG data")
    assert target.read_bytes() == b"\x89PNG data"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["figure.png"]


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "train.py"
    target.write_text("old")
    target.chmod(0o755)
    write_text_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert target.stat().st_mode & 0o777 == 0o755


def test_a_full_disk_leaves_the_old_file_untouched_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "train.py"
    target.write_text("the script I had")

    def disk_full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        write_text_atomic(target, "x" * 10_000)
    assert target.read_text() == "the script I had"
    assert os.listdir(tmp_path) == ["train.py"]


def test_a_missing_folder_is_named_in_the_message(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        write_bytes_atomic(tmp_path / "no-such-folder" / "a.svg", b"<svg/>")


def test_a_folder_that_cannot_take_files_says_why(tmp_path):
    """A path under a regular file fails even for root (unlike chmod, which root ignores)."""
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    with pytest.raises(OSError, match="does not exist"):
        write_bytes_atomic(blocker / "a.png", b"data")



@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_read_only_folder_says_why():
    """/proc refuses new files even to root (chmod would not stop root)."""
    with pytest.raises(OSError, match=r"could not write /proc/a\.png: "):
        write_bytes_atomic(Path("/proc/a.png"), b"data")
    assert not Path("/proc/a.png").exists()


def test_saving_onto_a_symbolic_link_writes_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.py"
    real.write_text("OLD")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_text_atomic(link, "NEW")
    assert link.is_symlink() and real.read_text() == "NEW"


def test_a_device_or_pipe_is_refused_and_left_alone(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="not a regular file"):
        write_text_atomic(pipe, "script")
    assert pipe.is_fifo()
    with pytest.raises(OSError, match="not a regular file"):
        write_text_atomic(Path("/dev/null"), "script")
    assert Path("/dev/null").is_char_device()


def test_a_name_as_long_as_the_file_system_allows_can_be_saved(tmp_path):
    target = tmp_path / ("z" * 252 + ".py")
    write_text_atomic(target, "print(1)")
    assert target.read_text() == "print(1)"
