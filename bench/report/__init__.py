"""The report of a run: the targets evaluated (:mod:`~bench.report.targets`) and the Markdown
``bench/results.md`` (:mod:`~bench.report.render`), one module a section: the comparison with
the baselines, scale-out, latency, memory, the baselines, the what-ifs and the profiles;
:mod:`~bench.report.cells` formats the cells and tables they share."""
