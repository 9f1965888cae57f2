"""Collected static files with gzip and Brotli copies, compressed again only when they change.

WhiteNoise's ``CompressedStaticFilesStorage`` compresses every file on every ``collectstatic``,
and ``tuidang serve`` collects on every start: with Wagtail's admin that is some twenty seconds
of a restart spent making the same bytes again, most of them on files whose compressed copy
WhiteNoise then throws away as not worth keeping. Here each file's modification time is noted
once it has been through compression (``static.compressed.json`` beside the static root, not
in it, so it is never served), and a later ``collectstatic`` compresses only files that are new
or changed (``collectstatic`` rewrites a file only when its source is newer).
"""

import json
import os
from pathlib import Path
from typing import Any

from whitenoise.storage import CompressedStaticFilesStorage


class StaticFilesStorage(CompressedStaticFilesStorage):
    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any):
        if dry_run:
            return
        done = self._compressed()
        now = {path: os.stat(self.path(path)).st_mtime_ns for path in paths}
        changed = {path: paths[path] for path in paths if done.get(path) != now[path]}
        yield from super().post_process(changed, dry_run, **options)
        self._record({path: now[path] for path in paths})

    def _record_file(self) -> Path:
        root = Path(self.location)
        return root.with_name(root.name + ".compressed.json")

    def _compressed(self) -> dict[str, int]:
        try:
            return json.loads(self._record_file().read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _record(self, modified: dict[str, int]) -> None:
        record = self._record_file()
        partial = record.with_name(record.name + ".partial")
        # The service's alone, like everything in the data dir, whatever the umask.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w") as file:
            json.dump(modified, file, sort_keys=True)
        partial.replace(record)
