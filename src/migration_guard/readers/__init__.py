"""Revision files read with ``ast`` (never imported) for what their SQL alone does not say:
the line of each ``op.`` call, the ``existing_type=`` a call declares, what ``upgrade()``
builds across the whole history.

Separate because the rules and the lint engine both read them, and they know nothing of
either: source text in, plain data out.
"""
