"""How a message leaves: over SMTP, or as an ``.eml`` file (nothing leaves the machine).

:func:`transport_from_config` picks :class:`SMTPTransport` when ``PEERMATCH_SMTP_URL`` is
set (``smtp://host:port``, ``smtp+starttls://user:pass@host:587``,
``smtps://user:pass@host:465``) and :class:`FileTransport` under ``instance/outbox/``
otherwise. A transport raises :class:`SendError` when the message was not accepted;
``permanent`` errors (SMTP 5xx) are not retried.

Examples
--------
>>> mail = OutgoingMail(key="k1", message_id="<a@b>", sender="P <p@x.example>", to="t@y.example",
...                     subject="Hi", text="Hello", html="<p>Hello</p>")
>>> msg = build_email(mail)
>>> msg["Message-ID"], msg["To"], msg.get_content_type()
('<a@b>', 't@y.example', 'multipart/alternative')
>>> smtp_settings("smtp+starttls://me%40x.example:s3cret@mail.example")
SMTPSettings(host='mail.example', port=587, username='me@x.example', tls='starttls')
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

__all__ = [
    "OutgoingMail",
    "SendError",
    "Transport",
    "SMTPSettings",
    "SMTPTransport",
    "FileTransport",
    "build_email",
    "smtp_settings",
    "transport_from_config",
    "eml_name",
]

log = logging.getLogger(__name__)
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_TLS = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}
# RFC 5322's hard limit: headers such as List-Unsubscribe (one long URL) are not folded.
_POLICY = email.policy.default.clone(max_line_length=998)
# A connection idle for longer than this is checked with NOOP before it is reused.
_IDLE_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class OutgoingMail:
    """One message as the transport sees it (built from an outbox row)."""

    key: str
    message_id: str
    sender: str
    to: str
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)


class SendError(Exception):
    """The message was not accepted; ``permanent`` when retrying cannot help (SMTP 5xx)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """Sends one message; returns only once it was accepted."""

    def send(self, mail: OutgoingMail) -> None: ...

    def close(self) -> None: ...


def build_email(mail: OutgoingMail) -> EmailMessage:
    """The RFC 5322 message: text part and HTML alternative, Message-ID from the outbox."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = mail.sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mail.message_id
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


# ---- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SMTPSettings:
    """Where and how to connect, parsed from ``PEERMATCH_SMTP_URL``."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # kept out of logs
    tls: str  # "none", "starttls" or "ssl"


def smtp_settings(url: str) -> SMTPSettings:
    """Parse an SMTP URL; the password may be percent-encoded.

    >>> smtp_settings("smtp://127.0.0.1:2525").port
    2525
    >>> smtp_settings("http://x")
    Traceback (most recent call last):
    ...
    ValueError: PEERMATCH_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, got 'http://x'
    """
    parts = urlsplit(url)
    if parts.scheme not in _PORTS or not parts.hostname:
        raise ValueError(f"PEERMATCH_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, got {url!r}")
    return SMTPSettings(
        host=parts.hostname,
        port=parts.port or _PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=_TLS[parts.scheme],
    )


def _error_code(exc: BaseException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


class SMTPTransport:
    """Send with :mod:`smtplib`, keeping one connection open between messages.

    ``send`` returns after the server's 250 reply to DATA: from then on the server has the
    message. Any error closes the connection (its state is unknown) and raises
    :class:`SendError`.
    """

    def __init__(self, settings: SMTPSettings, *, timeout: float = 30.0, local_hostname: str | None = None):
        self.settings = settings
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._conn: smtplib.SMTP | None = None
        self._used = 0.0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> SMTPTransport:
        return cls(smtp_settings(url), timeout=timeout)

    def _connect(self) -> smtplib.SMTP:
        st = self.settings
        conn: smtplib.SMTP
        if st.tls == "ssl":
            conn = smtplib.SMTP_SSL(st.host, st.port, local_hostname=self.local_hostname, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(st.host, st.port, local_hostname=self.local_hostname, timeout=self.timeout)
            if st.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if st.username:
            conn.login(st.username, st.password or "")
        return conn

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None and time.monotonic() - self._used > _IDLE_CHECK_SECONDS:
            try:
                if self._conn.noop()[0] != 250:
                    self.close()
            except (smtplib.SMTPException, OSError):
                self.close()
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def send(self, mail: OutgoingMail) -> None:
        envelope_from = parseaddr(mail.sender)[1]
        try:
            conn = self._connection()
            conn.send_message(build_email(mail), from_addr=envelope_from, to_addrs=[mail.to])
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            code = _error_code(exc)
            text = _describe(exc)
            raise SendError(text, permanent=code is not None and code >= 500) from exc
        self._used = time.monotonic()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}" for addr, (code, msg) in exc.recipients.items()]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"


# ---- files --------------------------------------------------------------------------------


def eml_name(key: str) -> str:
    """The file name for a message: its idempotency key made safe, plus a short hash.

    >>> eml_name("group-published:7/t-01")
    'group-published_7_t-01-afa436ec9666.eml'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:80]
    return f"{safe}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}.eml"


class FileTransport:
    """Write each message as an ``.eml`` file into ``folder`` (like Django's file backend).

    The file is named by the idempotency key and written atomically (temporary file,
    then rename), so a message sent again replaces its file rather than adding a second.
    """

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)

    def send(self, mail: OutgoingMail) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = build_email(mail).as_bytes()
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.folder / eml_name(mail.key))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise SendError(f"could not write to {self.folder}: {exc}") from exc

    def close(self) -> None:
        pass


def transport_from_config(config: Mapping[str, Any], instance_path: str | os.PathLike[str]) -> Transport:
    """SMTP when ``PEERMATCH_SMTP_URL`` is set, else ``.eml`` files under ``instance/outbox/``."""
    url = config.get("PEERMATCH_SMTP_URL") or ""
    if url:
        return SMTPTransport.from_url(url, timeout=float(config.get("PEERMATCH_SMTP_TIMEOUT_SECONDS", 30.0)))
    return FileTransport(Path(instance_path) / "outbox")
