"""Telegram commands: deny by default, read-only answers, and two switches behind a button.

Only updates from the configured chat *and* from a user id in ``[notify.telegram]
allowed_users`` are taken; with no allowlist there is no poller at all. Read-only commands
(``/status``, ``/positions``, ``/pnl``, ``/why ID``) are answered from the read queries, as the
CLI prints them. ``/halt NAME`` and ``/activate NAME`` only ask: the switch happens when an
allowed user presses the confirmation button, as an engine command (``SetTradingState``) whose
reason names that user. Nothing else is a command: no key, limit or follow list can be changed
from a chat.

The last update handled is kept in the store (tracking row ``notify-telegram-updates``), so a
restarted bot does not take a command twice. One process polls a token (Telegram refuses a
second ``getUpdates``): the one holding the telegram channel's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from adapters.notify.channels import ChannelError
from adapters.notify.telegram import TelegramChannel, split_text
from engine.values import TradingState
from projections.readstore import ProjectionStore, Tracking

OFFSET_KEY = "notify-telegram-updates"
SWITCHES = {"halt": TradingState.HALTED, "activate": TradingState.ACTIVE}
READ_ONLY = ("status", "positions", "pnl", "why")
HELP = (
    "Commands: /status, /positions, /pnl, /why ID (read only); "
    "/halt NAME, /activate NAME (asks for a confirmation)"
)
MAX_CALLBACK = 64  # Telegram's limit on callback_data, in bytes

Switch = Callable[[str, TradingState, str], bool]


class Replies(Protocol):
    """The answers of the read-only commands (text, as the CLI prints it)."""

    def status(self) -> str: ...
    def positions(self) -> str: ...
    def pnl(self) -> str: ...
    def why(self, ident: str) -> str: ...
    def agent_exists(self, name: str) -> bool: ...


@dataclass(frozen=True)
class Sender:
    """Who sent an update."""

    user_id: int
    username: str

    def label(self) -> str:
        """How the engine's reason names them."""
        return f"telegram user {self.user_id}" + (f" (@{self.username})" if self.username else "")


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class TelegramBot:
    """Polls ``getUpdates`` and answers (see the module's docstring)."""

    def __init__(
        self,
        api: TelegramChannel,
        store: ProjectionStore,
        allowed: frozenset[int],
        replies: Replies,
        switch: Switch | None,
        *,
        report: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.api = api
        self.store = store
        self.allowed = allowed
        self.replies = replies
        self.switch = switch
        self.report = report
        store.setup([], [OFFSET_KEY])

    def poll(self, timeout_s: int = 0) -> int:
        """Take the updates waiting (long-polling up to ``timeout_s``); returns how many."""
        with self.store.read() as txn:
            last = txn.tracking([OFFSET_KEY])[OFFSET_KEY].position
        answer = self.api.call(
            "getUpdates",
            {
                "offset": last + 1,
                "timeout": timeout_s,
                "allowed_updates": ["message", "callback_query"],
            },
        )
        updates = answer.get("result") or []
        for update in updates:
            try:
                self.handle(update)
            except ChannelError as error:
                self.report(f"telegram command: {error}")
            except Exception as error:
                self.report(f"telegram update not understood ({type(error).__name__})")
            with self.store.write() as txn:
                txn.set_tracking(OFFSET_KEY, Tracking(int(update["update_id"]), 1))
        return len(updates)

    def _sender(self, part: dict[str, Any]) -> Sender | None:
        user = _table(part.get("from"))
        holder = _table(part.get("message")) or part
        chat = _table(holder.get("chat"))
        if str(chat.get("id")) != str(self.api.chat_id):
            self.report("ignored an update from another chat")
            return None
        if not isinstance(user.get("id"), int) or user["id"] not in self.allowed:
            self.report(f"refused an update from user {user.get('id')} (not in allowed_users)")
            return None
        return Sender(int(user["id"]), str(user.get("username") or ""))

    def handle(self, update: dict[str, Any]) -> None:
        """Answer one update."""
        if isinstance(update.get("callback_query"), dict):
            self._confirmed(update["callback_query"])
        elif isinstance(update.get("message"), dict):
            self._command(update["message"])

    def say(self, text: str, markup: dict[str, Any] | None = None) -> None:
        """Write to the chat (split to Telegram's length)."""
        pieces = split_text(text)
        for index, piece in enumerate(pieces):
            payload: dict[str, Any] = {"chat_id": self.api.chat_id, "text": piece}
            if markup is not None and index == len(pieces) - 1:
                payload["reply_markup"] = markup
            self.api.call("sendMessage", payload)

    def _command(self, message: dict[str, Any]) -> None:
        sender = self._sender(message)
        text = str(message.get("text") or "").strip()
        if sender is None or not text.startswith("/"):
            return
        words = text.split()
        name, args = words[0][1:].split("@", 1)[0].lower(), words[1:]
        if name == "why" and len(args) == 1:
            self.say(self.replies.why(args[0]))
        elif name in READ_ONLY and name != "why" and not args:
            self.say(getattr(self.replies, name)())
        elif name in SWITCHES and len(args) == 1 and self.switch is not None:
            self._ask(name, args[0])
        elif name in SWITCHES and self.switch is None:
            self.say("/halt and /activate are not available here (no engine in this process)")
        else:
            self.say(HELP)

    def _ask(self, verb: str, agent: str) -> None:
        data = f"{verb}:{agent}"
        if len(data.encode()) > MAX_CALLBACK or not self.replies.agent_exists(agent):
            self.say(f"no agent named {agent}")
            return
        buttons = [
            {"text": f"Confirm {verb} {agent}", "callback_data": data},
            {"text": "Cancel", "callback_data": "cancel"},
        ]
        self.say(f"{verb.capitalize()} agent {agent}?", {"inline_keyboard": [buttons]})

    def _confirmed(self, query: dict[str, Any]) -> None:
        sender = self._sender(query)
        if sender is None:
            if "id" in query:
                self.api.call("answerCallbackQuery", {"callback_query_id": query["id"]})
            return
        data = str(query.get("data") or "")
        verb, _, agent = data.partition(":")
        if verb not in SWITCHES or self.switch is None or not agent:
            outcome = "Cancelled."
        else:
            state = SWITCHES[verb]
            try:
                changed = self.switch(agent, state, f"{verb} by {sender.label()}")
            except LookupError:
                outcome = f"no agent named {agent}"
            else:
                outcome = (
                    f"{agent}: {state.value}" if changed else f"{agent}: already {state.value}"
                )
        self.api.call("answerCallbackQuery", {"callback_query_id": query["id"], "text": outcome})
        message = query.get("message") or {}
        if "message_id" in message:
            self.api.call(
                "editMessageText",
                {"chat_id": self.api.chat_id, "message_id": message["message_id"], "text": outcome},
            )
