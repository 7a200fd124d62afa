"""The engine: commands, their handlers, the aggregates and their events, and the pure firewall.

No I/O, no wall clock, no random numbers: time, ids and every outside party come in through the
ports (``engine/ports.py``)."""
