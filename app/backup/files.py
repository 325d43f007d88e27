"""The backup folder: names, temporary files, fsync, checksums beside each file, and rotation.

A backup appears under its final name only when it is complete, synced and verified: it is written
as a hidden `.partdesk-….tmp`, and its `NAME.sha256` (the format `sha256sum -c` reads) is in place
before the rename. Rotation touches nothing but files named the way this module names them.
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path

PREFIX = "partdesk-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
NAME = re.compile(r"^partdesk-(\d{8}T\d{6}Z)(?:-(\d{1,3}))?\.(sqlite3|pgdump)$")
TEMP = re.compile(r"^\.partdesk-\d{8}T\d{6}Z(?:-\d{1,3})?\.(sqlite3|pgdump)\.tmp$")
CHECKSUM_SUFFIX = ".sha256"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in words a person can act on."""


def prepare_folder(folder: str | os.PathLike) -> Path:
    """The folder; BackupError when it is missing or cannot be written to. It is never created: a
    missing folder is most often a disk or USB stick that is not mounted, and writing to the mount
    point would put the backup on the very disk it should not be on."""
    path = Path(folder).expanduser()
    if not path.exists():
        raise BackupError(f"The backup folder {path} does not exist: is its disk mounted? Create it on that disk.")
    if not path.is_dir():
        raise BackupError(f"The backup folder {path} is not a folder.")
    if not os.access(path, os.W_OK | os.X_OK):
        raise BackupError(f"The backup folder {path} is not writable by this user.")
    return path


def new_name(folder: Path, kind: str, now: datetime) -> str:
    """partdesk-20261123T090000Z.sqlite3, with -1, -2 … when that second is taken already."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    suffix = SUFFIXES[kind]
    for n in range(1000):
        name = f"{PREFIX}{stamp}{f'-{n}' if n else ''}{suffix}"
        if not (folder / name).exists() and not (folder / f".{name}.tmp").exists():
            return name
    raise BackupError(f"More than 1,000 backups named for {stamp} in {folder}.")


def temp_path(folder: Path, name: str) -> Path:
    return folder / f".{name}.tmp"


def create_private(path: Path) -> None:
    """An empty file only this user can read; FileExistsError rather than writing over one."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make renames in the folder durable (a no-op where the filesystem cannot sync a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. some FUSE and network filesystems; the files themselves were synced
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def publish(temp: Path, final: Path, sha256: str) -> None:
    """Write FINAL.sha256 (synced), then rename the synced, verified temp file to FINAL.

    A crash in between leaves at worst a checksum without its file, which rotation removes."""
    sidecar = final.with_name(final.name + CHECKSUM_SUFFIX)
    sidecar_temp = temp.with_name(temp.name + CHECKSUM_SUFFIX)
    sidecar_temp.write_text(f"{sha256}  {final.name}\n", encoding="ascii")
    fsync_file(sidecar_temp)
    os.replace(sidecar_temp, sidecar)
    os.replace(temp, final)
    fsync_folder(final.parent)


def recorded_checksum(path: Path) -> str:
    """The sha256 in PATH.sha256; BackupError when it is missing or not one."""
    sidecar = path.with_name(path.name + CHECKSUM_SUFFIX)
    try:
        with open(sidecar, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError:
        raise BackupError(f"{sidecar.name} is missing beside {path.name}: without it the copy cannot be checked. "
                          f"Copy it along with the backup.") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {sidecar}: {exc.strerror or exc}.") from exc
    words = head.decode("ascii", "replace").split()
    if not words or not _HEX64.match(words[0].lower()):
        raise BackupError(f"{sidecar.name} does not hold a sha256 checksum.")
    return words[0].lower()


def verify_checksum(path: Path) -> str:
    """The file's sha256, when it matches the one recorded beside it; BackupError otherwise."""
    expected = recorded_checksum(path)
    actual = sha256_of(path)
    if actual != expected:
        raise BackupError(f"{path.name} does not match its checksum (recorded {expected[:12]}…, the file has "
                          f"{actual[:12]}…): this copy is damaged. Use another backup.")
    return actual


def backups(folder: Path) -> list[Path]:
    """Our backups in the folder, oldest first (by the time in their names, not their mtimes)."""
    found = []
    for entry in folder.iterdir():
        match = NAME.match(entry.name)
        if match and entry.is_file():
            found.append((match.group(1), int(match.group(2) or 0), entry))
    return [entry for *_key, entry in sorted(found)]


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` (at least 1) backups and their checksums; also checksums
    left without their file. Returns what was deleted."""
    removed = []
    for path in backups(folder)[:-max(keep, 1)]:
        for victim in (path, path.with_name(path.name + CHECKSUM_SUFFIX)):
            try:
                victim.unlink()
                removed.append(victim)
            except FileNotFoundError:
                pass
    for entry in folder.iterdir():
        if entry.name.endswith(CHECKSUM_SUFFIX) and NAME.match(entry.name[:-len(CHECKSUM_SUFFIX)]):
            if not entry.with_name(entry.name[:-len(CHECKSUM_SUFFIX)]).exists():
                entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


def remove_stale_temps(folder: Path) -> None:
    """Temporary files of attempts that were killed. Called under the backup lock, so none is in use."""
    for entry in folder.iterdir():
        name = entry.name[:-len(CHECKSUM_SUFFIX)] if entry.name.endswith(CHECKSUM_SUFFIX) else entry.name
        if TEMP.match(name):
            entry.unlink(missing_ok=True)
