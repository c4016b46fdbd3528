"""Where a job runs: a child process pinned to a throwaway database, on the local cached
PostgreSQL or inside the project's compose services.

Separate because ``new``, drift and trace all run the project's Alembic against a database
the same way; each flow keeps its own job (``new/``, ``drift/``, ``trace/``) and reaches
the database only through here: the pinned child and its protocol, the server, the cached
cluster and its history templates, docker compose, and the progress lines shown while
waiting. Offline rendering (no database at all) is ``render/``.
"""
