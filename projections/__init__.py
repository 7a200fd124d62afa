"""Read models: pure folds of the event log into rows (``views/``), tracked so each event is
applied once, and the read queries every surface (CLI, API, notifications) calls
(``queries.py``)."""
