"""Cost of a call from an adapter's price table (`<adapter>/pricing.yaml`: data with its
source and the date it was checked). USD per million tokens."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from committee.catalog import load_yaml

PRICES = Path(__file__).parents[1] / "anthropic" / "pricing.yaml"
PER = 1_000_000


class Rates(BaseModel):
    """Dollars per million tokens; finite and not negative (pricing.yaml is user-editable)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float = Field(ge=0)
    cache_read: float = Field(ge=0)


class LongPrompt(Rates):
    threshold_tokens: int = Field(gt=0)


class ModelPrice(Rates):
    long_prompt: LongPrompt | None = None


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    checked: dt.date
    currency: str = "USD"
    models: dict[str, ModelPrice]
    aliases: dict[str, str] = Field(default_factory=dict)

    def price(self, model: str) -> ModelPrice | None:
        """Rates of `model` (a listed id or alias; a `[1m]`-style suffix is ignored)."""
        base = model.split("[", 1)[0]
        base = self.aliases.get(base, base)
        return self.models.get(base)


@lru_cache(maxsize=4)
def price_table(path: Path = PRICES) -> PriceTable:
    """The validated price table at `path` (cached; read by `catalog.load_yaml`, the C
    loader when libyaml is there). Raises pydantic ValidationError, or BadInput naming
    the file when it cannot be read or parsed."""
    return PriceTable.model_validate(load_yaml(path))


def cost_usd(
    model: str,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_creation_input_tokens: int = 0,
    cache_read_input_tokens: int = 0,
    table: PriceTable | None = None,
) -> float | None:
    """USD cost of one request, or None when the model has no price in the table."""
    p = (table or price_table()).price(model)
    if p is None:
        return None
    rates: Rates = p
    prompt = input_tokens + cache_creation_input_tokens + cache_read_input_tokens
    if p.long_prompt is not None and prompt > p.long_prompt.threshold_tokens:
        rates = p.long_prompt
    return (
        input_tokens * rates.input
        + output_tokens * rates.output
        + cache_creation_input_tokens * rates.cache_write
        + cache_read_input_tokens * rates.cache_read
    ) / PER
