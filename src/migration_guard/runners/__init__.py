"""Where migrations are executed: every job that runs the project's Alembic against a database.

One interface, three commands (``new``, ``drift``/``check``, ``trace``):

- :mod:`~migration_guard.runners.process`: every Python child of ours (these jobs, and the
  offline render's children in :mod:`migration_guard.render`) is started, handed its work, timed
  out, interrupted (its process group killed) and reported (its error, not its last line) there.
- :mod:`~migration_guard.runners.child`: a job is a module with ``job(request) -> result`` run in
  a child process pinned to one throwaway database (``run_job``, or ``PreparedJob`` started ahead
  of its database); :mod:`~migration_guard.runners.pinned` does the pinning. Requests and
  results are dataclasses with ``to_json``/``from_json`` beside each job.
- The local throwaway PostgreSQL: the :mod:`~migration_guard.runners.postgres` package (its
  ``binaries``, a ``server`` started and always stopped, run as ``accounts`` says under root,
  and the ``databases`` on it), :mod:`~migration_guard.runners.cluster` (the cached cluster),
  :mod:`~migration_guard.runners.templates` (its history templates),
  :mod:`~migration_guard.runners.throwaway` (a database at any revision), with
  :mod:`~migration_guard.runners.cache_folders` for the root-safe cache.
- Docker compose: :mod:`~migration_guard.runners.docker` (the seed's commands in the backend
  service) and :mod:`~migration_guard.runners.compose_jobs` (our jobs there, on a throwaway
  database of the db service).
- Which of the two runs ``new``'s autogenerate: :mod:`~migration_guard.runners.choice`.
- The jobs: :mod:`~migration_guard.runners.autogen_worker` (``new``, driven by
  :mod:`~migration_guard.runners.local`; the command's steps are ``commands/new_*.py``),
  :mod:`~migration_guard.runners.drift` / :mod:`~migration_guard.runners.drift_worker` (drift),
  :mod:`~migration_guard.runners.trace` / :mod:`~migration_guard.runners.trace_worker` with
  :mod:`~migration_guard.runners.trace_observe` and :mod:`~migration_guard.runners.seed` (trace).

Nothing else runs migrations. Offline rendering (no database at all) lives in
:mod:`migration_guard.render`; the trees a job runs in are built by
:mod:`migration_guard.commands.new_overlay` (``new``) and :mod:`migration_guard.tree_export`
(drift, the hook); :mod:`migration_guard.models_diff` reads model files with ``ast`` and
:mod:`migration_guard.hookfast` decides from the staged file names and the config, neither
touching a database.
"""
