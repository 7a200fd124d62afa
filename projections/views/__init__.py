"""The registry of read models: one module per view, each declaring its name, its tables with
their columns, and its fold (``VIEW``, a :class:`~projections.views.base.ViewSpec`).

The tracked projections (``projections/tracking.py``), ``tape projections`` and ``tape project``
read :data:`REGISTRY`; adding a view is a module here and a line below. :class:`LogViews` folds
the same views in memory.

The log may be the union of several logs (one per engine worker, see ``projections/logs.py``)
read in any interleaving, so a fold never looks at where an event sits in its log: a row is
changed only by events of its own aggregate or agent (always in one log, in order), and what
several agents share, the mark of a token, is the book of the latest verdict by time with a
stable tie-break. Rows are listed in time order, ties by key.
"""

from __future__ import annotations

from projections.views import audit, balances, intents, marks, orders, positions, purchases
from projections.views.base import ViewSpec
from projections.views.in_memory import LogViews

REGISTRY: tuple[ViewSpec, ...] = (
    orders.VIEW,
    intents.VIEW,
    marks.VIEW,
    positions.VIEW,
    balances.VIEW,
    purchases.VIEW,
    audit.VIEW,
)
"""Every read model, in the order a catch-up applies them."""

VIEW_NAMES: tuple[str, ...] = tuple(view.name for view in REGISTRY)

__all__ = ["REGISTRY", "VIEW_NAMES", "LogViews", "ViewSpec", "view_named"]


def view_named(name: str) -> ViewSpec:
    """The registered view of this name (KeyError when there is none)."""
    for view in REGISTRY:
        if view.name == name:
            return view
    raise KeyError(name)
