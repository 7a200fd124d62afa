"""The exchange contracts' trade events, as their ABIs declare them, and the addresses to watch.

Polymarket's CTF Exchange and Neg Risk CTF Exchange emit, for every order a settlement touches,
one ``OrderFilled`` whose ``maker`` is that order's maker (the funder: the proxy wallet or Safe
for signature types 1 and 2, else the EOA). A taker order's own ``OrderFilled`` names the
exchange as ``taker`` and is followed by ``OrdersMatched`` with the same order hash; each maker
order filled against it gets its own ``OrderFilled`` naming the taker order's maker as
``taker``. V1 (until 2026-04-28) says what each side gives as asset ids (0 is collateral); V2
says ``side`` and ``tokenId``.

Sources: Polymarket/ctf-exchange ``src/exchange/interfaces/ITrading.sol`` and
``mixins/Trading.sol`` (V1); the V2 exchange's ``ITrading.sol`` (``Side side, uint256
tokenId, ..., bytes32 builder, bytes32 metadata``).
"""

from __future__ import annotations

from typing import Any

from adapters.polymarket.contracts import POLYGON, contracts_for


def _event(name: str, fields: list[tuple[str, str, bool]]) -> dict[str, Any]:
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": [{"name": n, "type": t, "indexed": i} for n, t, i in fields],
    }


ORDER_FILLED_V1 = _event(
    "OrderFilled",
    [
        ("orderHash", "bytes32", True),
        ("maker", "address", True),
        ("taker", "address", True),
        ("makerAssetId", "uint256", False),
        ("takerAssetId", "uint256", False),
        ("makerAmountFilled", "uint256", False),
        ("takerAmountFilled", "uint256", False),
        ("fee", "uint256", False),
    ],
)
ORDERS_MATCHED_V1 = _event(
    "OrdersMatched",
    [
        ("takerOrderHash", "bytes32", True),
        ("takerOrderMaker", "address", True),
        ("makerAssetId", "uint256", False),
        ("takerAssetId", "uint256", False),
        ("makerAmountFilled", "uint256", False),
        ("takerAmountFilled", "uint256", False),
    ],
)
ORDER_FILLED_V2 = _event(
    "OrderFilled",
    [
        ("orderHash", "bytes32", True),
        ("maker", "address", True),
        ("taker", "address", True),
        ("side", "uint8", False),
        ("tokenId", "uint256", False),
        ("makerAmountFilled", "uint256", False),
        ("takerAmountFilled", "uint256", False),
        ("fee", "uint256", False),
        ("builder", "bytes32", False),
        ("metadata", "bytes32", False),
    ],
)
ORDERS_MATCHED_V2 = _event(
    "OrdersMatched",
    [
        ("takerOrderHash", "bytes32", True),
        ("takerOrderMaker", "address", True),
        ("side", "uint8", False),
        ("tokenId", "uint256", False),
        ("makerAmountFilled", "uint256", False),
        ("takerAmountFilled", "uint256", False),
    ],
)
TRADE_EVENTS = (ORDER_FILLED_V1, ORDERS_MATCHED_V1, ORDER_FILLED_V2, ORDERS_MATCHED_V2)

# The exchange's view of a wallet owner's proxy wallet and Safe (PolyFactoryHelper).
PROXY_FUNCTIONS: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": name,
        "stateMutability": "view",
        "inputs": [{"name": "_addr", "type": "address"}],
        "outputs": [{"name": "", "type": "address"}],
    }
    for name in ("getPolyProxyWalletAddress", "getSafeAddress")
]

# V1 exchanges: their logs until the V2 migration (2026-04-28), for a scan that starts earlier.
LEGACY_EXCHANGES = (
    "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E",
    "0xC5d563A36AE78145C45a50134d48A1215220f80a",
)


def default_exchanges(chain_id: int = POLYGON) -> tuple[str, ...]:
    """The exchange contracts watched by default: V2's two, then V1's two."""
    contracts = contracts_for(chain_id)
    return (contracts.exchange, contracts.neg_risk_exchange, *LEGACY_EXCHANGES)
