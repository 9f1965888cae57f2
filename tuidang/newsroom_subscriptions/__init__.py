"""E-mail followers of the newsroom (issue 11, point 7): see docs/newsroom-mail.md."""
