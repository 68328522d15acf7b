"""Who may use the page, and that a form was sent by the page itself.

In: the address the server listens on and the password it was started with (if any); each
request. Out: the request let through, or answered with a login page, a refusal or a wait.

- Listening on a loopback address (127.0.0.1, ::1, localhost) needs no password; any other
  address does (``serve`` refuses to start without one). With a password every page and
  download needs a login first.
- A login is a session cookie signed with a secret made at start (HttpOnly, SameSite=Strict):
  it lapses after ``IDLE_SECONDS`` without use and ``LOGIN_SECONDS`` after the login at most,
  and when the server restarts.
- Failed logins are slowed down per client address: after each failure the next attempt is
  refused unheard for a wait that doubles (1, 2, 4 … up to ``MAX_WAIT_SECONDS``), and every
  failure is answered only after ``FAILURE_DELAY_SECONDS``.
- Every form and every change (POST) carries the session's CSRF token, in the form or in the
  ``X-CSRF-Token`` header, on loopback too: another web site open in the clerk's browser must
  not be able to start a run or change a note. Requests naming another host than the server's
  are refused (a web site rebinding its name to 127.0.0.1).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

IDLE_SECONDS = 2 * 3600
LOGIN_SECONDS = 12 * 3600
MAX_WAIT_SECONDS = 300
FAILURE_DELAY_SECONDS = 1.0
LOOPBACK_NAMES = ("localhost",)
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> list[str]:
    """The Host headers to accept: the loopback names when listening there, else any (the
    address the office reaches the computer by is not known here; the login guards it)."""
    if is_loopback(host):
        return ["127.0.0.1", "localhost", "::1", "[::1]", host]
    return ["*"]


@dataclass
class Failures:
    count: int = 0
    until: float = 0.0  # no attempt is heard before this (time.monotonic())


@dataclass
class Guard:
    password: str | None
    clock: Callable[[], float] = time.monotonic
    failures: dict[str, Failures] = field(default_factory=dict)

    @property
    def login_needed(self) -> bool:
        return self.password is not None

    def logged_in(self, request: Request) -> bool:
        if self.password is None:
            return True
        since = request.session.get("login_at")
        return isinstance(since, (int, float)) and time.time() - since < LOGIN_SECONDS

    def wait_before(self, client: str) -> float:
        """Seconds until this client's next login attempt is heard (0: now)."""
        failed = self.failures.get(client)
        return 0.0 if failed is None else max(0.0, failed.until - self.clock())

    def attempt(self, request: Request, client: str, password: str) -> bool:
        """Check a login attempt (when ``wait_before`` is 0); a success starts the session."""
        assert self.password is not None
        if hmac.compare_digest(password.encode("utf-8"), self.password.encode("utf-8")):
            self.failures.pop(client, None)
            request.session.clear()
            request.session["login_at"] = time.time()
            request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
            return True
        self._forget_old()
        failed = self.failures.setdefault(client, Failures())
        failed.count += 1
        failed.until = self.clock() + min(2.0 ** (failed.count - 1), MAX_WAIT_SECONDS)
        return False

    def _forget_old(self) -> None:
        """Addresses whose last wait ended long ago start afresh (and are not kept forever)."""
        now = self.clock()
        for client in [c for c, f in self.failures.items() if now - f.until > MAX_WAIT_SECONDS]:
            del self.failures[client]


def csrf_token(request: Request) -> str:
    """The session's token for forms, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def csrf_sent(request: Request, form_value: object = None) -> bool:
    """Whether the request carries the session's token (header, else the form's field)."""
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or form_value
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))
    )
