"""Mail templates (Jinja, plain text plus HTML) and the signed pause/unsubscribe link.

A message template ``<name>`` is three files under ``service/templates/mail/``:
``<name>.subject.txt`` (one line), ``<name>.txt`` and ``<name>.html``; both bodies extend
``_layout.txt`` / ``_layout.html``, whose footer carries the pause link. Undefined
variables are errors (a message is never sent with a hole in it) and only the HTML is
autoescaped.

Examples
--------
>>> r = render("notice", {"title": "Hello", "name": "Sam", "paragraphs": ["<b>Hi</b>"]},
...            programme="North", unsubscribe_url="https://x.example/mail/unsubscribe/abc")
>>> r.subject, "<b>Hi</b>" in r.text, "&lt;b&gt;Hi&lt;/b&gt;" in r.html
('Hello', True, True)
>>> "https://x.example/mail/unsubscribe/abc" in r.text and "https://x.example/mail/unsubscribe/abc" in r.html
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from itsdangerous import BadSignature, URLSafeSerializer

__all__ = ["Rendered", "render", "unsubscribe_token", "read_unsubscribe_token", "unsubscribe_url", "TEMPLATE_DIR"]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"
_SALT = "peermatch.mail.unsubscribe"


@dataclass(frozen=True)
class Rendered:
    """A rendered message: one-line subject, plain-text and HTML bodies."""

    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, context: Mapping[str, Any], *, programme: str, unsubscribe_url: str | None) -> Rendered:
    """Render template ``name`` with ``context`` (plus ``programme`` and ``unsubscribe_url``).

    Raises
    ------
    jinja2.TemplateNotFound
        No such template.
    jinja2.UndefinedError
        The template uses a variable the context lacks.
    ValueError
        A body left out the pause link although the recipient has one.
    """
    env = _environment()
    values = {**context, "programme": programme, "unsubscribe_url": unsubscribe_url}
    subject = " ".join(env.get_template(f"{name}.subject.txt").render(values).split())
    values["subject"] = subject
    text = env.get_template(f"{name}.txt").render(values)
    html = env.get_template(f"{name}.html").render(values)
    if unsubscribe_url:
        escaped = str(markupsafe.escape(unsubscribe_url))
        if unsubscribe_url not in text or escaped not in html:
            raise ValueError(f"mail template {name!r} must show the pause link (extend _layout.txt and _layout.html)")
    return Rendered(subject=subject, text=re.sub(r"\n{3,}", "\n\n", text), html=html)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def unsubscribe_token(secret_key: str, teacher_id: str, programme_id: int | None = None) -> str:
    """A signed token naming a teacher (no expiry: links in old mail keep working).

    Teacher ids are per programme, so the token names the programme too; a token without
    one (``programme_id=None``, as links sent before ids were per programme) names the id only.

    >>> token = unsubscribe_token("k", "t-1", 3)
    >>> read_unsubscribe_token("k", token), read_unsubscribe_token("other key", token)
    ((3, 't-1'), None)
    >>> read_unsubscribe_token("k", unsubscribe_token("k", "t-1"))
    (None, 't-1')
    """
    return _serializer(secret_key).dumps([programme_id, teacher_id] if programme_id is not None else teacher_id)


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int | None, str] | None:
    """``(programme id or None, teacher id)`` from ``token``, or ``None`` when it was not signed with ``secret_key``."""
    try:
        value = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if isinstance(value, str):
        return None, value
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
        return value[0], value[1]
    return None


def unsubscribe_url(public_url: str, secret_key: str, teacher_id: str, programme_id: int | None = None) -> str:
    """The pause/unsubscribe page's address for a teacher.

    >>> unsubscribe_url("https://pm.example/", "k", "t-1", 3).startswith("https://pm.example/mail/unsubscribe/")
    True
    """
    return f"{public_url.rstrip('/')}/mail/unsubscribe/{unsubscribe_token(secret_key, teacher_id, programme_id)}"
