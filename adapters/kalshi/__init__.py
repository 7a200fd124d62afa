"""Kalshi (RSA-PSS signed REST): registered by its spec; the live adapter is not built yet."""
