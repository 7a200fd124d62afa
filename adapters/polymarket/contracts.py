"""Polymarket's contract addresses (CLOB V2, since 2026-04-28) per chain."""

from __future__ import annotations

from dataclasses import dataclass

POLYGON = 137
AMOY = 80002


@dataclass(frozen=True)
class Contracts:
    """The addresses an order is signed for and the allowances trading needs."""

    exchange: str  # CTF Exchange V2: the EIP-712 verifyingContract of standard markets
    neg_risk_exchange: str  # Neg Risk CTF Exchange V2: the verifyingContract of neg-risk markets
    neg_risk_adapter: str  # NegRiskAdapter: still needs approval for neg-risk markets
    collateral: str  # pUSD (6 decimals)
    conditional_tokens: str  # the ERC-1155 outcome tokens

    def spenders(self) -> tuple[tuple[str, str, str], ...]:
        """(label, address, the markets that need it) of every contract the funder approves."""
        return (
            ("exchange", self.exchange, "standard markets"),
            ("neg-risk exchange", self.neg_risk_exchange, "neg-risk markets"),
            ("neg-risk adapter", self.neg_risk_adapter, "neg-risk markets"),
        )


_POLYGON = Contracts(
    exchange="0xE111180000d2663C0091e4f400237545B87B996B",
    neg_risk_exchange="0xe2222d279d744050d28e00520010520000310F59",
    neg_risk_adapter="0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
    collateral="0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB",
    conditional_tokens="0x4D97DCd97eC945f40cF65F87097ACe5EA0476045",
)

_AMOY = Contracts(
    exchange="0xE111180000d2663C0091e4f400237545B87B996B",
    neg_risk_exchange="0xe2222d279d744050d28e00520010520000310F59",
    neg_risk_adapter="0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
    collateral="0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB",
    conditional_tokens="0x69308FB512518e39F9b16112fA8d994F4e2Bf8bB",
)


def contracts_for(chain_id: int) -> Contracts:
    """The V2 contracts of a chain (Polygon's for any chain Polymarket does not run on)."""
    return _AMOY if chain_id == AMOY else _POLYGON
