"""Answers of the Data API kept on disk: one JSON file per request (path and parameters),
reused while younger than the cache's time to live, so a second `tape discover` within the
hour asks nothing again."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


class DiskCache:
    """Request -> answer files under ``root``; ``ttl_s`` 0 reads nothing from it."""

    def __init__(
        self, root: Path, *, ttl_s: float = 3600, clock: Callable[[], float] = time.time
    ) -> None:
        self.root = root
        self.ttl_s = ttl_s
        self.clock = clock
        self.hits = 0
        self.misses = 0

    def _path(self, path: str, params: Mapping[str, Any]) -> Path:
        key = json.dumps([path, sorted((k, str(v)) for k, v in params.items())])
        return self.root / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def get(self, path: str, params: Mapping[str, Any]) -> Any | None:
        """The cached answer, or None when there is none young enough."""
        file = self._path(path, params)
        try:
            stored = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        if self.ttl_s <= 0 or self.clock() - float(stored.get("at", 0)) > self.ttl_s:
            self.misses += 1
            return None
        self.hits += 1
        return stored["answer"]

    def put(self, path: str, params: Mapping[str, Any], answer: Any) -> None:
        """Keep an answer (written whole, then renamed into place)."""
        self.root.mkdir(parents=True, exist_ok=True)
        file = self._path(path, params)
        tmp = file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"at": self.clock(), "answer": answer}, default=str), encoding="utf-8"
        )
        os.replace(tmp, file)
