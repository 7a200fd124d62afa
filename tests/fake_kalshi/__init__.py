"""A fake Kalshi Trade API V2 on loopback, speaking the real wire protocol.

Real HTTP (``http.server.ThreadingHTTPServer`` on port 0) mounted under ``/trade-api/v2``, so
Tape's real client code drives it:

- :mod:`.auth`: every ``/portfolio`` request must carry ``KALSHI-ACCESS-KEY``, ``-TIMESTAMP``
  and ``-SIGNATURE``; the signature (RSA-PSS SHA-256, salt = digest length, or Ed25519) is
  verified with the registered public key over ``timestamp + METHOD + full path without the
  query``, and a timestamp outside the window is refused (401).
- :mod:`.state`: markets (status, price level structure, fee multiplier, result), other
  traders' resting bids per leg, our orders, fills, positions (YES positive, NO negative) and
  balance.
- :mod:`.matching`: the V2 body checked field by field (sides and prices on the YES leg, 4-dp
  price strings on the market's tick, 2-dp count strings, time in force, self-trade
  prevention), balance, a duplicate ``client_order_id`` (409), FOK with too little volume,
  a closed market; fills at the maker's price with the quadratic taker fee.
- :mod:`.routes`: the routes, Kalshi's error envelope, and scripted faults (a status for the
  next N calls, a delay after the request was processed).

Written from ``reference/kalshi.md``, not from Tape's adapter, so a mistake there is not
mirrored here.
"""

from tests.fake_kalshi.routes import FakeKalshi
from tests.fake_kalshi.state import Market

__all__ = ["FakeKalshi", "Market"]
