"""The phases of a benchmark run, in the order :func:`bench.run.run` takes them: every
workload's figures (:mod:`~bench.phases.workloads`), the single figures, scale-out on PostgreSQL
(:mod:`~bench.phases.scaleout`), the what-ifs (:mod:`~bench.phases.what_if`) and the profiles
(:mod:`~bench.phases.profiles`). Each asks :class:`bench.harness.Bench` for figures."""
