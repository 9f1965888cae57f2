"""Personas and small helpers shared by the Django tests.

``BaseTestCase`` gives every test the same cast: Alice the admin, Mo the moderator and Val the
volunteer, each with a confirmed TOTP device, and a way to log them in with the second factor.
"""

import contextlib
import os
from datetime import date
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

from django.contrib.auth.models import Group, User
from django.test import Client, TestCase
from django.test.client import MULTIPART_CONTENT
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.declarations.models import Channel, Organisation, Submission

PASSWORD = "correct horse battery staple"


def make_contacts_key(directory: Path, name: str = "centre") -> tuple[str, Path]:
    """A key pair for contact details in ``directory`` (as `contacts keygen` makes one offline):
    returns the public key in base64, for TUIDANG_CONTACTS_PUBLIC_KEY, and the private key file."""
    from tuidang.declarations import contacts

    public, private = directory / f"{name}-public.key", directory / f"{name}-private.key"
    contacts.make_keypair(public, private)
    return public.read_text().strip(), private


@contextlib.contextmanager
def no_contacts_key():
    """A server given no public key for contact details (none set, none in its data dir)."""
    from tuidang.declarations import contacts

    missing = Path("/nonexistent/tuidang-test/contacts-public.key")
    with (
        mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": ""}),
        mock.patch.object(contacts, "public_key_path", return_value=missing),
    ):
        yield


def make_staff(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def login_verified(client, user: User) -> None:
    """Log ``user`` in as if they had passed both the password and the TOTP step."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def make_submission(
    *names: str,
    orgs=("party",),
    region="",
    channel=Channel.WEB,
    declared_on: date | None = None,
    statement="",
    **kwargs,
):
    """Submit people through the same path as every channel; returns (submission, receipt)."""
    organisations = list(Organisation.objects.filter(slug__in=orgs))
    people = [
        {"name": name, "organisations": organisations, "statement": statement, "region": region}
        for name in names
    ]
    return Submission.objects.submit(
        people=people, declared_on=declared_on or date.today(), channel=channel, **kwargs
    )


def run_sequencer() -> None:
    """Bring the log and the tally up to date with everything accepted so far.

    Call it after accepting declarations and before reading the tally or the public lists:
    accepted people are counted and published only once the sequencer has appended them to
    the transparency log (and signed a checkpoint), as in production.
    """
    from tuidang.declarations import sequencer

    sequencer.run_until_idle()


def restore_reference_data() -> None:
    """Put back the rows the data migrations made (organisations, role groups).

    A ``TransactionTestCase`` (live-server and concurrency tests) empties every table when it
    ends; the next one calls this in ``setUp``. ``serialized_rollback`` would do the same but
    collides with content types that Django re-creates after each flush.
    """
    import importlib

    from django.apps import apps

    importlib.import_module(
        "tuidang.declarations.migrations.0002_add_the_three_organisations"
    ).add_organisations(apps, None)
    importlib.import_module("tuidang.accounts.migrations.0002_add_role_groups").add_groups(
        apps, None
    )
    importlib.import_module("tuidang.accounts.migrations.0005_add_helper_group").add_helper_group(
        apps, None
    )
    importlib.import_module("tuidang.cases.migrations.0002_add_case_roles").add_groups(apps, None)
    importlib.import_module("tuidang.cases.migrations.0004_seed_vocabularies").seed(apps, None)
    from tests.newsroom.helpers import restore_news_tree

    restore_news_tree()


class BrowserClient(Client):
    """Posts a form as a browser does: urlencoded, and multipart only when it carries a file.

    (Django's client sends every dict as multipart, which tuidang refuses except on the staff
    import upload: see tuidang.bodylimit.)
    """

    def post(self, path, data=None, content_type=MULTIPART_CONTENT, *args, **kwargs):
        if (
            content_type == MULTIPART_CONTENT
            and (data is None or isinstance(data, dict))
            and not any(hasattr(value, "read") for value in (data or {}).values())
        ):
            data = urlencode(data or {}, doseq=True)
            content_type = "application/x-www-form-urlencoded"
        return super().post(path, data, content_type, *args, **kwargs)


class BaseTestCase(TestCase):
    client_class = BrowserClient

    def setUp(self):
        super().setUp()
        self.alice = make_staff("alice", "admin")
        self.mo = make_staff("mo", "moderator")
        self.val = make_staff("val", "volunteer")
