"""The drift flow: do the models match the migration history of the same tree?

The parent side (exporting the tree, locating what the models lack in the revision files)
and the child side (the compare job run on a throwaway database) live together here so
the drift check can be read in one folder; where a job runs is ``runners/``.
"""
