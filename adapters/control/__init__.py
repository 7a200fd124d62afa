"""Operator controls on a running desk: cancel orders, cancel what a halt or reduce leaves
resting, flatten an agent (``cancels.py``, ``flatten.py``), and what they read of the log
(``holdings.py``: open orders and open positions)."""
