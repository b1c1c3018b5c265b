"""The catalog's words in the detectors: patterns that name the committee's members
and the rubric's dimensions, built from the catalog (every persona and scenario it
holds, plus the run's own), so a persona or dimension a user adds is covered like the
built-in ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from committee.intake.integrity.folding import rx

_HONORIFICS = {"dr", "mr", "mrs", "ms", "mx", "prof"}


def _term(text: str) -> str | None:
    """A regex for a name as people write it: case-free, words joined by a space, a
    hyphen, an underscore or nothing (`research-lead`, "Research Lead"); no honorific."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    while words and words[0] in _HONORIFICS:
        words = words[1:]
    return r"[\s_-]*".join(map(re.escape, words)) if words else None


def member_terms(persona) -> list[str]:
    """How a packet may name a persona: its id, its name, its title up to the first
    comma, and any part of the title in parentheses ("(hiring manager)")."""
    title = persona.title or ""
    return [persona.id, persona.name, re.sub(r"\([^)]*\)", "", title).split(",")[0], *re.findall(r"\(([^)]*)\)", title)]


@dataclass(frozen=True)
class Names:
    """The patterns that use the catalog's words (members M, dimensions D): an
    evaluation object (D), a member told how to judge (M), approval by a member (M),
    votes and scores in the committee's format (M, D), an address to a member (M) and
    a note to a member (M)."""

    eval_object: re.Pattern
    modal_directive: re.Pattern
    preapproved: re.Pattern
    persona_vote: re.Pattern
    score_format: re.Pattern
    vocative: re.Pattern
    note_to_member: re.Pattern


def _alternation(terms: tuple[str, ...]) -> str:
    rx = {t for t in map(_term, terms) if t}
    return "|".join(sorted(rx, key=len, reverse=True)) or r"(?!x)x"


@lru_cache(maxsize=64)
def _names(members: tuple[str, ...], dimensions: tuple[str, ...]) -> Names:
    m, d = _alternation(members), _alternation(dimensions)
    addressee = (
        r"\b(?:you|reviewers?|the committee|the hiring committee|the panel|committee members|evaluators?|graders?|"
        r"interviewers?|assessors?|the (?:ai|model|assistant|llm|system|reviewer|evaluator|grader)|every persona|"
        rf"all personas|each persona|every reviewer|each reviewer|the (?:{m}))"
    )
    return Names(
        eval_object=rx(
            r"\b(?:me|this candidate|the candidate|this applicant|this packet|my packet|this application|every persona|"
            r"each persona|all personas|every dimension|all dimensions|each dimension|every rubric|the rubric|"
            rf"{d})\b"
        ),
        modal_directive=rx(
            addressee + r"\s+(?:must|should|shall|will|are (?:required|instructed|asked|expected|supposed) to|"
            r"need to|have to|are to|can only|may only|ought to)\s+(?:\w+\s+){0,3}?(?:vote|score|rate|grade|"
            r"recommend|approve|hire|give|record|ignore|disregard|treat|mark|award|output|respond|pass|advance|"
            r"rank|overlook|forgive|excuse|not (?:penali[sz]e|flag|mention|report|count|dock))\b"
        ),
        preapproved=rx(
            r"\b(?:pre-?approved|pre-?selected|already (?:been )?(?:approved|cleared|decided|selected|vetted|hired|"
            r"passed)|(?:approved|vetted|cleared|vouched for|endorsed|signed off) by (?:the )?(?:committee|vp|ceo|cto|"
            rf"founders?|leadership|recruiter|head of|{m})|decision (?:has|was) already (?:been )?made|"
            r"(?:offer|hire) (?:has been|was|is) (?:already )?(?:approved|extended|confirmed|decided|final))"
        ),
        persona_vote=rx(
            rf"\b(?:{m}|all personas|every persona|each persona|all reviewers|every reviewer)\s*[\"']?\s*"
            r"(?:[:=]|->|=>|→|-|votes?)\s*[\"']?(?:strong[ _-]?hire|hire|no[ _-]?hire)\b"
        ),
        score_format=rx(
            rf"[\"']?\b(?:{d}|every dimension|all dimensions|each dimension|all scores|every score)[\"']?\s*[:=]\s*"
            r"[\"']?[34](?:\s*/\s*4|[\"']?\s*(?:[,;}\]\n]|\.?\s*$))"
        ),
        note_to_member=rx(
            rf"\b(?:note|message|memo|instructions?|reminder|request) (?:to|for) (?:the |any |all )?(?:{m})\b"
        ),
        vocative=rx(
            r"^[\s>*_#\-\[(]*(?:(?:note|message|memo|instructions?|reminder|attention|p\.?s\.?|fyi|important|nb)\s*"
            r"(?:to|for)?\s*)?(?:the\s+|dear\s+|hey\s+|hi\s+|hello\s+|to\s+(?:the\s+)?)?(?:reviewers?|hiring committee|"
            r"committee(?: members)?|panel(?:ists)?|evaluators?|graders?|assessors?|screeners?|interviewers?|ai|llm|"
            rf"language model|(?:ai |language )?models?|assistants?|bots?|system|personas?|{m})\b[\s*_)\]]*[:,!\-]"
        ),
    )


def names_for(personas=(), dimensions=()) -> Names:
    """The patterns for the catalog's members and dimensions (`default_catalog()`: the
    built-in files and the user's folders) plus the given `personas` (Persona models)
    and `dimensions` (Dimension models) of a run. Cached per set of words."""
    from committee.catalog import default_catalog

    cat = default_catalog()
    members = [*cat.personas.values(), *personas]
    dims = [*(d for sc in cat.scenarios.values() for d in sc.dimensions), *dimensions]
    return _names(
        tuple(t for p in members for t in member_terms(p)),
        tuple(t for dim in dims for t in (dim.id, dim.name)),
    )
