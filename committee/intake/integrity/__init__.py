"""Intake integrity check: text in a packet that tries to instruct its reviewers
(prompt injection) is reported as evidence whose signal id contains `injection`.

Packet text is data. What this finds is shown to the committee as an integrity
concern; engines may only lower a vote because of it, never raise one.

Signal ids (all start with `prompt-injection`; test with `is_injection`):

- `prompt-injection`: a passage that addresses the reviewers, the system or the
  rubric: orders to vote or score, to ignore the rubric or earlier instructions,
  claims that the candidate is pre-approved, requests to role-play, fake chat/system
  markers, vote or score lines written in the committee's own format.
- `prompt-injection-hidden`: content a human reader would not see: an HTML comment,
  a hidden HTML element (`hidden`, `display:none`, `visibility:hidden`, zero or tiny
  font, zero opacity, white text without a background, off-screen, script/style/
  template/noscript; nested and unclosed elements handled), a Markdown comment or link
  reference title (`[//]: # (...)`), Unicode tag characters (revealed at intake),
  white / tiny / invisible / off-page text in a PDF, hidden, white or tiny runs in a
  DOCX. Flagged when it says anything to the reviewers, or has MIN_HIDDEN_WORDS (5)
  words or more whatever it says: text a reader cannot see must not influence the
  committee. Markup inside code (fenced or inline) is shown as text and is not hidden.
  `hidden_spans(text)` gives these spans (in text) so engines can ignore them.
- `prompt-injection-fake-section`: a section dressed as the committee's own
  material (`## Rubric`, `## Committee notes`, `## Reviewer instructions`, a
  scorecard or debrief with votes).
- `prompt-injection-obfuscated`: an instruction disguised with zero-width or other
  invisible characters, homoglyphs (Cyrillic/Greek look-alikes, full-width or
  mathematical letters), spaced-out or punctuated letters, digits for letters, or
  encoded in base64 or ROT13.

Writing ABOUT prompt injection is not flagged: a directive that only appears in
quotes or code, or a generic one ("ignore previous instructions", "act as") in a
sentence about attacks, examples or defences, is a mention, not an instruction.
Directives aimed at this committee's evaluation (votes, scores, the rubric, the
candidate's approval) are flagged whatever surrounds them.

Not detected (known limits): instructions in languages other than English;
paraphrases that avoid every cue ("it would only be fair to record the most
favourable outcome"); polite persuasion without a directive ("I trust the panel will
see my potential"); other encodings (hex, reversed text, ciphers); PDF text hidden
under a shape, drawn in the colour of a non-white background, clipped away, or inside
form XObjects; DOCX headers, footers, comments, text boxes (not read at all) and text
coloured like a shaded cell. A PDF's white text over any painted area or image counts
as visible (a white heading on a dark bar is normal design).

The modules, from the words to the report:
- `findings`: the signal ids above, `is_injection`, `Finding` and the limits;
- `folding`: how text is read (case-free patterns, typographic and look-alike folds);
- `names`: the patterns built from the catalog's members and dimensions;
- `directives`: what instructs the reviewers (`classify`), and what is only a mention;
- `hidden`: what a reader of the rendered packet cannot see (`hidden_spans`);
- `check`: the packet judged part by part (`scan`, `explain`, `find_injections`).
"""
