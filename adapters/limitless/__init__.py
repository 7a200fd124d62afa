"""The Limitless venue: Polymarket-v1-style EIP-712 orders on Base, scoped HMAC tokens.

- :mod:`.config`: the ``LIMITLESS_*`` / ``BASE_RPC_URL`` mapping; keys as Secrets.
- :mod:`.auth`: the ``lmts-*`` HMAC headers; :mod:`.ratelimit`: the per-token limit;
  :mod:`.client`: signed httpx calls, 429 ``Retry-After``.
- :mod:`.parsers`: markets and books; :mod:`.market_data`: ``LimitlessMarketData``.
- :mod:`.orders`: amounts, the v1 order signed for the market's exchange, the POST body;
  :mod:`.journal`: orders written before they are sent; :mod:`.fills`: reports from answers.
- :mod:`.venue`: ``LimitlessVenue`` (``engine.ports.VenuePort``); :mod:`.errors`: codes.
- :mod:`.factory`: the live adapter and the keyless live books; :mod:`.spec`, :mod:`.health`.

Shared with Polymarket: ``adapters.ctf`` (order structs, EIP-712, amounts, chain reads).
"""
