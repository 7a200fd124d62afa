"""Tape's benchmarks: ``make bench`` (``python -m bench``) writes ``bench/results.md`` and
``bench/results.json``; see :mod:`bench.run` for what is measured and README "Benchmarks".

The parent process (:mod:`bench.run`) takes its :mod:`~bench.options`, writes the
:mod:`~bench.workload` days, and runs the phases of :mod:`bench.phases`; each asks the
:mod:`~bench.harness` for figures, and every figure runs in a process of its own
(:mod:`bench.figures`). :mod:`bench.report` turns the results into the Markdown report.
"""

from pathlib import Path

BENCH = Path(__file__).resolve().parent
"""This folder: where ``results.*`` and ``notes.md`` live."""

REPO = BENCH.parent
"""The repository: the working directory of every figure's process."""
