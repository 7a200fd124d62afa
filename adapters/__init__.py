"""Everything that touches the outside: the store, the venues, the feeds, the HTTP intake, replay,
scale-out, and the composition root (``bootstrap.py``, ``settings.py``) that wires them to the
engine."""
