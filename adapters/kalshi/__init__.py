"""Kalshi: the Trade API V2 with RSA-PSS (or Ed25519) signed requests.

- :mod:`.config`: the ``KALSHI_*`` variables of the mapping handed in; the key as a ``Secret``.
- :mod:`.signing`: the signer (``timestamp_ms + METHOD + path``) as an ``httpx.Auth``.
- :mod:`.client`: HTTP with separate read and write budgets and bounded 429 backoff.
- :mod:`.books`: markets and ``orderbook_fp`` into Tape's ``Book`` (per leg, best first).
- :mod:`.market_data`: ``KalshiMarketData`` (public: no key needed), settlement results.
- :mod:`.orders`: our order -> the V2 body on the YES leg; error codes.
- :mod:`.journal`: each order written down before it is sent (reconciliation after a crash).
- :mod:`.venue`: ``KalshiVenue`` (``engine.ports.VenuePort``).
- :mod:`.fees`: the quadratic taker fee (also what the paper venue charges on Kalshi).
- :mod:`.health`, :mod:`.spec`: ``tape health`` lines and the registry's ``VenueSpec``.
"""
