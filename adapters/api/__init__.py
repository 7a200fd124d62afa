"""The HTTP API under ``/api/v1`` and the dashboard at ``/``, in ``tape serve``'s FastAPI app.

Every write is an engine command (so it is an event and replays); every read calls the shared
queries of ``projections/queries.py`` (so every surface shows the same numbers). See
:func:`adapters.api.app.mount_service`.
"""
