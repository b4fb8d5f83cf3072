"""Atomic file writes: a result appears whole under its final name or not at all.

Renders are long and users press Ctrl-C; a half-written MP4 or manifest with the final name would
look finished to the clip cache and to the next ``--resume``. So everything is written to a hidden
temporary file in the same folder (same file system, so the rename is atomic) and renamed at the end.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reelgraph.errors import OutputError


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only if the block finishes.

    On any exception, KeyboardInterrupt included, the temporary file is removed and ``final`` is
    left as it was. A full disk or an unwritable folder becomes an ``OutputError`` that says so.
    """
    final = Path(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".partial{final.suffix}", dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise _output_error(final, exc) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(final, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(final: Path, text: str) -> None:
    """Write a small text file (manifest, storyboard) atomically, flushed to disk before the rename."""
    with atomic_path(final) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def write_json_atomic(final: Path, data: Any) -> None:
    """JSON counterpart of ``write_text_atomic`` (UTF-8, indented, keys in insertion order)."""
    write_text_atomic(final, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _output_error(final: Path, exc: OSError) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError(f"the disk holding {final.parent} is full; free some space and run again (nothing was lost)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"cannot write {final}: {exc.strerror}; choose a writable folder with --project or -o")
    return OutputError(f"writing {final} failed: {exc}")
