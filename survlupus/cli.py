"""The ``survlupus`` command: a thin layer over the public functions.

survlupus validate DIR [--units creatinine=mg/dL ...]
survlupus simulate DESIGN --out DIR [--seed S] [--n N]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from survlupus.errors import DataError


def _units(pairs: Sequence[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"--units takes QUANTITY=UNIT (e.g. creatinine=mg/dL), not {pair!r}")
        key, unit = pair.split("=", 1)
        out[key.strip()] = unit.strip()
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    from survlupus.trial.read import validate_trial

    try:
        report = validate_trial(args.dir, _units(args.units))
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(report)
    if report.ok and report.trial is not None:
        print(report.trial.summary())
    return 0 if report.ok else 1


def cmd_simulate(args: argparse.Namespace) -> int:
    from survlupus.synthetic import DESIGNS, write_design

    if args.design not in DESIGNS:
        print(
            f"unknown design {args.design!r}; choose one of {', '.join(DESIGNS)}", file=sys.stderr
        )
        return 2
    paths = write_design(args.design, args.out, seed=args.seed, n=args.n)
    for p in paths:
        print(f"wrote {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="survlupus", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a trial folder and list every problem")
    p.add_argument("dir")
    p.add_argument(
        "--units",
        nargs="*",
        metavar="QUANTITY=UNIT",
        help="non-canonical units, e.g. creatinine=mg/dL counts=/mm3",
    )
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("simulate", help="write a synthetic seed trial")
    p.add_argument("design", help="cs20at04, musc or nanjing")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=None, help="default: the design's own seed")
    p.add_argument("--n", type=int, default=None, help="subjects per arm")
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
