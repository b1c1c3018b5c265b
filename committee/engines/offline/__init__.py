"""The offline engine: deterministic, no network, no key; the default for every user
and every test. See README.md in this folder for the method and its measurements."""

from committee.engines.offline.engine import OfflineEngine

__all__ = ["OfflineEngine"]
