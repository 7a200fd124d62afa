"""A fake Limitless API on loopback, speaking the wire protocol of ``reference/limitless.md``.

Real HTTP (``ThreadingHTTPServer`` on port 0), so Tape's real adapter drives it:

- every private route checks the scoped-token HMAC (``lmts-api-key``, ``lmts-timestamp``
  within 30 s, ``lmts-signature`` over timestamp, method, path with query and body) -> 401;
- ``POST /orders`` recovers the EIP-712 v1 order signer under "Limitless CTF Exchange" v1,
  chain 8453, with the **market's own** exchange as ``verifyingContract`` (markets here have
  different exchanges), checks maker = signer, the 0.001 tick, that the amounts are the price
  times the shares, the fee rate a COLLATERAL fee module asks (0), and the market's state;
  a second ``clientOrderId`` of the same owner is 409; matches against the market's single
  YES book (a NO order at q is a YES order at 1 - q) for GTC and FAK;
- matches settle later: ``settle(order, status)`` (MINED, CONFIRMED, FAILED, which undoes the
  shares); ``GET /portfolio/positions`` shows the server's holdings;
- scriptable faults: a delay after an order was taken, an error status (with ``Retry-After``).

Its rules are written here from the reference, independent of the adapter's code, except the
EIP-712 encoding, which both take from ``adapters.ctf`` (eth-account underneath).
"""

from tests.fake_limitless.server import FakeLimitless

__all__ = ["FakeLimitless"]
