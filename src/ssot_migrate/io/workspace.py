"""The only module that writes files: atomic replacement that keeps the file's mode."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def read_bytes(path: Path | str) -> bytes:
    # os.open/os.read: a third faster than open() for many small files (no io layers).
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a short read of a regular file is its end
            return data
        chunks = [data]  # the file grew since fstat: read on to its end
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same folder and ``os.replace``.

    A reader sees either the old file or the new one, never a half-written file; an
    existing file's permission bits are kept.
    """
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".ssot-tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def overwrite_scratch(path: Path, data: bytes) -> None:
    """Replace the bytes of an existing file in place: no temp file, no fsync, no atomicity.

    Only for a scratch tree the tool made and deletes (a phase's worktree): a crash may
    leave such a file half-written, and that costs nothing. Truncating after writing, not
    before, keeps ext4 from flushing the file at close (auto_da_alloc), as it does for a
    rename over a file or a truncation to zero: a batch writes a thousand files twice.
    """
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def delete_file(path: Path) -> None:
    """Remove a file (one unlink: atomic, the file is either there or gone)."""
    os.unlink(path)


CACHE_DIR_NAME = ".ssot-migrate-cache"
"""The folder of what a run remembers, at the repository root (it ignores itself)."""


def ensure_cache_dir(path: Path) -> Path:
    """Create the cache folder with a `.gitignore` of ``*``, so git never shows it."""
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        write_atomic(ignore, b"# Created by ssot-migrate; the whole folder is a cache.\n*\n")
    return path


def read_text(path: Path) -> str:
    """A config-like text file, exactly as written (no newline translation)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


@contextlib.contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """One writing run at a time per repository: a second one is refused at once."""
    import filelock

    from ssot_migrate.base.errors import Problem, UsageError

    folder = ensure_cache_dir(root / CACHE_DIR_NAME)
    lock = filelock.FileLock(str(folder / "write.lock"), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise UsageError([Problem(str(root), "another ssot-migrate run is writing in this "
                                  "repository", "wait for it to finish, then run again")]) from None  # fmt: skip
    try:
        yield
    finally:
        lock.release()


def refusal(path: Path) -> str | None:
    """Why a file must not be replaced, or None: symlinks and read-only files are the
    user's to change (replacing would break the link or ignore the protection)."""
    if path.is_symlink():
        return "is a symbolic link: rewrite its target instead"
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return error.strerror or str(error)
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "is read-only: make it writable to migrate it"
    return None


def remove_stale_temps(path: Path) -> None:
    """Temp files an interrupted run left next to `path` (a killed process cannot clean)."""
    for stale in path.parent.glob(f".{path.name}.*.ssot-tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder of the tool's own, removed with everything in it afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


def write_scratch_copy(target: Path, data: bytes, like: Path) -> None:
    """Write `data` to `target` in a scratch folder (made on the way) with the permission
    bits of `like`, the file it is a changed copy of."""
    mode = os.stat(like).st_mode & 0o777
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(mode)


def copy_into_scratch(source: Path, target: Path) -> None:
    """Copy `source` to `target` in a scratch folder; a file that cannot be is skipped."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        shutil.copyfile(source, target)
