"""Fit speed against R and the Python references: ``python benchmarks/fits.py`` prints a table.

For 1,000, 10,000 and 100,000 subjects (3 arms, age, exponential times with uniform censoring and
a competing event; seeded, so R reads the same data) it times, in this process (CPU seconds per
fit, the best of 3 timings of a loop of 50 fits at 1,000 subjects, 5 at 10,000, 1 at 100,000):
Kaplan-Meier by arm, the log-rank test, Cox (Efron and Breslow), Firth's model (ARM; ARM + age),
the cumulative incidence and Gray's test — beside lifelines' ``CoxPHFitter`` and firthmodels'
``FirthCoxPH`` run in the same process, and R's times from a committed run of
``benchmarks/r/fits.R`` (``system.time`` of a loop of fits inside R, ``survfit``, ``survdiff``,
``coxph``, ``cmprsk::cuminc``), in ``benchmarks/r/fits_times.csv``.

    python benchmarks/fits.py --write-data     # the CSVs R reads (benchmarks/.cache/fits_*.csv)
    Rscript benchmarks/r/fits.R                # R's times -> benchmarks/r/fits_times.csv
    python benchmarks/fits.py                  # the table
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SIZES = (1000, 10000, 100000)


def cohort(n: int, seed: int = 20261127) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(["A", "B", "C"]), n)
    age = np.round(rng.normal(40, 10, n), 1)
    rate = np.where(arm == "A", 0.0010, np.where(arm == "B", 0.0007, 0.0005)) * np.exp(
        0.01 * (age - 40)
    )
    t_event = rng.exponential(1 / rate)
    t_compete = rng.exponential(1 / 0.0003, n)
    t_censor = rng.uniform(100, 1000, n)
    t = np.minimum.reduce([t_event, t_compete, t_censor])
    cnsr = np.where(t == t_event, 0, np.where(t == t_compete, 3, 1))
    return pd.DataFrame(
        {
            "USUBJID": [f"S{i:06d}" for i in range(n)],
            "PARAMCD": "TTX",
            "ARM": arm,
            "AGE": age,
            "AVAL": np.floor(t) + 1,
            "CNSR": cnsr,
        }
    )


REPS = {1000: 50, 10000: 5}  # fits per timing below 100,000 subjects (a fit takes milliseconds)


def _best(fn, repeat: int = 3, reps: int = 1) -> float:
    """CPU seconds per call: the best of ``repeat`` timings of ``reps`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(reps):
            fn()
        times.append((time.process_time() - t0) / reps)
    return min(times)


def measure(n: int) -> dict[str, float]:
    import survlupus

    df = cohort(n)
    reps = REPS.get(n, 1)

    def best(fn, repeat=3):
        return _best(fn, repeat, reps)

    event_only = df.assign(CNSR=np.where(df["CNSR"] == 3, 1, df["CNSR"]))
    crstat = df.assign(CRSTAT=np.select([df["CNSR"] == 0, df["CNSR"] == 3], [1, 2], 0))
    out = {
        "Kaplan-Meier by arm": best(lambda: survlupus.kaplan_meier(event_only, "TTX", by="ARM")),
        "log-rank": best(lambda: survlupus.logrank(event_only, "TTX", by="ARM")),
        "Cox, Efron": best(lambda: survlupus.cox(event_only, "TTX", ["ARM", "AGE"], reference="A")),
        "Cox, Breslow": best(
            lambda: survlupus.cox(event_only, "TTX", ["ARM", "AGE"], reference="A", ties="breslow")
        ),
        "cumulative incidence": best(
            lambda: survlupus.cumulative_incidence(crstat, "TTX", by="ARM")
        ),
        "Gray's test": best(lambda: survlupus.gray_test(crstat, "TTX", by="ARM")),
    }
    repeat = 3 if n <= 10000 else 1
    out["Firth, ARM"] = best(
        lambda: survlupus.cox(event_only, "TTX", ["ARM"], reference="A", firth=True), repeat
    )
    out["Firth, ARM + age"] = best(
        lambda: survlupus.cox(event_only, "TTX", ["ARM", "AGE"], reference="A", firth=True), repeat
    )
    from lifelines import CoxPHFitter

    x = pd.get_dummies(event_only["ARM"], drop_first=True).astype(float)
    lifelines_df = x.assign(
        AGE=event_only["AGE"], T=event_only["AVAL"], E=(event_only["CNSR"] == 0).astype(int)
    )
    out["lifelines CoxPHFitter (Efron)"] = best(lambda: CoxPHFitter().fit(lifelines_df, "T", "E"))
    from firthmodels import FirthCoxPH

    xm = lifelines_df[["B", "C", "AGE"]].to_numpy(float)
    y = ((event_only["CNSR"] == 0).to_numpy(), event_only["AVAL"].to_numpy(float))

    def firthmodels_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = FirthCoxPH(backend="numpy").fit(xm, y)
            m.conf_int(method="pl")

    out["firthmodels, ARM + age (with PL CIs)"] = best(firthmodels_fit, repeat)
    return out


R_NAMES = {
    "Kaplan-Meier by arm": "survfit",
    "log-rank": "survdiff",
    "Cox, Efron": "coxph_efron",
    "Cox, Breslow": "coxph_breslow",
    "cumulative incidence": "cuminc",
    "Gray's test": "cuminc",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--write-data", action="store_true")
    args = ap.parse_args()
    if args.write_data:
        CACHE.mkdir(exist_ok=True)
        for n in args.sizes:
            cohort(n).to_csv(CACHE / f"fits_{n}.csv", index=False)
        print(f"wrote {', '.join(f'fits_{n}.csv' for n in args.sizes)} to {CACHE}")
        return
    warnings.simplefilter("ignore")
    r_file = HERE / "r" / "fits_times.csv"
    r = pd.read_csv(r_file) if r_file.exists() else pd.DataFrame(columns=["n", "fit", "seconds"])
    rows = []
    for n in args.sizes:
        for fit, seconds in measure(n).items():
            rr = r[(r["n"] == n) & (r["fit"] == R_NAMES.get(fit, ""))]["seconds"]
            r_s = float(rr.iloc[0]) if len(rr) else np.nan
            rows.append({"n": n, "fit": fit, "python_s": seconds, "R_s": r_s})
    table = pd.DataFrame(rows)
    table["x R"] = table["python_s"] / table["R_s"]
    print(
        table.to_string(
            index=False,
            formatters={
                "python_s": "{:.3f}".format,
                "R_s": lambda v: "" if pd.isna(v) else f"{v:.3f}",
                "x R": lambda v: "" if pd.isna(v) else f"{v:.1f}",
            },
        )
    )


if __name__ == "__main__":
    main()
