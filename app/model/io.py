"""Reading threat-model files with one-line, user-facing errors."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from app.model.threat_model import ThreatModel

MAX_MODEL_BYTES = 50 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file cannot be used; the message names the file and the field."""


def describe_validation_error(exc: ValidationError) -> str:
    """The first error as 'field.path: message' (+ how many more)."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_model_json(text: str, name: str = "model") -> ThreatModel:
    """Validate JSON text as a ThreatModel; ModelFileError on any problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise ModelFileError(f"{name}: expected a JSON object at the top level")
    version = data.get("schema_version")
    if version is not None and not isinstance(version, str):
        raise ModelFileError(f"{name}: schema_version must be a string")
    try:
        return ThreatModel.model_validate(data)
    except ValidationError as exc:
        raise ModelFileError(f"{name}: {describe_validation_error(exc)}") from exc


def load_model_file(path: Path) -> ThreatModel:
    """Read and validate a model JSON file."""
    try:
        if path.stat().st_size > MAX_MODEL_BYTES:
            raise ModelFileError(f"{path}: file is larger than {MAX_MODEL_BYTES // (1024 * 1024)} MB")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"{path}: no such file") from exc
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{path}: not a text file (invalid UTF-8 at byte {exc.start})") from exc
    return parse_model_json(text, str(path))
