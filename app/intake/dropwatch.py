"""A drop folder's file-system watch (watchdog: inotify on Linux), so the worker takes a file the moment
its writer closes it instead of after a settle time and a poll.

The watch only wakes the worker and says which files were closed after their last write; the folder
itself stays the source of truth (a file the watch missed is taken by the settle rule on the next
look, see app.intake.worker.ingest_drop_folder). Without inotify (another OS, the watch limit
reached) `start` returns False and the worker polls as before.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class DropWatch:
    """Which files of one folder were closed after writing (or renamed into it), and an event set on
    every change there. `is_closed(path, stat)` holds while the file is as it was when closed."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = os.path.abspath(folder)
        self.changed = threading.Event()
        self._closed: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) when closed
        self._lock = threading.Lock()
        self._observer = None

    def start(self) -> bool:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer

            watch = self

            class Handler(FileSystemEventHandler):
                def on_any_event(self, event):
                    if event.is_directory:
                        return
                    kind = event.event_type
                    if kind in ("moved", "deleted"):  # taken away (by us, to processed/, or by someone)
                        watch._forget(event.src_path)
                    if kind == "closed":  # IN_CLOSE_WRITE: the writer is done with it
                        watch._mark(event.src_path)
                    elif kind == "moved" and os.path.dirname(event.dest_path) == watch.folder:
                        watch._mark(event.dest_path)  # a rename into place is complete at once
                    elif kind != "created" and kind != "modified":
                        return
                    watch.changed.set()

            observer = Observer()
            observer.schedule(Handler(), self.folder, recursive=False)
            observer.daemon = True
            observer.start()
        except Exception as exc:  # noqa: BLE001 - no watch: the worker polls instead
            log.warning("drop folder %s: no file-system watch (%s: %s); polling", self.folder, type(exc).__name__, exc)
            return False
        self._observer = observer
        return True

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def _mark(self, path: str) -> None:
        try:
            info = os.stat(path)
        except OSError:
            return
        with self._lock:
            self._closed[os.path.basename(path)] = (info.st_size, info.st_mtime_ns)

    def _forget(self, path: str) -> None:
        with self._lock:
            self._closed.pop(os.path.basename(path), None)

    def is_closed(self, path: Path, info: os.stat_result) -> bool:
        with self._lock:
            closed = self._closed.get(path.name)
            if closed is not None and closed != (info.st_size, info.st_mtime_ns):
                return False  # written again since it was closed
            return closed is not None

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to `seconds` for a change in the folder (or `stop`); True when something changed."""
        deadline = seconds
        while deadline > 0 and not stop.is_set():
            step = min(0.2, deadline)
            if self.changed.wait(step):
                self.changed.clear()
                return True
            deadline -= step
        return False
