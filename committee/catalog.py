"""Loading and validating the data files: personas/, scenarios/ and the signal library.

Search path (later entries override earlier ones by id, so a user can shadow a
built-in persona or add a fifth one without touching the install):

1. the built-in folders (`personas/`, `scenarios/` beside the package in a checkout,
   or `committee/_builtin/` in an installed wheel);
2. `<user config dir>/committee/personas|scenarios` (platformdirs);
3. every folder in `COMMITTEE_PERSONAS` / `COMMITTEE_SCENARIOS` (os.pathsep-separated).

Files are YAML (`.yaml`/`.yml`). `scenarios/signals.yaml` (the signal library) and
`scenarios/concepts.yaml` (the concept vocabulary its cues use) are libraries, not
scenarios. Every file is validated by its pydantic model with `extra="forbid"`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import platformdirs
import yaml
from pydantic import ValidationError

from committee.engines import ENGINES
from committee.errors import BadInput, pydantic_summary
from committee.models import ConceptLibrary, EngineSignal, Persona, Scenario, Signal

SIGNAL_LIBRARY = "signals.yaml"
CONCEPT_LIBRARY = "concepts.yaml"
LIBRARIES = (SIGNAL_LIBRARY, CONCEPT_LIBRARY)  # files in scenarios/ that are not scenarios


def _builtin(kind: str) -> Path:
    here = Path(__file__).resolve().parent
    checkout = here.parent / kind
    return checkout if checkout.is_dir() else here / "_builtin" / kind


def search_path(kind: str) -> list[Path]:
    """Folders searched for `kind` ("personas" or "scenarios"), lowest priority first."""
    env = {"personas": "COMMITTEE_PERSONAS", "scenarios": "COMMITTEE_SCENARIOS"}[kind]
    dirs = [_builtin(kind), Path(platformdirs.user_config_dir("committee")) / kind]
    dirs += [Path(p) for p in os.environ.get(env, "").split(os.pathsep) if p]
    return [d for d in dirs if d.is_dir()]


def load_yaml(path: Path, loader: type | None = None):
    """The YAML data in the file at `path` (safe loading; the C loader when libyaml is
    there: the signal library parses in ~4 ms instead of ~100), or with `loader` (a
    PyYAML loader class, e.g. the answers' text-only one). Raises BadInput naming the
    file when it cannot be read or parsed; a parse error names its line, column and
    the parser's problem (`yaml_problem`). The one reader of the project's YAML files
    (catalog, calibration manifests, probe substitutions, answers)."""
    try:
        return yaml.load(
            path.read_text(encoding="utf-8"), Loader=loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.MarkedYAMLError as exc:
        raise BadInput(f"{path}: {yaml_problem(exc)}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise BadInput(f"{path}: cannot read YAML ({exc.__class__.__name__})") from exc


def yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """A parse error as one line: "cannot read YAML at line L, column C: <problem>"
    (1-based, where the parser found it), with a hint to quote a value holding ": "
    when that is the likely cause (PyYAML: "mapping values are not allowed ...")."""
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = exc.problem or exc.context or exc.__class__.__name__
    hint = ""
    if "mapping values are not allowed" in problem:
        hint = (
            ' (a value with ": " in it must be quoted, "like: this", or written as a block: '
            "`key: |` with the text indented on the lines below)"
        )
    return f"cannot read YAML{where}: {problem}{hint}"


def _read_yaml(path: Path) -> dict:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a mapping at the top level")
    return data


def _validate(model, data: dict, path: Path):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{path}: {pydantic_summary(exc, limit=1, top='(top level)')}") from exc


def _yaml_files(kind: str) -> list[Path]:
    files: list[Path] = []
    for folder in search_path(kind):
        files += sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.name not in LIBRARIES)
    return files


@dataclass(frozen=True)
class Catalog:
    """Everything the committee knows: personas, scenarios and signals by id, the
    engines' own evidence ids, and the defaults read from the data: `default_panel`
    (every persona, ordered by its `seat:`, then id) and `default_scenario` (the
    scenario marked `default: true`; None when none is)."""

    personas: dict[str, Persona]
    scenarios: dict[str, Scenario]
    signals: dict[str, Signal]
    engine_signals: dict[str, EngineSignal] = field(default_factory=dict)
    default_panel: list[str] = field(default_factory=list)
    default_scenario: str | None = None

    def persona(self, pid: str) -> Persona:
        """Raises BadInput naming the known ids when `pid` is unknown."""
        if pid not in self.personas:
            raise BadInput(f"unknown persona {pid!r} (known: {', '.join(sorted(self.personas))})")
        return self.personas[pid]

    def scenario(self, sid: str | None) -> Scenario:
        """The scenario `sid`, or the default scenario for None (or ""). Raises BadInput naming
        the known ids when `sid` is unknown, or when it is None and no scenario is the
        default."""
        if not sid:
            if self.default_scenario is None:
                raise BadInput("no scenario given and none is the default (mark one scenario file `default: true`)")
            sid = self.default_scenario
        if sid not in self.scenarios:
            raise BadInput(f"unknown scenario {sid!r} (known: {', '.join(sorted(self.scenarios))})")
        return self.scenarios[sid]

    def scenario_signals(self, scenario: Scenario) -> list[Signal]:
        return [self.signals[s] for s in scenario.signals]


def _library_items(key: str, model) -> dict:
    """The `key:` list of every signal library on the search path, validated by `model`,
    by id (a later folder overrides an earlier one)."""
    items: dict = {}
    for folder in search_path("scenarios"):
        path = folder / SIGNAL_LIBRARY
        if path.is_file():
            for item in _read_yaml(path).get(key) or []:
                obj = _validate(model, item, path)
                items[obj.id] = obj
    return items


def load_signals() -> dict[str, Signal]:
    """The signal library (`signals:` of every `signals.yaml` on the search path), by id."""
    signals = _library_items("signals", Signal)
    if not signals:
        raise BadInput("no signal library found (scenarios/signals.yaml)")
    return signals


def load_engine_signals(signals: dict[str, Signal]) -> dict[str, EngineSignal]:
    """The engines' own evidence ids (`engine_signals:` of the signal libraries), by id.
    Raises BadInput when one shadows a library signal or names an unknown signal in
    `not_read_as` / `requires`."""
    own = _library_items("engine_signals", EngineSignal)
    for e in own.values():
        if e.id in signals:
            raise BadInput(f"{SIGNAL_LIBRARY}: engine signal {e.id!r} is also a library signal")
        for ref in [*e.not_read_as, *([e.requires] if e.requires else [])]:
            if ref not in signals and ref not in own:
                raise BadInput(f"{SIGNAL_LIBRARY}: engine signal {e.id!r} names unknown signal {ref!r}")
    return own


def load_concepts() -> dict[str, str]:
    """The concept vocabulary (`concepts.yaml` of every scenarios folder on the search
    path; a later folder adds concepts or replaces one by name): name -> regular
    expression. Raises BadInput naming the file for an invalid name or pattern."""
    concepts: dict[str, str] = {}
    for folder in search_path("scenarios"):
        path = folder / CONCEPT_LIBRARY
        if path.is_file():
            lib = _validate(ConceptLibrary, _read_yaml(path), path)
            concepts.update({name: "".join(parts) for name, parts in lib.concepts.items()})
    return concepts


def load_catalog() -> Catalog:
    """Load and cross-check all data files. Raises BadInput with the file and field
    for any invalid file, or a persona/scenario naming an unknown signal, dimension or
    (persona `engine:`) engine."""
    signals = load_signals()
    personas: dict[str, Persona] = {}
    persona_paths: dict[str, Path] = {}
    for path in _yaml_files("personas"):
        p = _validate(Persona, _read_yaml(path), path)
        for sid in [*p.signal_weights, *p.hard_lines]:
            if sid not in signals:
                raise BadInput(f"{path}: unknown signal id {sid!r}")
        if p.engine is not None and p.engine not in ENGINES:
            raise BadInput(f"{path}: engine: unknown engine {p.engine!r} (known: {', '.join(ENGINES)})")
        personas[p.id] = p
        persona_paths[p.id] = path
    scenarios: dict[str, Scenario] = {}
    for path in _yaml_files("scenarios"):
        s = _validate(Scenario, _read_yaml(path), path)
        for sid in s.signals:
            if sid not in signals:
                raise BadInput(f"{path}: unknown signal id {sid!r}")
        dims = {d.id for d in s.dimensions}
        for sid in s.signals:
            if signals[sid].dimension not in dims:
                raise BadInput(
                    f"{path}: signal {sid!r} bears on dimension {signals[sid].dimension!r}, which this rubric lacks"
                )
        scenarios[s.id] = s
    known_dims = {d.id for s in scenarios.values() for d in s.dimensions}
    for pid, p in personas.items():
        for dim in p.weights:  # a typo here would silently weigh a dimension 0
            if known_dims and dim not in known_dims:
                raise BadInput(
                    f"{persona_paths[pid]}: weights: unknown dimension {dim!r} (known: {', '.join(sorted(known_dims))})"
                )
    defaults = [s.id for s in scenarios.values() if s.default]
    if len(defaults) > 1:
        raise BadInput(f"several scenarios are marked default: {', '.join(defaults)} (keep `default: true` in one)")
    return Catalog(
        personas=personas,
        scenarios=scenarios,
        signals=signals,
        engine_signals=load_engine_signals(signals),
        default_panel=[p.id for p in sorted(personas.values(), key=lambda p: (p.seat is None, p.seat or 0, p.id))],
        default_scenario=defaults[0] if defaults else None,
    )


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The catalog for this process (cached; call `default_catalog.cache_clear()` after
    changing the environment in tests)."""
    return load_catalog()
