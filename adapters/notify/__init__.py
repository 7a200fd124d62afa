"""Notifications: the outbox taken from the log, channels (Telegram, webhooks), delivery and the
Telegram commands. The engine never calls any of it: it reads the log."""
