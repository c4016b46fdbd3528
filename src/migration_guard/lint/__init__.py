"""The lint flow: chosen revisions rendered offline, their SQL read into facts, the rules run
over the facts with suppressions and severities applied, findings out.

Separate from ``rules/`` because the rules only judge facts; choosing revisions, rendering,
what the project's earlier history tells the rules, suppressions and the fallback of
running a revision that cannot be rendered are this flow's job.
"""
