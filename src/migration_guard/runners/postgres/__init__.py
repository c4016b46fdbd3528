"""The throwaway PostgreSQL, for tests and the local runner: binaries, servers, databases.

- :mod:`~migration_guard.runners.postgres.binaries`: which server runs (the config's
  ``postgres``), where its ``initdb`` and ``postgres`` are, and its version.
- :mod:`~migration_guard.runners.postgres.extensions`: extensions that server lacks (the
  ``uuid-ossp`` stand-in, the one-line error for the others).
- :mod:`~migration_guard.runners.postgres.server`: a server in a temporary (or cached) folder,
  started and always stopped; as root it runs as :mod:`~migration_guard.runners.postgres.accounts`
  says.
- :mod:`~migration_guard.runners.postgres.databases`: create, clone, drop and query databases
  on a running server, and their URLs.
"""
