from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CommentForm(forms.Form):
    name = forms.CharField(label=_("Your name or a pseudonym"), max_length=60)
    passphrase = forms.CharField(
        label=_("A passphrase of your own (optional)"),
        help_text=_(
            "With the same name and passphrase, your later comments are published without"
            " waiting. It is never stored; do not use a password you use elsewhere."
        ),
        max_length=100,
        required=False,
        widget=forms.PasswordInput(render_value=True),
    )
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}))
    # People never see this field (site.css hides it); form-filling robots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if len(body) > settings.COMMENT_MAX_LENGTH:
            raise forms.ValidationError(
                _("A comment may have at most %(limit)d characters; this one has %(count)d.")
                % {"limit": settings.COMMENT_MAX_LENGTH, "count": len(body)}
            )
        return body
