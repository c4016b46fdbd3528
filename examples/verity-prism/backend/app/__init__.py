"""The Verity Prism backend."""
