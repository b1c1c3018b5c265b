"""What the integrity check reports: the signal ids of its concerns (`is_injection`
tells them apart from the library's), a `Finding` (one flagged span with its reason)
and the limits on how many findings and how long a quote."""

from __future__ import annotations

from dataclasses import dataclass

SIGNAL_ID = "prompt-injection"
HIDDEN = "prompt-injection-hidden"
FAKE_SECTION = "prompt-injection-fake-section"
OBFUSCATED = "prompt-injection-obfuscated"
SIGNAL_IDS = (SIGNAL_ID, HIDDEN, FAKE_SECTION, OBFUSCATED)
MAX_QUOTE = 600
MAX_FINDINGS = 100


def is_injection(signal: str) -> bool:
    """Whether an evidence signal id is an integrity (prompt-injection) concern."""
    return "injection" in signal


@dataclass(frozen=True)
class Finding:
    """One flagged span of the packet text, with the reason (for tests and debugging)."""

    signal: str
    start: int
    end: int
    reason: str
