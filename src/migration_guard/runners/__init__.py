"""Where migrations run: a throwaway PostgreSQL, the local Python, docker compose."""
