"""Strategies: pure code that turns market data into intents (``base.py``: the interface;
``registry.py``: the strategies by name; one module per strategy)."""
