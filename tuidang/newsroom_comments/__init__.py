"""Moderated comments on the newsroom's pages (issue 11, point 6).

Comments hang off Wagtail's own ``wagtailcore.Page``, so any page type can carry them;
``{% load comments %}{% comments_for page %}`` renders a page's approved comments, then either
the form or the notice that comments are closed. See docs/newsroom-mail.md.
"""
