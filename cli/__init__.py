"""The ``tape`` command line (click): one module per command group; each parses options, builds
what it needs through ``adapters.bootstrap`` and renders what the queries return."""
