"""Numpy-style field sections for the dataclasses users build or read (definitions, plans,
results): written from the fields themselves, so they cannot drift from the code.

>>> from dataclasses import dataclass
>>> @dataclass
... class Rule:
...     '''A rule.'''
...     k: int = 4
>>> print(with_fields(Rule).__doc__.splitlines()[-1])
    k : int, default 4
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass


def _default(f) -> str:
    if f.default is not MISSING:
        text = repr(f.default)
        return f", default {text}" if len(text) <= 60 else ", default: see the class"
    if f.default_factory is not MISSING:  # type: ignore[misc]
        return ", default: empty"
    return ""


def with_fields(cls, heading: str = "Parameters", example: str | None = None):
    """Append a ``heading`` section (one line per dataclass field: name, type, default) and an
    optional ``Examples`` section to ``cls.__doc__``; returns ``cls``."""
    if not is_dataclass(cls) or (cls.__doc__ and f"{heading}\n    ----" in cls.__doc__):
        return cls
    doc = (cls.__doc__ or cls.__name__).rstrip()
    lines = [doc, "", f"    {heading}", "    " + "-" * len(heading)]
    for f in fields(cls):
        if f.name.startswith("_"):
            continue
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        lines.append(f"    {f.name} : {kind}{_default(f)}")
    if example:
        lines += [
            "",
            "    Examples",
            "    --------",
            *(f"    {line}" for line in example.splitlines()),
        ]
    cls.__doc__ = "\n".join(lines) + "\n"
    return cls
