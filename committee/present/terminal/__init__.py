"""Terminal rendering with rich, the one home of the CLI's output: `run` (a run's
report, its live progress, a replay), `history` (runs, revisions, comparisons),
`catalog` (personas, scenarios) and `studies` (the trust studies and their progress
bar). Each renderer takes models or records and a console, and prints."""
