"""Decision: committee rules from votes, and coaching feedback from the reviews."""
