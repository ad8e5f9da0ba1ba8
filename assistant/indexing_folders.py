"""Index folders made by a call that then fails are taken back, so a failed call leaves nothing behind."""

from __future__ import annotations

from pathlib import Path


def first_missing(folder: Path) -> Path | None:
    """The topmost of `folder` and its parents that does not exist yet, or None when `folder` exists."""
    missing = None
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing = path
    return missing


def remove_empty(folder: Path, top: Path):
    """Undo a folder made by a failed call: its lock file, then each empty folder up to `top`."""
    (folder / ".write.lock").unlink(missing_ok=True)
    for path in (folder, *folder.parents):
        try:
            path.rmdir()  # only ever removes an empty folder
        except OSError:
            return
        if path == top:
            return
