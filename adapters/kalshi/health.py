"""Kalshi's ``tape health`` lines: key present and accepted (a signed
``GET /portfolio/balance``), the balance, the exchange's status and the clock skew."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from adapters.kalshi.config import KEY_VARIABLES, KalshiConfigError, config_from_env, public_url
from adapters.venues.spec import Check, HealthLine

MAX_SKEW_S = 5.0


def kalshi_health(
    environ: Mapping[str, str],
    *,
    wall: Callable[[], float] = time.time,
    **probes: Any,
) -> Iterator[HealthLine]:
    """Kalshi's lines (``wall``: the clock compared with Kalshi's ``Date`` header)."""
    from adapters.kalshi.client import KalshiClient, KalshiError  # noqa: PLC0415
    from adapters.kalshi.factory import signed_client  # noqa: PLC0415

    try:
        config = config_from_env(environ)
    except KalshiConfigError as error:
        yield Check("kalshi config", False, f"kalshi: {error}")
        return
    if config is None:
        yield f"  kalshi: no key ({' or '.join(KEY_VARIABLES)}): trading on paper"
        yield f"    paper orders fill against Kalshi's live public books at {public_url(environ)}"
        return
    yield "  kalshi: live (Trade API V2)"
    for line in config.describe():
        yield f"    {line}"
    public = KalshiClient(config.url, timeout_s=config.timeout_s)
    try:
        answer = public.http.get(f"{config.url}/exchange/status")
        status = answer.json() if answer.status_code == 200 else {}
        trading = bool(status.get("trading_active"))
        yield Check(
            "kalshi exchange",
            trading,
            f"kalshi exchange {config.url} answers, trading "
            + ("active" if trading else f"not active ({answer.status_code})"),
        )
        date = answer.headers.get("date")
        if date:
            skew = wall() - parsedate_to_datetime(date).timestamp()
            ok = abs(skew) <= MAX_SKEW_S
            yield Check(
                "kalshi clock",
                ok,
                f"clock skew with kalshi {skew:+.1f} s"
                + ("" if ok else f": over {MAX_SKEW_S:.0f} s, signed requests will be refused"),
            )
    except Exception as error:
        yield Check(
            "kalshi exchange", False, f"kalshi {config.url} unreachable: {type(error).__name__}"
        )
        return
    finally:
        public.close()
    client = signed_client(config)
    try:
        balance = client.get("/portfolio/balance")
        dollars = balance.get("balance_dollars") or f"{int(balance.get('balance', 0)) / 100:.2f}"
        yield Check(
            "kalshi auth",
            True,
            f"kalshi key {config.key_id} accepted (signed GET /portfolio/balance)",
        )
        yield f"    balance {dollars} USD"
    except KalshiError as error:
        yield Check("kalshi auth", False, f"kalshi key {config.key_id} refused: {error}")
    finally:
        client.close()
