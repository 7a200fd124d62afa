"""The paper venue's spec: it stands in for every venue that trades on paper.

In process by default; ``TAPE_PAPER_URL`` names a ``tape paper-venue`` process instead, and
``TAPE_PAPER_ONLY`` keeps every venue on paper whatever keys are set. The composition root
builds it (it needs the clock and the configured fee rate); its health check asks the
process, when one is named, whether it answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from adapters.venues.spec import Check, Credential, HealthLine, InstrumentRules, VenueSpec

PAPER_URL_ENV = "TAPE_PAPER_URL"


def paper_health(environ: Mapping[str, str], **probes: Any) -> Iterator[HealthLine]:
    """Where paper orders go, and whether the paper venue process answers."""
    url = environ.get(PAPER_URL_ENV, "").strip()
    if not url:
        yield "  paper: in-process paper venue"
        return
    import requests  # noqa: PLC0415 - only when a process is named

    try:
        answer = requests.get(f"{url.rstrip('/')}/health", timeout=5)
        ok = answer.ok
        yield Check(
            "paper",
            ok,
            f"paper venue process {url} answers"
            if ok
            else (f"paper venue process {url} answered {answer.status_code}"),
        )
    except requests.RequestException as error:
        yield Check(
            "paper", False, f"paper venue process {url} unreachable: {type(error).__name__}"
        )


SPEC = VenueSpec(
    name="paper",
    instruments=InstrumentRules(market_ids=r".+", outcome_ids=r".+", describe="any venue's"),
    credentials=(
        Credential(PAPER_URL_ENV, secret=False, means="a tape paper-venue process"),
        Credential("TAPE_PAPER_ONLY", secret=False, means="trade every venue on paper"),
    ),
    durable=False,
    health=paper_health,
    simulator=True,
)
