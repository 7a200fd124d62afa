"""Trader discovery, the outside: the public leaderboard and each candidate's Data API
history (``client.py``, rate-limited, cached on disk by ``cache.py``), parsed into values
(``parse.py``), the copy simulation through Tape's own engine in memory (``simulate.py``),
the run that scores and records them (``run.py``) and the equity-curve chart (``chart.py``).
The metrics, filters and ranking are pure and live in ``engine/discovery/``."""
