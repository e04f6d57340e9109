"""Atomic file output: a reader sees the old file or the whole new one, never a part."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Optional, Union

from PIL import Image

from ..errors import UsageError

# The process umask, read once at import (reading it means setting it, which is not thread-safe).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Union[str, os.PathLike], data: Union[bytes, str]) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` atomically, creating parent folders.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file
    is renamed over ``path`` (``os.replace``). On any error the temporary file is removed
    and ``path`` is left as it was. A new file gets the usual permissions (0o666 less the
    umask); an existing file keeps its permissions.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def save_png_atomic(path: Union[str, os.PathLike], image: Image.Image) -> None:
    """Encode ``image`` as PNG in memory, then :func:`write_atomic` it to ``path``."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    write_atomic(path, buf.getvalue())


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the OS allows it (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def output_folder(path: Optional[Union[str, os.PathLike]], flag: str = "--out") -> None:
    """Make ``path`` (None: nothing to do) a folder to write into, its parents too, before any work is done: a
    :class:`~pxocr.errors.UsageError` naming ``flag`` where it cannot be one (a file of that name, no permission,
    a place that takes no folders), so that nothing is read for output that cannot be written."""
    if path is not None:
        _made(path, f"{flag} {os.fspath(path)}: cannot make a folder there")


def output_file(path: Optional[Union[str, os.PathLike]], flag: str = "--out") -> None:
    """Check before any work that a file can be written at ``path`` (None: nothing to do): its folder made, and
    no folder of that name in the way; a :class:`~pxocr.errors.UsageError` naming ``flag`` otherwise."""
    if path is None:
        return
    if os.path.isdir(path):
        raise UsageError(f"{flag} {os.fspath(path)}: a folder of that name is in the way of the file")
    folder = os.path.dirname(os.path.abspath(path))
    _made(folder, f"{flag} {os.fspath(path)}: cannot make its folder {folder}")


def _made(folder: Union[str, os.PathLike], message: str) -> None:
    """Make ``folder`` (and its parents) and check that it can be written to; a UsageError of ``message`` and why."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        why = "a file of that name is in the way" if isinstance(e, FileExistsError) else e.strerror or str(e)
        raise UsageError(f"{message} ({why})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{message} (no permission to write in it)")
