"""The trace flow: revisions run on a throwaway database, up, down and up again, with what
PostgreSQL did observed from its catalogue and judged.

The parent side (choosing revisions, turning observations into findings) and the child
side (the job, its watchdog, its observations and ``--seed``'s rows) live together here
so trace can be read in one folder; where a job runs is ``runners/``.
"""
