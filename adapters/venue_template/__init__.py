"""A template venue package: copy it to ``adapters/<venue>/``, fill it in, and add one line
to ``adapters.venues.VENUE_PACKAGES``. It is not registered itself.

- :mod:`.spec`: the venue's ``VenueSpec`` (instruments, credentials, factory, fees, checks).
- :mod:`.venue`: its ``engine.ports.VenuePort`` and ``engine.ports.MarketData``.

Then give ``tests/venue_contract/harnesses.py`` a harness that starts a fake of the venue's
server on loopback and points the real adapter at it: the contract suite says what is left.
"""
