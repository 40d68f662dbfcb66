"""Background indexing jobs for the servers (`vidrag mcp`, `vidrag serve`).

Each job opens its own Library, so the server's SQLite connection is not shared with the
indexing thread, and jobs run one after another (the library takes one writer at a time).
A job's record is a plain dict that grows as it runs; readers get copies. With `roots`, every
file a job finds must resolve under them (`vidrag.confine`), not only the paths it was given.
"""
from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

from vidrag.library import Library


class JobNotFound(LookupError):
    pass


class Jobs:
    def __init__(self, lib: Library, roots: list[Path] | None = None):
        self.lib, self.roots = lib, roots
        self.jobs: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def start(self, paths: list[Path]) -> str:
        job_id = uuid.uuid4().hex[:12]
        self.jobs[job_id] = {"job_id": job_id, "state": "running", "paths": [str(p) for p in paths],
                             "done": 0, "total": None, "current": None, "stage": None, "fraction": 0.0,
                             "results": [], "started": time.time(), "version": 0}
        threading.Thread(target=self._run, args=(job_id, paths), daemon=True).start()
        return job_id

    def _run(self, job_id: str, paths: list[Path]) -> None:
        job = self.jobs[job_id]

        def update(**changes: Any) -> None:
            job.update(changes, version=job["version"] + 1)

        try:
            with self.lock, Library(config=self.lib.config) as worker:
                def started(path: Path, i: int, n: int) -> None:
                    update(total=n, current=Path(path).name, stage=None, fraction=0.0)

                def progress(stage: str, fraction: float) -> None:
                    update(stage=stage, fraction=round(float(fraction), 3))

                def done(o: Any) -> None:
                    job["results"].append({"path": o.path, "status": o.status, "message": o.message, "scenes": o.scenes})
                    update(done=len(job["results"]))
                worker.index([str(p) for p in paths], on_start=started, on_progress=progress, on_done=done,
                             roots=self.roots)
            update(state="finished", current=None, stage=None)
        except Exception as exc:   # an error in this thread reaches no one: the record must say it
            update(state="failed", error=str(exc) or type(exc).__name__)

    def status(self, job_id: str) -> dict[str, Any]:
        if job_id not in self.jobs:
            raise JobNotFound(f"no indexing job '{job_id}'")
        job = dict(self.jobs[job_id])
        job["results"] = list(job["results"])
        return job

    def all(self) -> list[dict[str, Any]]:
        return [self.status(j) for j in list(self.jobs)]
