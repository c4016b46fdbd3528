"""The check flow: the revision graph's problems, then lint (and trace) of the chosen
revisions and drift of the committed models, judged together into one report.

``check`` (the pull request) and the hook (the staged revisions) both run it; it is a flow of
its own so neither verb reaches into the other, and so the fail-closed rules (a stage that could
not run still writes every output; a revision that could not be judged is an error) have one
home.
"""
