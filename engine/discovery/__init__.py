"""Trader discovery, the pure part: a candidate's history as values (``history.py``), its
metrics (``metrics.py``), the filters of what cannot be copied with the values each compared
(``screen.py``), the ranking (``ranking.py``) and the ``Candidate`` aggregate whose
``CandidateScored`` events record it all (``candidates.py``). Reading the leaderboard and the
Data API, the cache and the copy simulation are ``adapters/discovery/``."""
