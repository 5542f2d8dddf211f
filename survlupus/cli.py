"""The survlupus command: a thin layer over the public functions.

  survlupus report [DIR] --out OUT [--plan plan.toml]    the main job, by the folder's plan.toml
  survlupus validate DIR [--units creatinine=mg/dL ...]
  survlupus derive DIR --out adtte.xpt [--plan plan.toml]
  survlupus responders DIR --out adrs.csv [--visit W52]
  survlupus simulate DESIGN --out DIR [--seed S] [--n N]
  survlupus gallery [--out docs/gallery]
  survlupus docs [--out docs]                            the data contract and endpoint library

Exit codes: 0 done; 1 the data have errors (each one listed); 2 a wrong argument or plan (a
name that does not exist, a value out of range): the message names it and what exists.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from survlupus.errors import DataError


def _refused(exc: Exception) -> int:
    """Print ``exc`` on stderr; the exit code: 1 for bad data, 2 for a wrong argument or plan."""
    print(exc, file=sys.stderr)
    return 1 if isinstance(exc, DataError) else 2


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


def _read(args: argparse.Namespace):
    from survlupus.trial.read import read_trial

    return read_trial(args.dir, _units(args.units))


def _plan_file(args: argparse.Namespace):
    """``--plan`` (or its old name ``--config``), else ``DIR/plan.toml``, else None."""
    path = getattr(args, "plan", None) or getattr(args, "config", None)
    if path is None and (Path(args.dir) / "plan.toml").is_file():
        path = Path(args.dir) / "plan.toml"
    return path


def _plan(args: argparse.Namespace, trial):
    """The plan for ``trial`` from the command line; an old-style config is converted (with a
    note on stderr)."""
    from survlupus.plan import generic_plan, plan_from_dict
    from survlupus.plan.legacy import is_legacy, plan_from_legacy
    from survlupus.plan.model import PlanError
    from survlupus.plan.toml import read_toml

    path = _plan_file(args)
    if path is None:
        return generic_plan(trial)
    data = read_toml(path)
    try:
        if not is_legacy(data):
            return plan_from_dict(data)
        print(
            f"note: {path} is an old-style config ([derive]/[report]); it is converted to an "
            "analysis plan (the report writes it as OUT/plan.toml: put that file in the trial "
            "folder and use --plan from now on)",
            file=sys.stderr,
        )
        return plan_from_legacy(data, trial)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from None


def cmd_derive(args: argparse.Namespace) -> int:
    from survlupus.derive.adsl import derive_adsl
    from survlupus.derive.tte.adtte import derive_adtte
    from survlupus.derive.tte.episodes import derive_episodes
    from survlupus.plan.library import plan_endpoints
    from survlupus.render.adam.write import write_conformed

    if args.chunk_subjects is not None:
        return _derive_in_parts(args)
    try:
        trial = _read(args)
        plan = _plan(args, trial)
        endpoints = plan_endpoints(plan)
    except ValueError as exc:  # DataError and PlanError included
        return _refused(exc)
    window = args.window_days or plan.window_days()
    everyone = plan.all_subjects or args.all_subjects
    adtte = derive_adtte(trial, endpoints, window_days=window, all_subjects=everyone)
    adsl = derive_adsl(trial, plan)
    path = write_conformed("adtte", adtte, adsl, args.out)
    n_events = int((adtte["CNSR"] == 0).sum())
    print(
        f"wrote {path}: {len(adtte)} rows ({adtte['PARAMCD'].nunique()} parameters, "
        f"{adtte['USUBJID'].nunique()} subjects, {n_events} events; window {window} days)"
    )
    if args.episodes:
        episodes = derive_episodes(trial, window_days=window, all_subjects=everyone)
        path = write_conformed("adepisodes", episodes, adsl, args.episodes)
        print(f"wrote {path}: {len(episodes)} flare episodes")
    return 0


def _derive_in_parts(args: argparse.Namespace) -> int:
    """``derive --chunk-subjects N``: ADTTE partition by partition on Dask, written as
    ``OUT/part-*.parquet`` (docs/performance.md)."""
    from survlupus.jobs.partitioned import derive_partitioned
    from survlupus.plan import load_plan
    from survlupus.plan.library import plan_endpoints

    try:
        path = _plan_file(args)
        plan = load_plan(path) if path else None
        endpoints = plan_endpoints(plan) if plan else None
        window = args.window_days or (plan.window_days() if plan else 183)
        client = None
        if args.scheduler:
            from distributed import Client

            client = Client(args.scheduler)
        out = derive_partitioned(
            args.dir,
            args.out,
            endpoints,
            window_days=window,
            chunk_subjects=args.chunk_subjects,
            all_subjects=bool(args.all_subjects or (plan and plan.all_subjects)),
            client=client,
            units=_units(args.units),
            progress=lambda m: print(m, file=sys.stderr),
            episodes=args.episodes,
        )
    except ValueError as exc:
        return _refused(exc)
    print(f"wrote {len(list(out.glob('part-*.parquet')))} parts to {out} (window {window} days)")
    if args.episodes:
        print(f"wrote the flare episodes' parts to {args.episodes}")
    return 0


def cmd_responders(args: argparse.Namespace) -> int:
    from survlupus.clinical.windows import SCHEDULES
    from survlupus.derive.adsl import derive_adsl
    from survlupus.derive.responders import default_responders, derive_responders
    from survlupus.plan.model import PlanError
    from survlupus.render.adam.write import write_conformed

    try:
        trial = _read(args)
        plan = _plan(args, trial)
        schedule = SCHEDULES[args.schedule] if args.schedule else plan.schedule
        schedule = schedule or SCHEDULES["cs20at04"]
    except (DataError, PlanError) as exc:
        return _refused(exc)
    labels = [w.label for w in schedule]
    if args.visit not in labels:
        print(
            f"--visit {args.visit!r} is not in the schedule ({', '.join(labels)}); pass --plan "
            "or --schedule with the trial's visits",
            file=sys.stderr,
        )
        return 2
    resp = derive_responders(
        trial, default_responders(args.visit), schedule=schedule, missing=args.missing
    )
    path = write_conformed("adrs", resp, derive_adsl(trial, plan), args.out)
    n_yes = int((resp["AVALC"] == "Y").sum())
    print(
        f"wrote {path}: {len(resp)} rows ({resp['PARAMCD'].nunique()} parameters, "
        f"{n_yes} responses)"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # the report's own process draws to files only
    from survlupus.errors import raise_if_errors
    from survlupus.jobs.report import write_report
    from survlupus.trial.read import validate_trial

    quiet = args.quiet or not (args.progress or sys.stderr.isatty())
    progress = (lambda m: None) if quiet else None
    try:
        report = validate_trial(args.dir, _units(args.units))
        raise_if_errors(report.problems)
        plan = _plan(args, report.trial)
        kwargs = {"progress": progress} if progress else {}
        result = write_report(report, args.out, plan, **kwargs)
    except ValueError as exc:  # DataError and PlanError included
        return _refused(exc)
    print(result.summary())
    print(f"open {result.out / 'index.html'}")
    return 0


def cmd_gallery(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # the command's own process draws to files only
    from survlupus.jobs.gallery import make_gallery

    for path in make_gallery(args.out):
        print(f"wrote {path}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from survlupus.jobs.contract import write_docs

    for path in write_docs(args.out):
        print(f"wrote {path}")
    return 0


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
    from survlupus import __version__

    parser = argparse.ArgumentParser(
        prog="survlupus", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"survlupus {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    units_help = "non-canonical units of the input, e.g. creatinine=mg/dL counts=/mm3"
    dir_help = "the trial folder: subjects, visits, steroids, events, infusions (CSV/Parquet/XPT)"
    p = sub.add_parser("validate", help="check a trial folder and list every problem")
    p.add_argument("dir", help=dir_help)
    p.add_argument("--units", nargs="*", metavar="QUANTITY=UNIT", help=units_help)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("derive", help="derive the time-to-event dataset (ADTTE)")
    p.add_argument("dir", help=dir_help)
    p.add_argument("--out", required=True, help="ADTTE file: .csv, .parquet or .xpt (v5)")
    p.add_argument(
        "--episodes",
        help="flare-episode table: .csv, .parquet or .xpt (with --chunk-subjects: a folder of "
        "part-*.parquet)",
    )
    p.add_argument("--plan", help="analysis plan (default: DIR/plan.toml)")
    p.add_argument("--config", help="old name of --plan (old-style configs are converted)")
    p.add_argument(
        "--window-days",
        type=int,
        default=None,
        help="analysis window in days (default: the plan's efficacy window)",
    )
    p.add_argument(
        "--all-subjects", action="store_true", help="derive subgroup endpoints for every subject"
    )
    p.add_argument("--units", nargs="*", metavar="QUANTITY=UNIT", help=units_help)
    p.add_argument(
        "--chunk-subjects",
        type=int,
        default=None,
        help="derive out of core, this many subjects a partition, on Dask: DIR holds Parquet "
        "tables, --out is a folder of part-*.parquet",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="with --chunk-subjects: the address of a dask.distributed scheduler (default: "
        "local processes)",
    )
    p.set_defaults(func=cmd_derive)
    p = sub.add_parser("report", help="the main job: every dataset, table, figure, index.html")
    p.add_argument(
        "dir",
        nargs="?",
        default="data/synthetic/cs20at04",
        help=dir_help + " (default: the bundled synthetic CS20AT04)",
    )
    p.add_argument("--out", default="out/report", help="output folder (default out/report)")
    p.add_argument(
        "--plan", help="analysis plan (default: DIR/plan.toml, else a generic plan from the data)"
    )
    p.add_argument("--config", help="old name of --plan (old-style configs are converted)")
    p.add_argument("--units", nargs="*", metavar="QUANTITY=UNIT", help=units_help)
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument(
        "--progress",
        action="store_true",
        help="progress lines on stderr even when it is not a terminal (shown on a terminal)",
    )
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("responders", help="derive the responder dataset (Y/N with reasons)")
    p.add_argument("dir", help=dir_help)
    p.add_argument("--out", required=True, help="responder file: .csv, .parquet or .xpt (v5)")
    p.add_argument("--visit", default="W24", help="assessment visit (default W24)")
    p.add_argument(
        "--schedule",
        default=None,
        choices=["cs20at04", "musc", "nanjing"],
        help="visit windows (default: the plan's schedule, DIR/plan.toml)",
    )
    p.add_argument("--plan", help="analysis plan whose schedule to use (default DIR/plan.toml)")
    p.add_argument(
        "--missing",
        default="non-responder",
        choices=["non-responder", "observed"],
        help="a subject without an assessment at the visit: a non-responder (default) or left out",
    )
    p.add_argument("--units", nargs="*", metavar="QUANTITY=UNIT", help=units_help)
    p.set_defaults(func=cmd_responders)
    p = sub.add_parser("gallery", help="draw every figure type from the synthetic trials")
    p.add_argument("--out", default="docs/gallery", help="folder (default docs/gallery)")
    p.set_defaults(func=cmd_gallery)
    p = sub.add_parser("docs", help="write the data contract and endpoint definitions (Markdown)")
    p.add_argument("--out", default="docs", help="folder (default docs)")
    p.set_defaults(func=cmd_docs)
    p = sub.add_parser("simulate", help="write a synthetic seed trial")
    p.add_argument("design", help="cs20at04, musc, nanjing or ltfu")
    p.add_argument("--out", required=True, help="folder to write the trial's tables and plan")
    p.add_argument("--seed", type=int, default=None, help="default: the design's own seed")
    p.add_argument("--n", type=int, default=None, help="subjects per arm")
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
