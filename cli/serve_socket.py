"""``tape serve``'s socket: where it may listen (``--insecure-local`` on loopback only) and
the listening socket itself, bound before the URL is printed."""

from __future__ import annotations

import ipaddress
import socket

from adapters.settings import TOKEN_ENV
from cli.errors import TapeUsageError

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_host(host: str, token: str | None, *, insecure_local: bool) -> str:
    """The address to bind: ``host``, or 127.0.0.1 when serving without a token (refused
    without ``--insecure-local``, or with it on any other address)."""
    if token is None and not insecure_local:
        raise TapeUsageError(
            f"{TOKEN_ENV} is not set: set it, or pass --insecure-local to serve on "
            f"{LOOPBACK} without auth"
        )
    if token is None:
        if host != LOOPBACK and not is_loopback(host):
            raise TapeUsageError(f"--insecure-local serves on {LOOPBACK} only, not on {host}")
        return LOOPBACK
    return host


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening; a refusal is a usage error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening from here on: the URL printed next takes connections at once (they wait in
        # the backlog until the server accepts them), rather than being refused until it starts.
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise TapeUsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock
