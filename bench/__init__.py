"""Tape's benchmarks: ``make bench`` (``python -m bench``) writes ``bench/results.md`` and
``bench/results.json``; see ``bench/run.py`` for what is measured and README "Benchmarks"."""
