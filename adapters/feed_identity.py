"""Files known by content, not by name: the feed a file's records are taken in under.

A store keeps, per feed, the last line it took in, and a run resumes after it. Keyed by the
file's name alone, ``mon/day.jsonl`` then ``tue/day.jsonl`` were one feed and Tuesday was
"already taken in". A file's feed is its name with a digest of its resolved path and its first
record: the same file resumes; another file, or another day written over the same path, is a
feed of its own and is read from its first line. (Intents taken in twice are still caught by
their ids: a redelivery, never a second order.)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

FIRST_LINE_LIMIT = 1 << 20  # a first line longer than this is identified by its first MiB


def feed_of(path: Path) -> str:
    """The feed of a file: ``name@digest`` (digest of its resolved path and first record)."""
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape") + b"\0")
    with path.open("rb") as handle:
        for raw in handle:
            line = raw[:FIRST_LINE_LIMIT].strip()
            if line:
                digest.update(line)
                break
    return f"{path.name}@{digest.hexdigest()[:12]}"
