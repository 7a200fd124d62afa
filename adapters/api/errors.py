"""Errors as JSON with a reason: ``{"error": "..."}``, 4xx for the caller's mistakes.

FastAPI's own validation errors (422 with a ``detail`` list) and HTTP errors (``detail``) are
answered in the same shape, so a client reads one field whatever went wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorOut(BaseModel):
    """A request refused, and why."""

    error: str


class ApiError(Exception):
    """A request the API refuses: its status and the one-line reason."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def error_response(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON answer of a refused request."""
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def describe(errors: Any) -> str:
    """One line from FastAPI's validation errors: where, and what is wrong."""
    parts = []
    for error in list(errors)[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Answer every refused request as ``{"error": reason}``."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.reason, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, describe(error.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers) if error.headers else None
        return error_response(error.status_code, str(error.detail), headers)
