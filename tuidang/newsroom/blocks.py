"""The pieces an article's body is made of. Every block renders on the server, with no script.

Images carry their alt text in the block, required: the same picture may need different words
in different articles and languages. Statements and tally numbers are our own data, rendered
from the database when the page is built, so a page never asks another site for anything.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

# The counters an article may quote (TallyCounter keys), with what they count.
TALLY_KEYS = [
    ("total", _("Everyone who has quit")),
    ("org:party", _("Quit the Party")),
    ("org:league", _("Quit the Youth League")),
    ("org:pioneers", _("Quit the Young Pioneers")),
]


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"))
    source = blocks.CharBlock(label=_("Who said it"), required=False)

    class Meta:
        template = "newsroom/blocks/quote.html"
        icon = "openquote"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alt text"),
        max_length=255,
        help_text=_("What the picture shows, for readers who cannot see it. Required."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        template = "newsroom/blocks/image.html"
        icon = "image"


class StatementBlock(blocks.StructBlock):
    """A published statement, by its number in the transparency log."""

    leaf_index = blocks.IntegerBlock(label=_("Log entry number"), min_value=0)

    class Meta:
        template = "newsroom/blocks/statement.html"
        icon = "doc-full"

    def get_context(self, value, parent_context=None):
        from tuidang.declarations.models import Person

        context = super().get_context(value, parent_context)
        context["person"] = (
            Person.objects.published().filter(leaf_index=value["leaf_index"]).first()
        )
        return context


class TallyBlock(blocks.StructBlock):
    """One number from the public tally, as it stands when the page is shown."""

    key = blocks.ChoiceBlock(choices=TALLY_KEYS, label=_("Number"))

    class Meta:
        template = "newsroom/blocks/tally.html"
        icon = "table"

    def get_context(self, value, parent_context=None):
        from tuidang.declarations.models import TallyCounter

        context = super().get_context(value, parent_context)
        counter = TallyCounter.objects.filter(key=value["key"]).first()
        context["number"] = counter.value if counter else 0
        context["label"] = dict(TALLY_KEYS).get(value["key"], value["key"])
        return context


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), template="newsroom/blocks/heading.html")
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["bold", "italic", "link", "ol", "ul"]
    )
    quote = QuoteBlock(label=_("Quote"))
    image = ImageBlock(label=_("Image"))
    statement = StatementBlock(label=_("Statement"))
    tally = TallyBlock(label=_("Tally number"))
