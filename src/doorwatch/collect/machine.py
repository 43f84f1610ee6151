"""Read a machine's files as if a directory were `/`, noting what cannot be read.

Every collector reads through a MachineRoot, so the same code inventories the
live machine and a recorded tree (`--root DIR`), and an unreadable file becomes
a note in the report instead of a crash.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from doorwatch.model import Note

# Beyond this a "text" file under /sys or /proc is not what we expect; read no more.
MAX_TEXT_BYTES = 16 * 1024 * 1024


# procfs sysctl files allocate a kernel buffer of the size asked for; a 16 MB read fails with ENOMEM.
_CHUNK = 64 * 1024


def _read_limited(handle, limit: int) -> bytes:
    """Up to `limit` bytes, read in chunks the kernel can serve."""
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = handle.read(min(_CHUNK, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


class MachineRoot:
    def __init__(self, root: Path | str = "/", *, live: bool | None = None) -> None:
        self.root = Path(root)
        self.live = (str(self.root) == "/") if live is None else live
        self.notes: list[Note] = []

    @property
    def privileged(self) -> bool:
        """True when reading the live machine as root (more of /sys and /dev is readable)."""
        return self.live and os.geteuid() == 0

    def path(self, machine_path: str) -> Path:
        """The real path of a machine path such as `/sys/bus/pci/devices`."""
        return self.root / machine_path.lstrip("/")

    def note(self, source: str, machine_path: str | None, message: str) -> None:
        self.notes.append(Note(source=source, path=machine_path, message=message))

    def read_text(self, machine_path: str, source: str = "read", *, expected: bool = False) -> str | None:
        """The file's text, or None. A missing file is noted only when `expected`; an unreadable one always."""
        try:
            with open(self.path(machine_path), "rb") as handle:
                data = _read_limited(handle, MAX_TEXT_BYTES)
        except FileNotFoundError:
            if expected:
                self.note(source, machine_path, "missing")
            return None
        except IsADirectoryError:
            self.note(source, machine_path, "is a directory, expected a file")
            return None
        except OSError as err:
            self.note(source, machine_path, f"unreadable: {err.strerror or err}")
            return None
        return data.decode("utf-8", errors="replace")

    def read_value(self, machine_path: str, source: str = "read") -> str | None:
        """A one-value sysfs attribute, stripped; None when missing, unreadable or empty."""
        text = self.read_text(machine_path, source)
        if text is None:
            return None
        text = text.strip().strip("\x00").strip()
        return text or None

    def read_bytes(self, machine_path: str, source: str = "read", limit: int = MAX_TEXT_BYTES) -> bytes | None:
        try:
            with open(self.path(machine_path), "rb") as handle:
                return _read_limited(handle, limit)
        except FileNotFoundError:
            return None
        except OSError as err:
            self.note(source, machine_path, f"unreadable: {err.strerror or err}")
            return None

    def listdir(self, machine_path: str, source: str = "read") -> list[str]:
        """Sorted entries of a directory; [] when it does not exist, a note when it cannot be read."""
        try:
            return sorted(os.listdir(self.path(machine_path)))
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            return []
        except OSError as err:
            self.note(source, machine_path, f"unreadable: {err.strerror or err}")
            return []

    def glob(self, machine_dir: str, pattern: str, source: str = "read") -> list[str]:
        """Machine paths in `machine_dir` whose names match `pattern`."""
        base = machine_dir.rstrip("/")
        return [f"{base}/{name}" for name in self.listdir(machine_dir, source) if fnmatch.fnmatch(name, pattern)]

    def exists(self, machine_path: str) -> bool:
        return os.path.lexists(self.path(machine_path))

    def is_dir(self, machine_path: str) -> bool:
        return self.path(machine_path).is_dir()

    def readlink_name(self, machine_path: str) -> str | None:
        """The last part of a symlink's target (a sysfs `driver` or `subsystem` link), or None."""
        try:
            return os.path.basename(os.readlink(self.path(machine_path)))
        except OSError:
            return None

    def realpath(self, machine_path: str) -> str:
        """The machine path a sysfs symlink resolves to, kept inside the root."""
        real = os.path.realpath(self.path(machine_path))
        root = os.path.realpath(self.root)
        if root == os.sep:
            return real
        if real == root:
            return "/"
        if real.startswith(root + os.sep):
            return real[len(root):]
        return machine_path
