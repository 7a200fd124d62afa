"""A fake Polymarket CLOB V2 (and Gamma) server on loopback, speaking the real wire protocol.

Real HTTP (``http.server.ThreadingHTTPServer`` on port 0, which keeps the ``POLY_*`` headers
with their underscores), so the real client library drives it through Tape's adapter:

- L1: ``/auth/api-key`` and ``/auth/derive-api-key`` recover the EIP-712 ``ClobAuth``
  signature and compare it with ``POLY_ADDRESS``; a second create is refused with
  ``Could not create api key``, as production does.
- L2: every trading route recomputes the HMAC-SHA256 over ``timestamp + METHOD + path + raw
  body`` with the account's secret, and checks the API key, passphrase and address (401).
- ``POST /order``: recovers the EIP-712 V2 order signer with the exchange contract of the
  token's market (standard or neg-risk; domain "Polymarket CTF Exchange" version "2"),
  checks owner, maker (funder), tick, precision, minimum size, balance and allowance with the
  real error strings, matches against the book (FOK, FAK, GTC), answers with the EIP-712
  digest as ``orderID``, and records one trade per crossed level (status MATCHED).
- Books are served best price LAST (bids ascending, asks descending) with the real keys and
  hash; Gamma markets with JSON-string ``outcomes`` / ``clobTokenIds`` under ``/gamma``.
- Scriptable faults: an error status for the next N calls of a route, or a delay after the
  request was processed (a client timeout after the venue accepted); trade status changes
  (MINED, CONFIRMED, FAILED with the balances restored); fills of resting orders by others.

Independent of Tape's adapter on purpose: its contract addresses and rules are written here
from the reference, so a mistake in the adapter is not mirrored.
"""

from tests.fake_clob.routes import FakeClob
from tests.fake_clob.state import EXCHANGE_V2, NEG_RISK_ADAPTER, NEG_RISK_EXCHANGE_V2

__all__ = ["EXCHANGE_V2", "NEG_RISK_ADAPTER", "NEG_RISK_EXCHANGE_V2", "FakeClob"]
