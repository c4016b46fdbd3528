"""``init``: detect a repository's layout and write the settings, hook entry and workflow."""
