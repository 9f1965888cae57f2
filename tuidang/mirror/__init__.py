"""A signed static mirror of the public site: ``tuidang mirror export|verify|vkey``.

``export`` (Django) writes the pages, the log and the static files; ``manifest`` (no Django)
signs and checks the list of their hashes.
"""
