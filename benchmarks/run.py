"""Derivation speed and memory: ``python benchmarks/run.py`` prints a table.

For cohorts of 1,000, 10,000 and 100,000 subjects (the ``nanjing`` synthetic design with 4 interim
visits, about 30 visits a subject, replicated with new IDs) it times ``derive_adtte`` (all ten parameters) and, for the four
visit-rule parameters (TTRFLR, TTHFLR, TTCR, TTDSCR), compares the engine with a per-subject loop
(``loop_baseline.py``), checking that both give the same ADT and CNSR. Each size runs in its own
process; "peak RSS" is that process's peak while reading the trial and deriving all ten
parameters (reading is the larger part).

Targets (issue 3): 100,000 subjects in under 15 s and 4 GB; time linear in rows; at least 30x
faster than the loop. The loop is not run at 100,000 subjects (it would take minutes); its time
there is extrapolated from 10,000 and marked ``~``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

VISIT_RULES = ("TTRFLR", "TTHFLR", "TTCR", "TTDSCR")
WINDOW = 745


def measure(n: int, with_loop: bool) -> dict:
    from cohort import cohort_folder
    from loop_baseline import loop_derive

    import survlupus
    from survlupus.derive.tte.adtte import default_endpoints, derive_adtte

    trial = survlupus.read_trial(cohort_folder(n))
    rss_read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    adtte = derive_adtte(trial, window_days=WINDOW)
    t_all = time.perf_counter() - t0
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_rows = len(trial.visits)
    del trial, adtte  # measure the next step on its own
    gc.collect()
    subset = [e for e in default_endpoints() if e.paramcd in VISIT_RULES]
    fresh = survlupus.read_trial(cohort_folder(n))  # no cached panel
    t0 = time.perf_counter()
    vec = derive_adtte(fresh, subset, window_days=WINDOW)
    t_vec = time.perf_counter() - t0
    row = {
        "subjects": n,
        "visit_rows": n_rows,
        "derive_all_s": t_all,
        "rules4_vector_s": t_vec,
        "rss_after_read_mb": rss_read,
        "rss_peak_mb": rss_peak,
        "loop_s": None,
        "same_result": None,
    }
    if with_loop:
        t0 = time.perf_counter()
        loop = loop_derive(fresh, WINDOW)
        row["loop_s"] = time.perf_counter() - t0
        a = vec.set_index(["USUBJID", "PARAMCD"])[["ADT", "CNSR"]].sort_index()
        b = loop.set_index(["USUBJID", "PARAMCD"])[["ADT", "CNSR"]].sort_index()
        row["same_result"] = bool(
            a.index.equals(b.index)
            and (a["ADT"] == b["ADT"]).all()
            and (a["CNSR"] == b["CNSR"]).all()
        )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument(
        "--loop-max", type=int, default=10000, help="largest size at which the loop baseline is run"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.loop), default=str))
        return 0
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (
            ["--loop"] if n <= args.loop_max else []
        )
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(f"  measured {n} subjects", file=sys.stderr)
    per_row_loop = None
    for r in rows:
        if r["loop_s"] is not None:
            per_row_loop = r["loop_s"] / r["visit_rows"]
    head = (
        f"{'subjects':>9} {'visit rows':>11} {'derive all 10 (s)':>18} {'µs/row':>7} "
        f"{'4 rules: engine (s)':>20} {'loop (s)':>10} {'speed-up':>9} {'same':>5} "
        f"{'peak RSS (MB)':>14}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        loop, mark = r["loop_s"], ""
        if loop is None and per_row_loop is not None:
            loop, mark = per_row_loop * r["visit_rows"], "~"
        speed = f"{loop / r['rules4_vector_s']:.0f}x" if loop else "-"
        loop_txt = f"{mark}{loop:.1f}" if loop else "-"
        same = {True: "yes", False: "NO", None: "-"}[r["same_result"]]
        print(
            f"{r['subjects']:>9} {r['visit_rows']:>11} {r['derive_all_s']:>18.2f} "
            f"{1e6 * r['derive_all_s'] / r['visit_rows']:>7.2f} {r['rules4_vector_s']:>20.2f} "
            f"{loop_txt:>10} {speed:>9} {same:>5} {r['rss_peak_mb']:>14.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
