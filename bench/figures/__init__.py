"""The figures, each measured in its own process so peak memory figures do not mix.

``python -m bench.figures NAME PARAMS_JSON`` runs one figure (:mod:`bench.figures.registry`)
and prints its result as one JSON line after :data:`RESULT_MARK`. Every result carries
``peak_rss_mb`` (the process's peak resident set, ``getrusage``) and ``start_rss_mb`` (the peak
before the measured work began: the interpreter and the imports). Timings use
``time.perf_counter`` around the measured call only; reading inputs for a baseline is left
outside its timer.

Tape figures go through the same code as the commands: ``adapters.bootstrap.build`` and
``cli.run_cmd.run_day`` (``tape run``), ``adapters.replay.verify.verify`` (``tape replay
--verify``), ``cli.projections_cmd.open_projector(...).rebuild()`` (``tape projections
rebuild``) and ``TradingEngine.recover()`` (every start).

By family: :mod:`~bench.figures.tape_commands` (intake, replay, rebuild, recovery),
:mod:`~bench.figures.latency` and :mod:`~bench.figures.commits` (latency and its unit),
:mod:`~bench.figures.baselines`, :mod:`~bench.figures.scaleout` (with
:mod:`~bench.figures.processes` and :mod:`~bench.figures.cpu`) and
:mod:`~bench.figures.profiled`; :mod:`~bench.figures.stores` and
:mod:`~bench.figures.measure` serve them all.
"""

RESULT_MARK = "BENCH-RESULT "
"""What starts the line that carries a figure's result on its process's stdout."""
