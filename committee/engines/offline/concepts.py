"""Named synonym groups that cues in the signal library may use as `{name}`.

A cue's concept group is a regular expression; writing the same vocabulary into
several signals by hand (every way to say "paid tier", "content filter", "loosen")
is how cues drift apart and miss paraphrases. A group written `{safeguard}` in
`scenarios/signals.yaml` expands to `(?:...)` with the vocabulary of that name in
`scenarios/concepts.yaml` (data, read by `catalog.load_concepts`). Names are
lower-case letters and underscores only, so regex quantifiers such as `{0,3}` are
never mistaken for a concept. An unknown name is left as it is (and matches only its
literal text), so a library with a typo degrades instead of failing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from committee.catalog import load_concepts

_NAME_RE = re.compile(r"\{([a-z_]+)\}")


@lru_cache(maxsize=1)
def concepts() -> dict[str, str]:
    """The concept vocabulary for this process: name -> regular expression (cached)."""
    return load_concepts()


def __getattr__(name: str):
    if name == "CONCEPTS":  # the vocabulary as a module attribute, read on first use
        return concepts()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def expand(pattern: str) -> str:
    """`pattern` with every `{name}` of a known concept replaced by its vocabulary."""
    vocab = concepts()
    return _NAME_RE.sub(lambda m: f"(?:{vocab[m.group(1)]})" if m.group(1) in vocab else m.group(0), pattern)
