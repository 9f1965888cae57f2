"""The error summary at the top of a page whose form came back with errors.

One line per error, each a link to the field it is about (``href="#id_field"``), so a person
using a screen reader or a phone reaches every problem from the top of the page; ``base.html``
shows the list and puts "Error:" before the page's title. Views pass
``error_summary(form, formset, ...)`` in their context; unbound forms add nothing.
"""

from django import forms
from django.utils.translation import gettext as _


def _target(bound: forms.BoundField) -> str:
    """The id of the element a link to this field should land on (a focusable one)."""
    if isinstance(bound.field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return f"{bound.auto_id}_0"  # the first box of the group; the group itself has no id
    return bound.auto_id or ""


def _form_errors(form: forms.BaseForm, person: str = "") -> list[dict]:
    if not form.is_bound:
        return []
    visible = [form[name] for name in form.fields if not form[name].is_hidden]
    lines = []
    for message in form.non_field_errors():
        href = f"#{_target(visible[0])}" if visible else ""
        lines.append({"href": href, "label": person, "message": message})
    for bound in visible:  # in the order of the page
        label = str(bound.label)
        if person:
            label = _("%(person)s, %(field)s") % {"person": person, "field": label}
        lines.extend(
            {"href": f"#{_target(bound)}", "label": label, "message": message}
            for message in bound.errors
        )
    return lines


def error_summary(*forms_and_formsets) -> list[dict]:
    """``[{"href", "label", "message"}]`` for every error of these forms, in page order."""
    lines: list[dict] = []
    for item in forms_and_formsets:
        if isinstance(item, forms.BaseFormSet):
            if not item.is_bound:
                continue
            first = item.forms[0] if item.forms else None
            for message in item.non_form_errors():
                fields = [first[name] for name in first.fields] if first else []
                href = f"#{_target(fields[0])}" if fields else ""
                lines.append({"href": href, "label": "", "message": message})
            for number, form in enumerate(item.forms, start=1):
                # The same words as the legend of each person's block.
                lines += _form_errors(form, _("Person %(number)s") % {"number": number})
        elif item is not None:
            lines += _form_errors(item)
    return lines


def field_error(field_id: str, message: str) -> list[dict]:
    """A summary of one error that a view found itself (not through a form)."""
    return [{"href": f"#{field_id}", "label": "", "message": message}]
