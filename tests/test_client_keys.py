"""Client keys give nothing back: not to whoever holds the cache, the database and the data dir.

A client is told apart for rate limits only by ``request.client_key`` (``tuidang.privacy``): a
20-bit HMAC of its address, or of its IPv6 /64, under an hourly key that lives in process memory
only. These tests make requests from known addresses through the test client, with a real Redis
cache, then play the attacker with everything stored.
"""

import base64
import binascii
import contextlib
import hashlib
import hmac
import ipaddress
import math
import os
import pickle
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tests.base import BaseTestCase
from tests.declarations.test_declare import form_data, person
from tuidang import privacy

# A Redis database for these tests (the canary uses 13); each test also writes under a key
# prefix of its own and reads back only that, so nothing else in the database is touched.
REDIS_URL = "redis://127.0.0.1:6379/9"
ADDRESS = "203.0.113.77"  # TEST-NET-3
NEIGHBOURHOOD = ipaddress.ip_network("203.0.0.0/16")


def redis_cache(prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }


def redis_dump(prefix: str) -> dict[bytes, bytes]:
    """Every key Django wrote under ``prefix`` and its value, as an attacker's copy would hold."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return {key: client.get(key) or b"" for key in client.scan_iter(match=f"{prefix}:*")}
    finally:
        client.close()


def delete_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


def decodings(blob: bytes) -> set[bytes]:
    """``blob`` and what it might hide: unpickled, hex- or base64-decoded, its tokens."""
    found = {blob}
    try:
        value = pickle.loads(blob)  # noqa: S301 - our own test Redis
    except Exception:
        value = None
    if isinstance(value, bytes | bytearray):
        found.add(bytes(value))
    elif isinstance(value, str):
        found.add(value.encode())
    for token in blob.split():
        found.add(token)
        for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(ValueError, binascii.Error, UnicodeDecodeError):
                found.add(decode(token.decode("ascii")))
    return found


def database_blobs() -> set[bytes]:
    blobs: set[bytes] = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, bytes | memoryview):
                        blobs.add(bytes(cell))
                    elif cell is not None:
                        blobs.add(str(cell).encode())
    return blobs


def data_dir_blobs() -> set[bytes]:
    secrets_dir = Path(settings.DATA_DIR) / "secrets"
    return {p.read_bytes() for p in secrets_dir.rglob("*") if p.is_file()}


def keys_under(secret: bytes, address: str) -> set[str]:
    """What ``address`` hashes to under ``secret``, in every way tuidang has ever keyed clients."""
    old = hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]
    digest = hmac.new(secret, privacy.client_network(address), hashlib.sha256).digest()
    bits = privacy.KEY_BITS
    new = f"{int.from_bytes(digest[:8], 'big') >> (64 - bits):0{(bits + 3) // 4}x}"
    return {old, new}


class StoredStateTestCase(BaseTestCase):
    """Requests from a known address, then everything an attacker could copy is searched."""

    def setUp(self):
        super().setUp()
        self.prefix = f"test-client-keys-{uuid.uuid4().hex}"
        self.addCleanup(delete_keys, self.prefix)
        settings_override = override_settings(CACHES=redis_cache(self.prefix))
        settings_override.enable()
        self.addCleanup(settings_override.disable)

    def visit_as_a_declarant(self):
        meta = {"REMOTE_ADDR": ADDRESS}
        self.assertEqual(self.client.get("/en/declare/", **meta).status_code, 200)
        response = self.client.post(
            "/en/declare/",
            form_data(person("Canary", ["party"], "I quit.", "CN-GD"), want_receipt=True),
            **meta,
        )
        # The thanks page is the POST's own answer (the receipt code is stored nowhere).
        self.assertContains(response, "Thank you: your declaration has arrived")
        response = self.client.post("/en/receipt/", {"code": "00000-00000-00000"}, **meta)
        self.assertEqual(response.status_code, 404)

    def test_no_secret_is_in_the_cache(self):
        self.visit_as_a_declarant()
        dump = redis_dump(self.prefix)
        self.assertTrue(any(b":rl:" in key for key in dump), "Redis was not used")
        current = bytes(privacy._ratchet._key)
        for key, value in dump.items():
            self.assertNotIn(b"secret", key)
            for blob in decodings(value) | {key}:
                self.assertNotIn(current, blob)
                self.assertNotIn(current.hex().encode(), blob)

    def test_nothing_stored_turns_the_key_back_into_the_address(self):
        self.visit_as_a_declarant()
        dump = redis_dump(self.prefix)
        stored_parts = {part.decode() for key in dump for part in key.split(b":")}
        # Positive control: the address's real key is in the cache, so a search could find it.
        self.assertIn(privacy.client_key(ADDRESS), stored_parts)

        cache_candidates = set()
        for key, value in dump.items():
            cache_candidates |= decodings(value) | decodings(key)
        # The whole /16 around the address, hashed under everything in the cache as the secret:
        # never the address itself (chance matches of other addresses are what 20 bits give).
        neighbours = [str(ip) for ip in NEIGHBOURHOOD]
        for candidate in cache_candidates:
            matches = {a for a in neighbours if keys_under(candidate, a) & stored_parts}
            self.assertNotIn(ADDRESS, matches, f"the cache value {candidate[:40]!r} is the key")
            self.assertLess(len(matches), 100)

        # Every cell of the database and every secret file, tried against the address.
        for candidate in database_blobs() | data_dir_blobs():
            for blob in decodings(candidate):
                self.assertFalse(keys_under(blob, ADDRESS) & stored_parts, blob[:40])


class ClientKeyTestCase(BaseTestCase):
    def test_a_key_stands_for_thousands_of_addresses(self):
        keys = [privacy.client_key(str(ip)) for ip in NEIGHBOURHOOD]
        self.assertTrue(all(len(key) == 5 and int(key, 16) < 2**20 for key in keys))
        # 65,536 addresses into 2^20 values: a uniform 20-bit function leaves this many
        # distinct keys (about 63,550, standard deviation about 48). A key longer than 20 bits
        # would leave all 65,536; over all of IPv4, each key stands for 2^32 / 2^20 = 4,096.
        n, m = len(keys), 2**privacy.KEY_BITS
        expected = m * (1 - math.exp(-n / m))
        self.assertLess(abs(len(set(keys)) - expected), 500)

    def test_an_ipv6_client_is_one_client_across_its_64(self):
        self.assertEqual(
            privacy.client_key("2001:db8:1:2::1"),
            privacy.client_key("2001:db8:1:2:ffff:ffff:ffff:fffe"),
        )
        self.assertNotEqual(
            privacy.client_key("2001:db8:1:2::1", bits=64),
            privacy.client_key("2001:db8:1:3::1", bits=64),
        )

    def test_each_onion_circuit_is_a_client_of_its_own(self):
        # Tor's HiddenServiceExportCircuitID numbers circuits inside fc00:dead:beef:4dad::/64.
        self.assertNotEqual(
            privacy.client_key("fc00:dead:beef:4dad::0:1", bits=64),
            privacy.client_key("fc00:dead:beef:4dad::0:2", bits=64),
        )

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2)
    def test_changing_the_low_bits_does_not_walk_around_the_limit(self):
        def declare(address):
            data = form_data(person("Walker", ["league"], "", "CN-GD"))
            return self.client.post("/en/declare/", data, REMOTE_ADDR=address)

        # Accepted: the thanks page is the POST's own answer.
        self.assertEqual(declare("2001:db8:7:7::1").status_code, 200)
        self.assertEqual(declare("2001:db8:7:7:a:b:c:d").status_code, 200)
        refused = declare("2001:db8:7:7:dead:beef:0:1")
        self.assertEqual(refused.status_code, 429)
        self.assertContains(refused, "Too many", status_code=429)
        self.assertContains(declare("2001:db8:7:8::1"), "Thank you")  # the next /64

    def test_one_address_in_any_of_its_written_forms_is_one_client(self):
        plain = privacy.client_key("203.0.113.9")
        for written in (
            "::ffff:203.0.113.9",
            "::ffff:cb00:7109",
            " 203.0.113.9",
            "203.0.113.9:5678",
        ):
            self.assertEqual(privacy.client_key(written), plain, written)
        v6 = privacy.client_key("2001:db8::1")
        for written in ("[2001:db8::1]:443", "2001:db8::1%eth0", "2001:DB8:0:0::99"):
            self.assertEqual(privacy.client_key(written), v6, written)

    def test_what_is_not_an_address_is_handled_and_shares_one_key(self):
        garbage = [
            "",
            "unknown",
            "999.1.1.1",
            "::ffff:1.2.3",
            "[nonsense]:80",
            "a:b:c",
            "\x00",
            "🙂" * 50,
        ]
        keys = {privacy.client_key(text) for text in garbage}
        self.assertEqual(len(keys), 1)
        for text in ("unknown", "999.1.1.1", "[nonsense]:80"):
            page = self.client.get("/en/declare/", REMOTE_ADDR=text)
            self.assertContains(page, "Declare")


class RatchetTestCase(BaseTestCase):
    def test_the_key_changes_on_the_hour_and_the_past_hour_cannot_be_recomputed(self):
        # An hour boundary far ahead: the thread that advances the module's key to the real
        # clock (start_keeper) can never move this test's ratchet past it mid-test.
        start = 4_000_000_000 // 3600 * 3600
        root = os.urandom(32)
        ratchet = privacy.HourlyRatchet(root, start // 3600)
        with mock.patch.object(privacy, "_ratchet", ratchet):
            first = privacy.client_key(ADDRESS, bits=64, now=start + 3599)
            self.assertEqual(privacy.client_key(ADDRESS, bits=64, now=start), first)
            held = ratchet._key  # the object holding this hour's key
            second = privacy.client_key(ADDRESS, bits=64, now=start + 3600)
            self.assertNotEqual(second, first)

            # What is held now is the hash of the old key; the old key itself was overwritten.
            self.assertEqual(
                bytes(ratchet._key), hashlib.sha256(privacy.RATCHET_LABEL + root).digest()
            )
            self.assertEqual(bytes(held), bytes(32))
            self.assertNotIn(
                root, [bytes(v) for v in vars(ratchet).values() if isinstance(v, bytes | bytearray)]
            )
            # Asking for the past hour gets the present one: the past key no longer exists.
            self.assertEqual(privacy.client_key(ADDRESS, bits=64, now=start), second)

            # Another process given the same root derives the same key for the same hour.
            other = privacy.HourlyRatchet(root, start // 3600)
            message = privacy.client_network(ADDRESS)
            self.assertEqual(
                other.digest(message, start + 3600), ratchet.digest(message, start + 3600)
            )

    def test_every_process_holding_the_key_advances_it_forked_workers_too(self):
        # The server's master builds the middleware (starting the thread that advances the key on
        # the hour), then forks workers: threads do not survive fork, so each child needs its
        # own, or an idle worker would keep an old hour's key.
        program = (
            "import os, threading; from tuidang import privacy\n"
            "privacy.PrivacyMiddleware(lambda request: None)\n"
            "names = lambda: [t.name for t in threading.enumerate()]\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    os._exit(0 if 'client-key-ratchet' in names() else 3)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "print('client-key-ratchet' in names(), os.waitstatus_to_exitcode(status))\n"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tuidang.settings"}
        result = subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        )
        self.assertEqual(result.stdout.split(), ["True", "0"])

    def test_serve_hands_the_root_over_in_memory_and_it_leaves_the_environment(self):
        handoff = privacy.new_handoff()
        root, _, hour = handoff.partition(":")
        program = (
            "import os; from tuidang import privacy;"
            "hour = privacy.current_hour();"
            "print(hour, privacy.client_key('203.0.113.77', now=hour * 3600));"
            f"print({privacy.HANDOFF_VARIABLE!r} in os.environ);"
            "print(open('/proc/self/environ','rb').read().hex())"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tuidang.settings",
            privacy.HANDOFF_VARIABLE: handoff,
        }
        result = subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        )
        now, key, still_set, environ = result.stdout.split()
        expected = privacy.HourlyRatchet(bytes.fromhex(root), int(hour))
        with mock.patch.object(privacy, "_ratchet", expected):
            self.assertEqual(key, privacy.client_key("203.0.113.77", now=int(now) * 3600))
        self.assertEqual(still_set, "False")
        self.assertNotIn(root.encode(), bytes.fromhex(environ))


@pytest.mark.parametrize("address", ["198.51.100.1", "2001:db8::1", "not an address"])
def test_client_keys_need_no_cache_at_all(address):
    # No request, no cache, no database: the key comes from process memory alone.
    with mock.patch("django.core.cache.cache.get", side_effect=AssertionError("cache read")):
        assert len(privacy.client_key(address)) == 5
