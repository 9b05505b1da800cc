"""Logging errors without the personal data inside them.

An exception's message can carry what the user sent: a database error quotes the row it
rejected (``Key (email)=(sam@school.example) already exists``), a ``ValueError`` the
name it could not parse. :func:`log_exception` logs the exception's type, the ids the
caller names and where it happened (the stack), never the message. SQL parameters are
also kept out of database errors by the engine (``hide_parameters=True`` in
:func:`service.db.make_engine`).

>>> import logging, io
>>> buf = io.StringIO(); logger = logging.getLogger("doctest.logsafe")
>>> logger.addHandler(logging.StreamHandler(buf)); logger.propagate = False
>>> email = "sam@school.example"
>>> try:
...     raise ValueError(f"cannot parse {email!r}")
... except ValueError as exc:
...     log_exception(logger, "import %s failed", "run-7", exc=exc)
>>> text = buf.getvalue()
>>> "ValueError" in text, "run-7" in text, "sam@school.example" in text
(True, True, False)
"""

from __future__ import annotations

import logging
import traceback

__all__ = ["describe", "log_exception"]


def describe(exc: BaseException) -> str:
    """The exception's type (and the database driver's error type), without its message.

    >>> describe(KeyError("sam@school.example"))
    'KeyError'
    """
    name = type(exc).__name__
    orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's error
    if orig is not None:
        name += f" ({type(orig).__module__}.{type(orig).__name__})"
    return name


def log_exception(logger: logging.Logger, message: str, *args: object, exc: BaseException, level: int = logging.ERROR) -> None:
    """Log ``message % args``, the exception's type and its stack, but not its text."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 5:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    stack = "".join(traceback.format_tb(exc.__traceback__))
    causes = " <- ".join(describe(e) for e in chain)
    template = f"{message}: %s\nTraceback (message withheld: it may hold personal data):\n%s"
    logger.log(level, template, *args, causes, stack.rstrip())
