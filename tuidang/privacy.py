"""Privacy rule 1: no client address, user agent or other network identifier is kept.

``PrivacyMiddleware`` runs first. It turns the client's address into ``request.client_key``
(see ``client_key``), then blanks the address, the user agent and every forwarding header in
``request.META``. Nothing later in the request (views, the database, error reports, logs) can
store what it never sees.

A client key must give nothing back to whoever holds the cache, the database and the data dir
together, so:

- It is an HMAC under a secret that exists only in the memory of the web processes: never in
  the cache, the database or a file. ``tuidang serve`` makes a random root and hands it to the
  server process in the environment variable ``HANDOFF_VARIABLE``; the first process that
  imports this module takes it out of its environment (and blanks it in the kernel's copy, the
  one ``/proc/<pid>/environ`` shows), so workers forked from a master that imported Django
  inherit the secret in memory, and workers spawned afresh read it from the environment they
  were started with (a server whose master never imports Django must take it out of the
  master's environment too: docs/privacy.md). Outside ``serve`` (tests, ``runserver``) each
  process makes its own.
- The secret changes every hour by a hash ratchet, ``key(h + 1) = SHA-256(label || key(h))``,
  and only the current hour's key is kept. Going forward is a hash; going back would be a
  preimage. A key for an hour that has passed cannot be recomputed from anything left in the
  process, so even someone who later reads a worker's memory cannot link the cache's older
  keys to addresses. Every process that holds the ratchet (the gunicorn master too) advances
  it on the hour with a small thread, so no idle process keeps an old key.
- The key is truncated to ``KEY_BITS`` bits: each value stands for about 4,096 IPv4 addresses
  (2^32 / 2^20), so even the secret itself would not single out a client across the address
  space. Two clients share a key by chance about 0.1 % of the time at 1,000 active clients an
  hour and 9 % at 100,000 (``bench/client_keys.py``, ``bench/RESULTS.md``); sharing means
  sharing a rate limit, which at those limits is harmless.
- An IPv6 client is keyed by its /64, the block one subscriber gets: changing the low bits does
  not make a new client. An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is its IPv4 address.
  A unique local address (fc00::/7: a proxy's numbering, such as the circuit IDs a Tor onion
  service exports) is keyed whole. Anything that is not an address (empty, a Unix socket, a
  malformed header) shares one key.
"""

import ctypes
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # granian's master imports this module before Django is set up
    from django.http import HttpRequest

IDENTIFYING_HEADERS = (
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_VIA",
    "HTTP_REFERER",
)

# How ``serve`` hands the root secret to the server it starts: "<64 hex digits>:<hour>". The
# leading underscore marks it as internal: it is not an operator setting.
HANDOFF_VARIABLE = "_TUIDANG_CLIENT_KEY_ROOT"
# 20 bits: about 4,096 IPv4 addresses per key; see the module docstring and bench/RESULTS.md.
KEY_BITS = 20
HOUR = 3600
RATCHET_LABEL = b"tuidang client-key ratchet v1\x00"
# What a client that has no readable address is keyed by: all of them share one key.
UNPARSABLE = b"?"
UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def current_hour(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // HOUR)


class HourlyRatchet:
    """One key per hour, each the hash of the one before; only the newest is kept.

    All processes given the same root and starting hour derive the same key for every later
    hour, without talking to each other. When the clock says an hour earlier than the key held
    (a clock stepped back), the current key is used: an older one no longer exists.
    """

    def __init__(self, root: bytes, hour: int):
        self._key = bytearray(root)
        self._hour = hour
        self._lock = threading.Lock()

    @property
    def hour(self) -> int:
        return self._hour

    def digest(self, message: bytes, now: float | None = None) -> bytes:
        """HMAC-SHA256 of ``message`` under the key of the hour ``now`` falls in."""
        with self._lock:
            self._advance_to(current_hour(now))
            return hmac.new(self._key, message, hashlib.sha256).digest()

    def advance(self, now: float | None = None) -> None:
        with self._lock:
            self._advance_to(current_hour(now))

    def _advance_to(self, hour: int) -> None:
        while self._hour < hour:
            old = self._key
            self._key = bytearray(hashlib.sha256(RATCHET_LABEL + old).digest())
            # Best effort: overwrite the old key in place. Python may still hold transient
            # copies in freed memory until it is reused; a live reader of process memory is
            # outside what this protects against (docs/privacy.md).
            old[:] = bytes(len(old))
            self._hour += 1

    # Fork safety: the lock is held across fork() so a child never inherits it mid-advance.
    def _before_fork(self) -> None:
        self._lock.acquire()

    def _after_fork_in_parent(self) -> None:
        self._lock.release()

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()


def new_handoff(now: float | None = None) -> str:
    """A fresh root secret and its hour, as ``serve`` passes them to the server process."""
    return f"{secrets.token_hex(32)}:{current_hour(now)}"


def _blank_initial_environment(name: str) -> None:
    """Overwrite the variable's value where the kernel shows it (``/proc/self/environ``).

    ``del os.environ[name]`` only unlinks it from libc's list; the bytes the process was started
    with stay in place, readable by anyone who may read the process's ``environ`` file.
    """
    try:
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_void_p
        libc.getenv.argtypes = [ctypes.c_char_p]
        address = libc.getenv(name.encode())
    except (OSError, AttributeError):
        return
    if address:
        ctypes.memset(address, ord("0"), len(ctypes.string_at(address)))


def _take_handoff() -> HourlyRatchet | None:
    value = os.environ.get(HANDOFF_VARIABLE)
    if value is None:
        return None
    _blank_initial_environment(HANDOFF_VARIABLE)
    del os.environ[HANDOFF_VARIABLE]  # and so from every process this one starts
    root, _, hour = value.partition(":")
    try:
        return HourlyRatchet(bytes.fromhex(root), int(hour))
    except ValueError:
        return None


# Taken at import: gunicorn's master imports Django before forking (preload_app), so the
# workers inherit the ratchet in memory and the variable is already gone from every process.
_ratchet = _take_handoff() or HourlyRatchet(secrets.token_bytes(32), current_hour())
_keeper_started = False


def _keep_advancing() -> None:
    while True:
        seconds_left = HOUR - time.time() % HOUR
        # Wake at least once a minute: a clock that jumps (or a suspended machine) is noticed.
        time.sleep(min(max(seconds_left, 1.0), 60.0))
        _ratchet.advance()


def start_keeper() -> None:
    """Advance the ratchet on the hour in this process (and in every process forked from it)."""
    global _keeper_started
    if _keeper_started:
        return
    _keeper_started = True
    threading.Thread(target=_keep_advancing, name="client-key-ratchet", daemon=True).start()


def _after_fork_in_child() -> None:
    global _keeper_started
    _ratchet._after_fork_in_child()
    if _keeper_started:  # threads do not survive fork(): the child needs its own
        _keeper_started = False
        start_keeper()


os.register_at_fork(
    before=lambda: _ratchet._before_fork(),
    after_in_parent=lambda: _ratchet._after_fork_in_parent(),
    after_in_child=_after_fork_in_child,
)


def client_network(address: str) -> bytes:
    """What a client is known by: its IPv4 address, or the /64 its IPv6 address is in."""
    text = address.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # "203.0.113.9:5678"
        text = text.partition(":")[0]
    text = text.partition("%")[0]  # a zone: "fe80::1%eth0"
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return UNPARSABLE
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return b"4" + ip.packed
    if ip in UNIQUE_LOCAL:
        # Never a client on the internet: a proxy's own numbering, such as the per-circuit
        # addresses a Tor onion service exports (fc00:dead:beef:4dad::/64), keyed whole.
        return b"u" + ip.packed
    return b"6" + ip.packed[:8]


def client_key(address: str, bits: int = KEY_BITS, now: float | None = None) -> str:
    """This hour's short keyed hash of a client's address (``bits`` bits, in hex)."""
    if not 1 <= bits <= 64:
        raise ValueError(f"a client key has 1 to 64 bits, not {bits}")
    digest = _ratchet.digest(client_network(address), now)
    value = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{value:0{(bits + 3) // 4}x}"


def client_address(meta) -> str:
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        # Behind a reverse proxy: the last address the proxy appended is the client's.
        forwarded = meta.get(header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return meta.get("REMOTE_ADDR", "")


# Top posts (tuidang.newsroom.toposts) count people reading, not programs. A request counts as a
# program's when its User-Agent names one (any of these words, case-insensitive) or when it
# sends no Accept-Language (every browser sends one). The agent is read here, once, for that
# yes or no, and then dropped with the rest; nothing stores it.
ROBOT_WORDS = (
    "bot", "crawl", "spider", "slurp", "fetch", "scrape", "archiver", "preview", "monitor",
    "curl", "wget", "python", "java/", "go-http", "okhttp", "libwww", "feed", "headless",
    "http://", "https://",
)  # fmt: skip


def is_robot(meta) -> bool:
    agent = meta.get("HTTP_USER_AGENT", "").lower()
    if not agent or not meta.get("HTTP_ACCEPT_LANGUAGE", "").strip():
        return True
    return any(word in agent for word in ROBOT_WORDS)


# The attribute PrivacyMiddleware sets on each request. Code reads it through ``key_of`` (typed,
# and loud if the middleware did not run), never as ``request.client_key`` directly.
CLIENT_KEY_ATTRIBUTE = "client_key"


def key_of(request: "HttpRequest") -> str:
    """The client key ``PrivacyMiddleware`` gave this request.

    A request that did not pass through the middleware has none; that is a configuration
    error (the address would not have been blanked either), so it raises rather than rate
    limiting everyone under one made-up key.
    """
    key = getattr(request, CLIENT_KEY_ATTRIBUTE, None)
    if not isinstance(key, str):
        raise RuntimeError("tuidang.privacy.PrivacyMiddleware must run before this view")
    return key


class PrivacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        start_keeper()

    def __call__(self, request):
        setattr(request, CLIENT_KEY_ATTRIBUTE, client_key(client_address(request.META)))
        request.is_robot = is_robot(request.META)
        request.META["REMOTE_ADDR"] = "0.0.0.0"  # noqa: S104 - a blank, not a bind address
        for header in IDENTIFYING_HEADERS:
            request.META.pop(header, None)
        if settings.CLIENT_ADDRESS_HEADER:
            request.META.pop(settings.CLIENT_ADDRESS_HEADER, None)
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
