"""Prompt files (`prompts/*.yaml`) loaded into a strict model that reports every missing variable at once."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.yamlfile import read_yaml

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


class PromptError(ValueError):
    """A prompt file is malformed, or rendering lacks variables."""


class PromptSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z_]+$")
    description: str = Field(min_length=5)
    system: str = Field(min_length=20)
    template: str = Field(min_length=5)
    variables: list[str] = Field(description="Every {placeholder} the template uses, no more.")
    output_contract: str = Field(description="Name of the pydantic model the reply must validate against.")

    @model_validator(mode="after")
    def _declared(self) -> PromptSpec:
        used = placeholders(self.template) | placeholders(self.system)
        declared = set(self.variables)
        if used != declared:
            raise ValueError(f"{self.name}: declared {sorted(declared)} but the text uses {sorted(used)}")
        return self

    def render(self, **values: str) -> tuple[str, str]:
        missing = sorted(set(self.variables) - set(values))
        if missing:
            raise PromptError(f"prompt {self.name} is missing variables: {', '.join(missing)}")
        return self.system.format_map(values), self.template.format_map(values)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def load_prompts(directory: Path = PROMPTS_DIR) -> dict[str, PromptSpec]:
    prompts: dict[str, PromptSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            spec = PromptSpec.model_validate(read_yaml(path))
        except Exception as exc:
            raise PromptError(f"{path}: {exc}") from exc
        prompts[spec.name] = spec
    return prompts


@lru_cache(maxsize=1)
def get_prompts() -> dict[str, PromptSpec]:
    return load_prompts()
