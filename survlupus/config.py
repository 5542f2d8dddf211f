"""Analysis configuration from TOML: which endpoints, definition overrides, window.

Every key is checked; an unknown key is an error that names it (``derive.windw_days``), and a value
of the wrong type names the key and the expected type.

```toml
[derive]
window_days = 183           # analysis window (days from day 1)
all_subjects = false        # derive subgroup endpoints for everybody
endpoints = ["TTSFLR", "TTRFLR", "TTCR"]   # default: all ten
variants = ["classic_sfi"]  # add published variants (see survlupus.VARIANTS)

[definitions.TTRFLR]        # override any field of a definition
confirm_days = 28
creatinine_factor = 1.25
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from survlupus.endpoints.adtte import DEFAULT_WINDOW_DAYS, VARIANTS, default_endpoints
from survlupus.endpoints.base import Endpoint


class ConfigError(ValueError):
    """A configuration file or mapping that cannot be used; the message names the key."""


@dataclass(frozen=True)
class DeriveConfig:
    window_days: int = DEFAULT_WINDOW_DAYS
    all_subjects: bool = False
    endpoints: tuple[Endpoint, ...] = ()


_DERIVE_KEYS = {"window_days": int, "all_subjects": bool, "endpoints": list, "variants": list}


def _check_type(key: str, value: Any, expected: type) -> None:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ConfigError(f"{key}: expected {expected.__name__}, got {value!r}")


def override(definition: Endpoint, values: dict[str, Any], where: str) -> Endpoint:
    """A copy of ``definition`` with fields replaced; unknown fields and wrong types raise."""
    known = {f.name: f for f in fields(definition)}
    changes = {}
    for key, value in values.items():
        if key not in known or key in ("paramcd",):
            allowed = ", ".join(sorted(k for k in known if k != "paramcd"))
            raise ConfigError(
                f"{where}.{key}: unknown setting of {type(definition).__name__}; known: {allowed}"
            )
        current = getattr(definition, key)
        if current is None:
            expected = int if key.endswith("_days") else str
            if value is not None:
                _check_type(f"{where}.{key}", value, expected)
        elif isinstance(current, bool):
            _check_type(f"{where}.{key}", value, bool)
        elif isinstance(current, (int, float, str)):
            _check_type(f"{where}.{key}", value, type(current))
        elif isinstance(current, tuple):
            _check_type(f"{where}.{key}", value, list)
            value = tuple(value)
        else:
            raise ConfigError(f"{where}.{key}: cannot be set from a config file")
        changes[key] = value
    return replace(definition, **changes)


def derive_config(data: dict[str, Any] | None) -> DeriveConfig:
    """Validate a parsed config mapping (the ``[derive]`` and ``[definitions]`` tables)."""
    data = dict(data or {})
    derive = data.pop("derive", {})
    definitions = data.pop("definitions", {})
    for key in data:
        if key != "report":  # read by report_config
            raise ConfigError(f"{key}: unknown section; known: derive, definitions, report")
    for key, value in derive.items():
        if key not in _DERIVE_KEYS:
            raise ConfigError(f"derive.{key}: unknown key; known: {', '.join(_DERIVE_KEYS)}")
        _check_type(f"derive.{key}", value, _DERIVE_KEYS[key])
    library = {e.paramcd: e for e in default_endpoints()}
    for name in derive.get("variants", []):
        if name not in VARIANTS:
            raise ConfigError(
                f"derive.variants: unknown variant {name!r}; known: " + ", ".join(VARIANTS)
            )
        library[VARIANTS[name].paramcd] = VARIANTS[name]
    chosen = derive.get("endpoints", [e.paramcd for e in default_endpoints()])
    chosen = list(chosen) + [
        VARIANTS[n].paramcd for n in derive.get("variants", []) if VARIANTS[n].paramcd not in chosen
    ]
    for code in chosen:
        if code not in library:
            raise ConfigError(
                f"derive.endpoints: unknown PARAMCD {code!r}; known: " + ", ".join(library)
            )
    for code, values in definitions.items():
        if code not in library:
            raise ConfigError(f"definitions.{code}: unknown PARAMCD; known: {', '.join(library)}")
        if not isinstance(values, dict):
            raise ConfigError(f"definitions.{code}: expected a table of settings")
        library[code] = override(library[code], values, f"definitions.{code}")
    return DeriveConfig(
        window_days=derive.get("window_days", DEFAULT_WINDOW_DAYS),
        all_subjects=derive.get("all_subjects", False),
        endpoints=tuple(library[c] for c in chosen),
    )


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: what the report shows. Defaults reproduce the CS20AT04 outcome measures."""

    title: str = ""
    reference_arm: str | None = None
    landmark_days: tuple[int, ...] = (85, 169)
    visit: str = "W24"
    schedule: str = "cs20at04"
    missing: str = "non-responder"
    competing: str = "TTDTH"
    style: str = "publication"
    trajectories: tuple[str, ...] = (
        "creatinine_umol_l",
        "upcr_g_g",
        "platelets_10e9_l",
        "hemoglobin_g_dl",
        "pred_eq_mg_day",
    )
    figure_formats: tuple[str, ...] = ("pdf", "svg", "png")
    dpi: int = 200


@dataclass(frozen=True)
class Config:
    derive: DeriveConfig
    report: ReportConfig


_REPORT_TYPES = {
    "title": str,
    "reference_arm": str,
    "landmark_days": list,
    "visit": str,
    "schedule": str,
    "missing": str,
    "competing": str,
    "style": str,
    "trajectories": list,
    "figure_formats": list,
    "dpi": int,
}


def report_config(data: dict[str, Any] | None) -> Config:
    """Validate a whole config mapping: ``[derive]``, ``[definitions]`` and ``[report]``."""
    data = dict(data or {})
    section = data.pop("report", {})
    if not isinstance(section, dict):
        raise ConfigError("report: expected a table of settings")
    for key, value in section.items():
        if key not in _REPORT_TYPES:
            raise ConfigError(f"report.{key}: unknown key; known: {', '.join(_REPORT_TYPES)}")
        _check_type(f"report.{key}", value, _REPORT_TYPES[key])
    choices = {
        "schedule": ("cs20at04", "musc", "nanjing"),
        "missing": ("non-responder", "observed"),
        "style": ("publication", "presentation"),
    }
    for key, allowed in choices.items():
        if key in section and section[key] not in allowed:
            raise ConfigError(f"report.{key}: {section[key]!r} is not one of {allowed}")
    for key in ("landmark_days", "trajectories", "figure_formats"):
        if key in section:
            section[key] = tuple(section[key])
    return Config(derive_config(data), ReportConfig(**section))


def load_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
