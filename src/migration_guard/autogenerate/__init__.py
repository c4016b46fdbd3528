"""Alembic's autogenerate, run in a pinned child on a throwaway database: the revision the
models call for, what it detected in plain words, and (when asked) its SQL rendered where the
models are imported already.

A stage of its own, below the flows, because two of them start it: ``new`` (and the hook
through it) to write the revision, and drift's compare when the hook asks it to generate the
revision it found missing in the same child.
"""
