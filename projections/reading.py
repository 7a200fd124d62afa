"""Reading tracked projections back: a view's rows as the registry says to load them, every
stored row (for comparisons), and an intent's audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from projections.audit import Trail, trail_from_rows
from projections.readstore import ProjectionStore, Query, StoreTransaction
from projections.rows import decode_row
from projections.views import LogViews
from projections.views.base import Read, TableSpec, ViewSpec

IN_MEMORY = frozenset(f.name for f in fields(LogViews) if f.name not in ("events", "names"))
"""The views a :class:`LogViews` holds (the audit view is read as trails, not rows)."""


def select_rows(txn: StoreTransaction, table: str, query: Query) -> dict[str, dict[str, Any]]:
    """The rows of a table that a query wants, by key, in table order (time, then key)."""
    return {key: decode_row(data) for key, data in txn.select(table, query)}


def _load(txn: StoreTransaction, spec: TableSpec, query: Query) -> dict[str, dict[str, Any]]:
    if spec.read is Read.SKIP:
        return {}
    if spec.read is Read.QUERY:
        return select_rows(txn, spec.name, query)
    if spec.read is Read.PAIR:
        return select_rows(txn, spec.name, Query(agent=query.agent, venue=query.venue))
    return select_rows(txn, spec.name, Query())


def read_views(store: ProjectionStore, views: Sequence[ViewSpec], query: Query) -> LogViews:
    """The given views over their stored rows, read in one transaction, each table loaded as
    its spec says (narrowed by ``query``, by its agent and venue, whole, or not at all).
    Views not given stay empty."""
    out = LogViews()
    with store.read() as txn:
        for view in views:
            if view.name in IN_MEMORY:
                tables = [_load(txn, spec, query) for spec in view.tables]
                setattr(out, view.name, view.fold(*tables))
    return out


def read_trail(store: ProjectionStore, mapper: Mapper[UUID], ident: str) -> Trail | None:
    """The audit trail of the intent ``ident`` names (intent id, order id, client or venue
    order id), from the audit projection; None when no such id was recorded."""
    with store.read() as txn:
        found = txn.get("audit_ids", ident.strip())
        if found is None:
            return None
        intent_id = str(decode_row(found)["intent_id"])
        rows = list(select_rows(txn, "audit_events", Query(grp=intent_id)).values())
    return trail_from_rows(mapper, intent_id, rows)
