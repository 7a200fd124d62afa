"""Which engine worker owns an agent: a stable hash of the agent's name, split ``count`` ways.

The names of the applications a scale-out deployment keeps in its database live here too, so
every process (ingest, workers, projections, ``tape db``) agrees on them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

INGEST_APP_NAME = "TapeIngest"
"""The application that records what arrives (``IntentReceived``, bad lines, resolutions)."""


class PartitionFormatError(ValueError):
    """Raised when a partition is not written ``k/n`` with 1 <= k <= n."""


@dataclass(frozen=True)
class Partition:
    """Worker ``index`` of ``count`` (1-based, as written on the command line: ``2/4``)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Partition:
        """``"2/4"`` -> Partition(2, 4)."""
        index_text, slash, count_text = text.partition("/")
        try:
            index, count = int(index_text), int(count_text)
        except ValueError:
            index = count = 0
        if not slash or count < 1 or not 1 <= index <= count:
            raise PartitionFormatError(
                f"partition {text!r} must be written k/n with 1 <= k <= n, such as 2/4"
            )
        return cls(index, count)

    def owns(self, agent: str) -> bool:
        """Whether this partition's worker trades for that agent."""
        return partition_of(agent, self.count) == self.index

    @property
    def app_name(self) -> str:
        """The name of this worker's application (its tables are named after it)."""
        return worker_app_name(self.index, self.count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def partition_of(agent: str, count: int) -> int:
    """The 1-based partition of an agent: the same on every machine and every Python run
    (``hash()`` is salted per process, so it is not used)."""
    digest = hashlib.sha256(agent.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def worker_app_name(index: int, count: int) -> str:
    """The application name of worker ``index`` of ``count``."""
    return f"TapeWorker{index}of{count}"


def worker_app_names(count: int) -> list[str]:
    """Every worker application of a deployment of ``count`` workers, in partition order."""
    return [worker_app_name(index, count) for index in range(1, count + 1)]
