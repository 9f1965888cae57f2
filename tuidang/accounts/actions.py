"""Human names for the audit log's action codes.

An action code is a short dotted string (``login.failed``, ``declarations.accept``) chosen by
the code that records it. Codes listed here are shown with a translated label; any other code
is shown as it is, so a new action is never hidden for want of a label.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

StrOrPromise = str | Promise

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
    "declarations.helper": _("Declarations submitted by a helper"),
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


# What each key of an event's ``detail`` means, for the audit page (the stored keys stay).
DETAIL_LABELS = {
    "accepted": _("accepted"),
    "bad_rows": _("rows not imported"),
    "call": _("call"),
    "calls": _("calls"),
    "changes": _("changes"),
    "channel": _("channel"),
    "consent": _("consent of each person"),
    "contacts": _("contact details"),
    "expired": _("expired unreviewed"),
    "factor": _("second factor"),
    "failed": _("could not be opened"),
    "filters": _("filters"),
    "flags": _("flags"),
    "ids": _("records shown"),
    "layer": _("slowed down by"),
    "model": _("table"),
    "note": _("note"),
    "notes": _("notes"),
    "outcome": _("outcome"),
    "page": _("page"),
    "people": pgettext_lazy("audit detail", "people"),  # a count: 人数, not 人员
    "queued": _("waiting for review"),
    "reason": _("reason"),
    "roles": _("roles"),
    "rows": _("rows"),
    "search": _("search"),
    "seconds": _("seconds"),
    "sessions": _("sessions"),
    "since": _("since"),
    "until": _("until"),
    "action": _("action"),
    "actor": _("who"),
    "object_type": _("object type"),
    "object_id": _("object number"),
    "source": _("source"),
    "status": _("status"),
    "submission_ids": _("submissions"),
    "submissions": _("submissions"),
    "view": _("view"),
    "was": _("was"),
}

# Keys whose numbers name a row ("#12") rather than count something ("1,234").
ID_KEYS = {"call", "calls", "failed", "ids", "submission_ids", "since"}

# Labels for the values of a key, as ``{(action or "", key): {value: label}}``; an app adds
# its own choices in its AppConfig.ready (accounts imports no other app). The action-specific
# entry wins: "reason" is a login refusal in ``login.failed``, a rejection reason elsewhere.
VALUE_LABELS: dict[tuple[str, str], dict] = {
    ("login.failed", "reason"): LOGIN_REFUSAL_LABELS,
    ("", "source"): {"upload": _("upload"), "command": _("command line")},
    ("", "consent"): {"confirmed": _("confirmed by the helper")},
    ("", "action"): ACTION_LABELS,
    ("", "factor"): {"totp": _("code"), "passkey": _("passkey")},
    ("", "layer"): {
        "client": _("this connection"),
        "pair": _("this connection and account"),
        "account": _("the account"),
    },
}


def register_value_labels(key: str, labels: dict, action: str = "") -> None:
    VALUE_LABELS[(action, key)] = labels


# The objects events are about, by model label ("declarations.submission"): Django's default
# model names are English only. Apps add theirs in AppConfig.ready.
OBJECT_LABELS: dict[str, StrOrPromise] = {"auth.user": _("Staff account")}


def register_object_label(model_label: str, label: StrOrPromise) -> None:
    OBJECT_LABELS[model_label] = label
