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
        if key not in ("report", "analysis", "figures"):  # sections read by other commands
            raise ConfigError(f"{key}: unknown section; known: derive, definitions")
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


def load_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
