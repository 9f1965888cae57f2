"""``tuidang cases …``: keys, grants, the offline reveal, import and export of case files.

- ``keygen`` makes the key that seals case files at rest (``TUIDANG_CASES_KEY_FILE``, outside
  the data directory); ``keygen --offline --public P --private Q`` makes the offline pair for the
  most sensitive fields (the private half stays off the server, as for contact details).
- ``grant CASE USER`` / ``revoke CASE USER`` give or take one person's access to one case.
- ``reveal --key FILE`` opens the offline-sealed fields, on the machine holding the private key.

Every action that touches a case is audit-logged as coming from the command line.
"""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tuidang.accounts.models import AuditEvent, command_line_detail
from tuidang.cases import secrecy
from tuidang.cases.models import Case, CaseGrant, Evidence


class Command(BaseCommand):
    help = "Case files: keys, access grants, the offline reveal, import and export."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        keygen = actions.add_parser(
            "keygen",
            help="make the key that seals case files (outside the data directory), or with "
            "--offline the offline key pair for the most sensitive fields",
        )
        keygen.add_argument("--offline", action="store_true")
        keygen.add_argument("--public", type=Path, help="--offline: where to write the public key")
        keygen.add_argument(
            "--private", type=Path, help="--offline: where to write the private key"
        )
        for name, text in (("grant", "give"), ("revoke", "take back")):
            sub = actions.add_parser(name, help=f"{text} one person's access to one case")
            sub.add_argument("case", help="the case's codename")
            sub.add_argument("user", help="the staff account's user name")
        reveal = actions.add_parser(
            "reveal", help="open the fields sealed to the offline key (needs its private key)"
        )
        reveal.add_argument("--key", required=True, type=Path, help="the private key file")
        reveal.add_argument("--case", nargs="+", default=[], help="only these codenames")
        reveal.add_argument("--reason", required=True, help="why (kept in the audit log)")
        load = actions.add_parser(
            "import", help="import case files in the JSON format of docs/cases-format.md"
        )
        load.add_argument("file", type=Path)
        load.add_argument("--owner", help="owner of cases whose file names none (a user name)")
        dump = actions.add_parser("export", help="write case files as JSON (docs/cases-format.md)")
        dump.add_argument("--out", type=Path, help="the file (default: standard output)")
        dump.add_argument("--case", nargs="+", default=[], help="only these codenames")
        dump.add_argument(
            "--identities",
            action="store_true",
            help="include real names, birth dates, addresses, contacts and sources (needs --reason)",
        )
        dump.add_argument("--reason", default="", help="why (kept in the audit log)")
        self.add_more_arguments(actions)

    def add_more_arguments(self, actions) -> None:
        """Subcommands added by the documentation and casework parts (import, export…)."""

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, {"import": "load", "export": "dump"}.get(action, action))(**options)

    def load(self, file: Path, owner: str | None, **_options) -> None:
        import json

        from tuidang.cases.transfer import ImportProblems, import_data

        account = None
        if owner:
            account = get_user_model().objects.filter(username=owner).first()
            if account is None:
                raise CommandError(f"No account named {owner!r}.")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"{file}: not a readable JSON file ({error}).") from None
        try:
            with transaction.atomic():
                made = import_data(data, owner=account, base_dir=file.parent)
                AuditEvent.record(
                    None,
                    "cases.imported",
                    cases=[case.codename for case in made],
                    evidence_files=Evidence.objects.filter(case__in=made).count(),
                    **command_line_detail(),
                )
        except ImportProblems as problems:
            raise CommandError(
                f"{file}: nothing imported, {len(problems.problems)} problem(s):\n  "
                + "\n  ".join(problems.problems)
            ) from None
        self.stdout.write(f"Imported {len(made)} case(s): {', '.join(c.codename for c in made)}")

    def dump(
        self, out: Path | None, case: list[str], identities: bool, reason: str, **_options
    ) -> None:
        import json

        from tuidang.cases.transfer import EVIDENCE_DIR, ExportRefused, export_data

        if identities and not reason.strip():
            raise CommandError("--identities needs --reason (it is kept in the audit log).")
        cases = Case.objects.filter(codename__in=case) if case else Case.objects.all()
        files_dir = out.parent / EVIDENCE_DIR if out else None
        try:
            # The "exported" custody links and the audit event stand only if the files and
            # the JSON were written.
            with transaction.atomic():
                data = export_data(cases, identities=identities, files_dir=files_dir, reason=reason)
                files = sum(1 for c in data["cases"] for e in c["evidence"] if "file" in e)
                AuditEvent.record(
                    None,
                    "cases.exported",
                    cases=[c["codename"] for c in data["cases"]],
                    identities=identities,
                    evidence_files=files,
                    reason=reason,
                    **command_line_detail(),
                )
                text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
                if out:
                    # Owner-only, like the evidence files: with --identities it names people.
                    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as file:
                        file.write(text)
        except ExportRefused as error:
            raise CommandError(f"Nothing exported: {error}.") from None
        except OSError as error:
            raise CommandError(f"Nothing exported: {error}") from None
        if out:
            self.stderr.write(
                f"Exported {len(data['cases'])} case(s) to {out}"
                + (f" and {files} evidence file(s) to {files_dir}/" if files else "")
                + "."
            )
        else:
            self.stdout.write(text, ending="")

    def keygen(self, offline: bool, public: Path | None, private: Path | None, **_options) -> None:
        if offline:
            if not public or not private:
                raise CommandError("--offline needs --public and --private.")
            try:
                pair = secrecy.make_offline_keypair(public, private)
            except FileExistsError as error:
                raise CommandError(f"{error.filename} exists; nothing was overwritten.") from None
            from tuidang.declarations.contacts import fingerprint

            self.stdout.write(
                f"Offline key pair written: public {public}, private {private} (fingerprint "
                f"{fingerprint(pair)}). Give the server only the public key "
                "(TUIDANG_CASES_PUBLIC_KEY); keep the private key offline."
            )
            return
        try:
            path = secrecy.make_key()
        except FileExistsError:
            raise CommandError(
                f"{secrecy.key_path()} exists; nothing was overwritten (it may be the only key "
                "that opens the case files sealed so far)."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Key for case files written to {path} (mode 0600). Keep a copy offline: without "
            "it the sealed case files cannot be read, and a backup of the data directory "
            "does not hold it."
        )

    def _case_and_user(self, codename: str, username: str):
        try:
            case = Case.objects.get(codename=codename)
        except Case.DoesNotExist:
            raise CommandError(f"No case with the codename {codename!r}.") from None
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No account named {username!r}.") from None
        return case, user

    def grant(self, case: str, user: str, **_options) -> None:
        found, account = self._case_and_user(case, user)
        with transaction.atomic():
            CaseGrant.objects.get_or_create(case=found, user=account)
            AuditEvent.record(
                None, "cases.granted", found, user=account.username, **command_line_detail()
            )
        self.stdout.write(f"{account.username} may now open {found.codename}.")

    def revoke(self, case: str, user: str, **_options) -> None:
        found, account = self._case_and_user(case, user)
        with transaction.atomic():
            CaseGrant.objects.filter(case=found, user=account).delete()
            AuditEvent.record(
                None, "cases.revoked", found, user=account.username, **command_line_detail()
            )
        self.stdout.write(f"{account.username}'s grant on {found.codename} is withdrawn.")

    def reveal(self, key: Path, case: list[str], reason: str, **_options) -> None:
        from django.apps import apps
        from nacl.exceptions import CryptoError

        from tuidang.declarations.contacts import load_private_key

        try:
            private = load_private_key(key)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the private key {key}: {error}") from None
        cases = Case.objects.filter(codename__in=case) if case else Case.objects.all()
        opened = 0
        for model in apps.get_app_config("cases").get_models():
            names = secrecy.fields_at(model, secrecy.OFFLINE)
            if not names:
                continue
            rows = model._default_manager.all()
            if model is Case:
                rows = rows.filter(pk__in=cases)
            elif "case" in {f.name for f in model._meta.get_fields()}:
                rows = rows.filter(case__in=cases)
            for row in rows:
                for name in names:
                    sealed = bytes(getattr(row, name) or b"")
                    if not sealed:
                        continue
                    try:
                        text = secrecy.open_offline(sealed, private)
                    except CryptoError:
                        raise CommandError(
                            f"{model._meta.label_lower} {row.pk} {name}: does not open with this "
                            "key (sealed to another one?)"
                        ) from None
                    self.stdout.write(f"{model._meta.label_lower} {row.pk} {name}: {text}")
                    opened += 1
        AuditEvent.record(
            None,
            "cases.revealed_offline",
            reason=reason,
            cases=sorted(case),
            fields_opened=opened,
            **command_line_detail(),
        )
