"""tuidang: the software of a service centre for people who quit the CCP and its youth organisations.

Four jobs, four apps: ``declarations`` (intake, moderation, the public lists and tally),
``ledger`` (the pure transparency-log library behind the verifiable tally),
``cases`` (persecution cases and casework) and ``newsroom`` (articles and feeds).
``accounts`` holds staff, roles, the second factor and the audit log.
"""
