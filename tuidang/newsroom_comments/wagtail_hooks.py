"""Comment settings per page in the Wagtail admin (/cms/snippets/newsroom_comments/…).

Editors close a page's comments at once or give it another number of open days; a page
without settings takes the defaults (open for TUIDANG_COMMENTS_OPEN_DAYS). Wagtail logs each
change, and the newsroom copies the log into tuidang's audit chain.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from tuidang.newsroom_comments.models import PageComments


class PageCommentsViewSet(SnippetViewSet):
    model = PageComments
    icon = "comment"
    menu_label = _("Comment settings")
    list_display = ["page", "enabled", "open_days"]
    search_fields: list[str] = []
    panels = [FieldPanel("page"), FieldPanel("enabled"), FieldPanel("open_days")]


register_snippet(PageCommentsViewSet)
