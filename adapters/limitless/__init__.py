"""Limitless (EIP-712 orders on Base): registered by its spec; the live adapter is not built
yet."""
