"""Writing files: the one helper behind every file the program writes (the
consultation store, the config file, `report -o`, `prompt -o`, `/report`, the app's
export).

A write
- goes to a temporary file with a random name in the target's folder, created
  exclusively (O_EXCL: a symlink or file planted under that name makes it fail, it is
  never followed), fsynced when `durable`, then renamed over the target: a killed
  process leaves the old file or the new one, never half of one;
- replaces only a regular file: a device, FIFO, socket or directory at the path (or at
  the end of a symlink) is refused, so `/report /dev/full` never swaps a device node
  for a text file;
- keeps the mode of the file it replaces (a new file gets `new_mode` less the umask);
- refuses to replace an existing file unless `overwrite` (the CLI's --force, the
  app's confirmation, `/report PATH!` in chat), and refuses a path that is one of the
  command's `inputs` (`prompt --profile case.json -o case.json`).

A symlink at the target is followed to the file it names (a dotfiles-managed config
stays a symlink); a dangling one is refused.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from tools.errors import InputError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _same(a: Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def resolve_target(path: str | Path, field: str = "path", *, overwrite: bool = False,
                   inputs: Iterable[str | Path] = ()) -> tuple[Path, os.stat_result | None]:
    """The real path to write and the stat of the file there now (None if new), after
    every refusal check; InputError naming `field` otherwise. Exposed so a caller can
    ask before writing (the app's "overwrite?" confirmation)."""
    text = str(path)
    if not text.strip() or "\x00" in text:
        raise InputError(field, "a file path", text)
    given = Path(text).expanduser()
    if os.path.islink(given) and not os.path.exists(given):
        raise InputError(field, "a path that is not a dangling symlink", text)
    target = Path(os.path.realpath(given))
    for source in inputs:
        if source not in (None, "-") and _same(target, source):
            raise InputError(field, "a path other than the command's input file", text)
    try:
        current: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise InputError(field, f"a path that can be checked ({exc.strerror or exc})", text) from None
    if current is not None:
        if stat.S_ISDIR(current.st_mode):
            raise InputError(field, "a file path, not a directory", text)
        if not stat.S_ISREG(current.st_mode):
            raise InputError(field, f"a regular file to replace, not {_kind(current.st_mode)}",
                             text)
        if not overwrite:
            raise InputError(field, "a path that does not exist yet (the file is there: "
                             "use --force, or /report PATH! in chat, to replace it)", text)
    if not target.parent.is_dir():
        raise InputError(field, "a path in an existing directory", text)
    return target, current


def write_text(path: str | Path, text: str, field: str = "path", *, overwrite: bool = False,
               inputs: Iterable[str | Path] = (), new_mode: int = 0o666, durable: bool = True,
               make_parents: bool = False) -> Path:
    """Write `text` (UTF-8) to `path` safely (see the module's docstring); returns the
    real path written. InputError naming `field` for every refusal or OS error."""
    if make_parents:
        try:
            Path(str(path)).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(field, f"a writable file path ({exc.strerror or exc})",
                             str(path)) from None
    target, current = resolve_target(path, field, overwrite=overwrite, inputs=inputs)
    if current is not None:
        mode = stat.S_IMODE(current.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = new_mode & ~umask
    tmp: str | None = None
    try:
        # mkstemp: a random name, O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600 until chmod.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        # Something may have appeared at the target since the check (a FIFO, a device
        # planted meanwhile): look again, without following a symlink, just before the rename.
        try:
            now = os.lstat(target)
        except FileNotFoundError:
            now = None
        if now is not None and not stat.S_ISREG(now.st_mode):
            raise InputError(field, f"a regular file to replace, not {_kind(now.st_mode)}",
                             str(path))
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(field, f"a writable file ({exc.strerror or exc})", str(path)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    if durable and current is None:
        sync_directory(target.parent)
    return target


def sync_directory(directory: Path) -> None:
    """Make a new name durable (a rename is only on disk once its folder is synced);
    not available on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
