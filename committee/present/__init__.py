"""Presentation, the last step of the flow (intake -> graph -> engines -> decision ->
store -> present): `terminal` renders results, listings and progress with rich for the
CLI; `export` writes one stored run as a Markdown, HTML or JSON report. Nothing here
decides anything."""
