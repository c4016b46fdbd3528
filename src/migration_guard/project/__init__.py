"""The opened project: its settings with its revision graph, its trees as git holds them,
and its model files.

Separate from :mod:`config` because opening a project reads the revision graph, which the
hook's fast path and the settings readers must not pay for.
"""
