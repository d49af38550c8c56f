"""Write a zip archive so that a crash never leaves half of it under its final name.

The archive is written beside its destination under a temporary name and renamed when
complete. Members carry a fixed timestamp, so the same content gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def member(name: str) -> zipfile.ZipInfo:
    """A deflated member with the fixed timestamp."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


@contextmanager
def atomic_zip(out: Path) -> Iterator[zipfile.ZipFile]:
    """An open archive that appears at `out` only if the block completes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".zip.part")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            yield zf
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
