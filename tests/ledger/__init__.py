"""Tests of tuidang.ledger (pure Python, no Django)."""
