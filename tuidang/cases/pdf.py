"""A dossier's HTML laid out as PDF, in this process or in another one.

No Django here, on purpose: a spawned process that only lays HTML out need not set Django up
(a second or so of CPU) nor be sent the dossier's data, only the HTML made from it.
"""


def write_pdf(html: str) -> bytes:
    from weasyprint import HTML

    # No base_url: the document loads nothing from anywhere (fonts come from the system).
    return HTML(string=html).write_pdf()


def warm() -> None:
    """Import WeasyPrint (and its fonts' libraries) while the parent still gathers the data."""
    import weasyprint  # noqa: F401
