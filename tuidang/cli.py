"""The ``tuidang`` command: Django's management commands, plus ``verify`` and ``mirror verify``, which need no Django.

``tuidang serve``, ``tuidang demo``, ``tuidang createstaff``, ``tuidang contacts reveal``… are
management commands in the apps; ``tuidang migrate`` and the rest of Django's work too.
"""

import os
import sys

from tuidang.conf import PRIVATE_UMASK


def main(argv: list[str] | None = None) -> None:
    # Whatever the operator's umask, what tuidang and its child processes create is theirs
    # alone (tuidang.conf.data_dir sets it too, for processes that do not start here).
    os.umask(PRIVATE_UMASK)
    argv = list(sys.argv if argv is None else argv)
    if argv[1:2] == ["verify"]:
        # An auditor's tool: it must run with no Django, no settings and no database.
        from tuidang import verify

        sys.exit(verify.main(argv[2:]))
    if argv[1:3] == ["mirror", "verify"]:
        # The same for a mirror's reader: no settings, no database.
        from tuidang.mirror import manifest

        sys.exit(manifest.main(argv[3:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tuidang", *argv[1:]])


if __name__ == "__main__":
    main()
