"""The fix stage: findings with a mechanical remedy → the revision file rewritten into the safe
pattern (``migration-guard fix``, and ``fix = "hook"`` for generated revisions).

Flow: ``apply.fix_file`` groups a file's findings by ``op.`` line, asks ``registry`` for each
rule's recipe (one module a recipe, its docstring its documentation), and lets libcst replace
just those statements (``calls``); ``downgrade()`` is kept consistent by each recipe's
counterpart. Nothing here runs a migration: the tests prove each recipe on PostgreSQL.
"""
