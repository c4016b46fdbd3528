"""The static revision graph: revision files read with ``ast``, never imported."""
