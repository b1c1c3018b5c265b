"""Store: runs, revisions, studies and checkpoints in SQLite or PostgreSQL."""
