"""Atomic file output: a reader sees the old file or the whole new one, never a part."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Union

from PIL import Image

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
