"""Write a file whole or not at all: a temporary file in the same folder, then a rename."""
import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    write_chunks_atomic(path, (text,))


def write_chunks_atomic(path: Path, chunks: Iterable[str]) -> None:
    """Text made piece by piece (a template's output), written as it comes: never whole in memory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would make it: mkstemp's 0600 hides a published page
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(chunks)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
