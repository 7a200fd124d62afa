"""A type for keys and passphrases that refuses to be shown or serialised.

A Secret prints as ``Secret(NAME)``, cannot be pickled, deep-copied, JSON-encoded or transcoded
into an event, and gives its value only through :meth:`Secret.reveal`, which the one adapter
that signs with it calls at the moment of signing.
"""

from __future__ import annotations

from typing import Any, NoReturn


class SecretSerializationError(TypeError):
    """Raised when something tries to serialise or copy a Secret."""


class Secret:
    """A secret value with a name; only the name is ever shown."""

    __slots__ = ("_name", "_value")

    def __init__(self, name: str, value: str) -> None:
        if not value:
            raise ValueError(f"secret {name} is empty")
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_value", value)

    @property
    def name(self) -> str:
        """What the secret is (an environment variable name, a keystore entry)."""
        return str(object.__getattribute__(self, "_name"))

    def reveal(self) -> str:
        """The value, for the signing code that needs it; never for logging or storing."""
        return str(object.__getattribute__(self, "_value"))

    def __repr__(self) -> str:
        return f"Secret({self.name})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.reveal() == other.reveal()

    def __hash__(self) -> int:
        return hash((Secret, self.name))

    def _refuse(self, *_: Any) -> NoReturn:
        raise SecretSerializationError(f"{self!r} cannot be serialised or copied")

    __reduce__ = _refuse
    __reduce_ex__ = _refuse
    __getstate__ = _refuse
    __copy__ = _refuse
    __deepcopy__ = _refuse
