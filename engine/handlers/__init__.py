"""The engine's handlers, one module per job, and the table that routes each command to its
handler. A routed step is saved in one transaction (``engine.unit_of_work``); the routes that
are not steps compose steps of their own."""

from __future__ import annotations

from typing import Any

from engine import commands as c
from engine.handlers import (
    admin,
    cancelling,
    deciding,
    discovery,
    execution,
    intake,
    operator_controls,
    pairs,
    reconciliation,
    recovery,
    redeeming,
    settlement,
    strategies,
    venue_reports,
)
from engine.handlers.context import Route

ROUTES: dict[type[Any], Route] = {
    c.SubmitIntent: Route(intake.submit, step=False),
    c.ReceiveIntent: Route(intake.receive),
    c.RecordUnreadableInput: Route(intake.record_unreadable_input),
    c.DecideIntent: Route(deciding.decide_intent),
    c.DecidePending: Route(deciding.decide_pending),
    c.ExecuteOrder: Route(execution.execute),
    c.DenyOrder: Route(execution.deny),
    c.RecordUncertain: Route(execution.record_uncertain),
    c.ApplyVenueReport: Route(venue_reports.apply_report),
    c.PollVenue: Route(venue_reports.poll, step=False),
    c.ReconcileOrder: Route(reconciliation.reconcile),
    c.ReconcileOpenOrders: Route(reconciliation.reconcile_open_orders, step=False),
    c.ExpireOrder: Route(reconciliation.expire),
    c.Recover: Route(recovery.recover, step=False),
    c.SettleMarket: Route(settlement.settle),
    c.RegisterAgents: Route(admin.register_agents),
    c.SetTradingState: Route(admin.set_trading_state),
    c.CancelOrder: Route(cancelling.cancel),
    c.CancelAgentOrders: Route(cancelling.cancel_agent_orders, step=False),
    c.AdvancePair: Route(pairs.advance_pair),
    c.RunPairs: Route(pairs.run_pairs, step=False),
    c.RecordDiscovery: Route(discovery.record_discovery),
    c.ChangeFollowList: Route(discovery.change_follow_list),
    c.RequestCancel: Route(operator_controls.request_cancel),
    c.ResolveMarket: Route(operator_controls.resolve_market),
    c.RequestRedemption: Route(redeeming.request),
    c.RecordRedemptionSigned: Route(redeeming.signed),
    c.RecordRedemptionOutcome: Route(redeeming.outcome),
    c.ObserveMarket: Route(strategies.observe_market),
    c.FeedMarket: Route(strategies.feed_market, step=False),
}
