"""The repository: refs, merge-bases, trees at a commit, the index, the paths git names.

Separate because git is one of the outside worlds the tool talks to: callers go through
one module with one error wording instead of running git themselves.
"""
