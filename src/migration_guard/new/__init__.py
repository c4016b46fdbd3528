"""The ``new`` flow: the seed's five steps, from the changed model files to a generated,
linted revision moved into the user's tree, with the autogenerate job it runs.

Separate from ``commands/`` because the steps are a flow of their own that the hook also
runs; the ``new`` command only parses its arguments and calls it.
"""
