"""Human names for the audit log's action codes.

An action code is a short dotted string (``login.failed``, ``declarations.accept``) chosen by
the code that records it. Codes listed here are shown with a translated label; any other code
is shown as it is, so a new action is never hidden for want of a label.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # Accounts
    "login.succeeded": _("Logged in"),
    "login.failed": _("Login refused"),
    "login.locked": _("Account locked after failed logins"),
    "login.backoff": _("Login slowed down after failed attempts"),
    "login.throttled": _("Login attempt refused during a slow-down"),
    "passkey.added": _("Passkey added"),
    "passkey.removed": _("Passkey removed"),
    "logout": _("Logged out"),
    "staff.created": _("Staff account created"),
    "staff.totp_reset": _("Second factor replaced"),
    "audit.exported": _("Audit log exported"),
    "audit.searched": _("Audit log searched"),
    # The Django admin
    "admin.added": _("Added in the admin"),
    "admin.changed": _("Changed in the admin"),
    "admin.deleted": _("Deleted in the admin"),
    "admin.viewed_list": _("List opened in the admin"),
    "admin.viewed": _("Record opened in the admin"),
    "declarations.remove_statements": _("Names and statements removed for safety"),
    # Declarations
    "declarations.intake": _("Declaration entered by staff"),
    "declarations.import": _("Declarations imported from CSV"),
    "declarations.call": _("Call logged"),
    "declarations.accept": _("Submission accepted"),
    "declarations.reject": _("Submission rejected"),
    "declarations.queue_viewed": _("Moderation queue opened"),
    "contacts.reveal": _("Contact details opened"),
    "housekeeping.purged": _("Expired text, contacts and sessions deleted"),
    # Cases
    "cases.case_created": _("Case opened"),
    "cases.identity_viewed": _("Identities in a case shown"),
    "cases.granted": _("Access to a case granted"),
    "cases.revoked": _("Access to a case withdrawn"),
    "cases.revealed_offline": _("Offline-sealed case fields opened"),
    # Casework for people at risk
    "cases.casework_listed": _("People at risk listed"),
    "cases.casework_viewed": _("Casework of a case opened"),
    "cases.casework_saved": _("Casework of a case changed"),
    "cases.alert_acknowledged": _("Casework alert marked as seen"),
}

# Why a login was refused, as recorded in ``detail["reason"]`` of ``login.failed``.
LOGIN_REFUSAL_LABELS = {
    "credentials": _("wrong user name or password"),
    "code": _("wrong or missing code"),
    "no_device": _("no second factor enrolled"),
    "not_staff": _("not a staff account"),
    "locked": _("account locked"),
    "passkey": _("wrong passkey"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
