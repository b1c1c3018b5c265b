"""Intake: a packet file's bytes -> a checked `Packet` (formats, front matter, sections, integrity)."""
