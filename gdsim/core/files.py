"""Writing files so that a failure never costs the user a file they already had.

Every file gdsim writes (an exported figure, a saved script) goes through `write_bytes_atomic`:
the data goes to a temporary file in the destination's folder, is flushed to disk, and only
then renamed over the destination (`os.replace`, atomic on POSIX and Windows within one file
system). A full disk, a missing folder or a crash mid-write leaves the old file as it was and
no temporary file behind; the caller gets an `OSError` whose message says what failed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace `path` by `data` all at once, or leave it untouched and raise `OSError`.

    A symbolic link is written through (the file it points to is replaced, the link stays);
    anything but a regular file (a device, a folder, a pipe) is refused: renaming over it would
    replace the node itself."""
    shown = path
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        raise OSError(f"could not write {shown}: it is not a regular file")
    folder = path.parent
    if not folder.is_dir():
        raise OSError(f"could not write {shown}: the folder {folder} does not exist")
    try:
        # A short fixed prefix: the destination's own name may already be as long as allowed.
        handle, temporary = tempfile.mkstemp(prefix=".gdsim-", suffix=".tmp", dir=folder)
    except OSError as error:
        raise OSError(f"could not write {shown}: {_reason(error)}") from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        _keep_permissions(path, temporary)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OSError(f"could not write {shown}: {_reason(error)}") from error


def write_text_atomic(path: Path, text: str) -> None:
    """`write_bytes_atomic` for text, as UTF-8."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _keep_permissions(path: Path, temporary: str) -> None:
    """A replaced file keeps its mode; a new one gets the usual 0666 less the umask (mkstemp
    creates 0600, which would make an exported figure unreadable to others)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def _reason(error: OSError) -> str:
    """The OS's words ('No space left on device'), without the temporary file's name."""
    return error.strerror or str(error)
