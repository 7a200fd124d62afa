"""The template venue's spec (rename ``template`` everywhere; see ``adapters/venues/spec.py``
for what each field means)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from adapters.venues.spec import (
    Check,
    Credential,
    HealthLine,
    InstrumentRules,
    LiveVenue,
    VenueSpec,
)

KEY_VARIABLE = "TEMPLATE_PRIVATE_KEY"
URL_VARIABLE = "TEMPLATE_API_URL"
DEFAULT_URL = "https://api.template.example"


def build(environ: Mapping[str, str]) -> LiveVenue | None:
    """The live adapter from the mapping handed in (never ``os.environ``), or None when the
    key is not in it. Raise an ``adapters.config_file.ConfigError`` naming the variable when
    what is set cannot be used. Import the venue's client library here, not at the top."""
    key = environ.get(KEY_VARIABLE, "").strip()
    if not key:
        return None
    from adapters.venue_template.venue import TemplateMarketData, TemplateVenue  # noqa: PLC0415

    url = environ.get(URL_VARIABLE, "").strip() or DEFAULT_URL
    market_data = TemplateMarketData(url)
    return LiveVenue(TemplateVenue(url, key, market_data), market_data)


def health(environ: Mapping[str, str], **probes: Any) -> Iterator[HealthLine]:
    """One line per check (a ``Check`` passes or fails; a string informs); ``probes`` are
    test doubles of network clients, ignore the ones you do not know."""
    if not environ.get(KEY_VARIABLE):
        yield f"  template: no key ({KEY_VARIABLE}): trading on paper"
        return
    yield Check("template", False, "template: the live adapter is a template")


SPEC = VenueSpec(
    name="template",
    instruments=InstrumentRules(
        market_ids=r"[A-Za-z0-9\-]+",
        outcome_ids=r"[A-Za-z0-9\-:]+",
        describe="what a market id and a token id look like on this venue",
    ),
    key_variables=(KEY_VARIABLE,),
    credentials=(
        Credential(KEY_VARIABLE, secret=True, means="the signing key"),
        Credential(URL_VARIABLE, secret=False, means="host override"),
    ),
    build=build,
    health=health,
)
