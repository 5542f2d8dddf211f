"""A straightforward per-subject loop implementation of four visit-rule endpoints (renal flare,
haematologic flare, complete remission, sustained creatinine doubling), kept as the benchmark's
baseline. It follows the same default rules and conventions as survlupus, one subject and one
visit at a time in plain Python, so its results must equal the vectorised engine's."""

from __future__ import annotations

import math

import pandas as pd

from survlupus.derive.tte.scope import observation


def _num(x) -> float:
    return (
        math.nan
        if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
        else float(x)
    )


def _analysis_rows(rows: list[dict], var: str, start) -> list[tuple]:
    """(index, date, value) of the baseline value and post-baseline values of ``var``."""
    pre = [
        (i, r["visit_date"], _num(r.get(var)))
        for i, r in enumerate(rows)
        if r["visit_date"] <= start and not math.isnan(_num(r.get(var)))
    ]
    post = [
        (i, r["visit_date"], _num(r.get(var)))
        for i, r in enumerate(rows)
        if r["visit_date"] > start
    ]
    return pre[-1:] + post


def _first_or_censor(rows, start, obs_end, met, adequate):
    last = None
    for r in rows:
        d = r["visit_date"]
        if d <= start or d > obs_end:
            continue
        if met(r):
            return d, 0
        if adequate(r):
            last = d
    return (last, None) if last is not None else (start, 4)


def loop_derive(trial, window_days: int) -> pd.DataFrame:
    scope = observation(trial, window_days).set_index("subject_id")
    visits = trial.visits.sort_values(["subject_id", "visit_date"])
    out = []
    for sid, sv in visits.groupby("subject_id", sort=True):
        rows = sv.to_dict("records")
        sc = scope.loc[sid]
        start, obs_end, sg = sc["start_date"], sc["obs_end"], sc["subgroup"]
        code = {"complete": 1, "withdrew": 2, "died": 3}[sc["status"]]
        base_c = _analysis_rows(rows, "creatinine_umol_l", start)
        baseline = base_c[0][2] if base_c and base_c[0][1] <= start else math.nan
        if sg == "nephritis":
            out.append((sid, "TTRFLR", *_renal_flare(rows, start, obs_end), code))
            out.append((sid, "TTCR", *_remission(rows, start, obs_end), code))
            out.append((sid, "TTDSCR", *_doubling(rows, start, obs_end, baseline), code))
        if sg == "cytopenia":
            out.append((sid, "TTHFLR", *_haem_flare(rows, start, obs_end), code))
    df = pd.DataFrame(out, columns=["USUBJID", "PARAMCD", "ADT", "CNSR", "CODE"])
    df["CNSR"] = df["CNSR"].fillna(df["CODE"]).astype(int)
    return df.drop(columns="CODE")


def _running(rows, var, start, fn):
    """Per row index: fn over the analysis values strictly before it (None if none)."""
    vals, out, best = _analysis_rows(rows, var, start), {}, None
    for i, _, x in vals:
        out[i] = best
        if not math.isnan(x):
            best = x if best is None else fn(best, x)
    return out


def _previous(rows, var, start):
    vals, out, prev = _analysis_rows(rows, var, start), {}, None
    for i, _, x in vals:
        out[i] = prev
        if not math.isnan(x):
            prev = x
    return out


def _renal_flare(rows, start, obs_end):
    low_c = _running(rows, "creatinine_umol_l", start, min)
    low_u = _running(rows, "upcr_g_g", start, min)
    for i, r in enumerate(rows):
        r["_i"] = i

    def met(r):
        i, c, u = r["_i"], _num(r.get("creatinine_umol_l")), _num(r.get("upcr_g_g"))
        rbc, casts = _num(r.get("urine_rbc_hpf")), r.get("cellular_casts")
        active = (not math.isnan(rbc) and rbc > 10) or casts is True
        neph = low_c.get(i) is not None and not math.isnan(c) and c >= 1.3 * low_c[i] and active
        prot = low_u.get(i) is not None and not math.isnan(u) and u >= max(2 * low_u[i], 1.0)
        return neph or prot

    def adequate(r):
        return not (
            math.isnan(_num(r.get("creatinine_umol_l"))) or math.isnan(_num(r.get("upcr_g_g")))
        )

    return _first_or_censor(rows, start, obs_end, met, adequate)


def _remission(rows, start, obs_end):
    def prot(r):
        p = _num(r.get("proteinuria_g_24h"))
        return _num(r.get("upcr_g_g")) if math.isnan(p) else p

    def met(r):
        casts = r.get("cellular_casts")
        return (
            _num(r.get("creatinine_umol_l")) < 106
            and prot(r) < 0.3
            and _num(r.get("urine_rbc_hpf")) <= 5
            and casts is False
        )

    def adequate(r):
        vals = (_num(r.get("creatinine_umol_l")), prot(r), _num(r.get("urine_rbc_hpf")))
        return not any(math.isnan(x) for x in vals) and r.get("cellular_casts") in (True, False)

    return _first_or_censor(rows, start, obs_end, met, adequate)


def _doubling(rows, start, obs_end, baseline):
    assessed = [
        r
        for r in rows
        if r["visit_date"] > start and not math.isnan(_num(r.get("creatinine_umol_l")))
    ]
    last = None
    for j, r in enumerate(assessed):
        d = r["visit_date"]
        doubled = _num(r["creatinine_umol_l"]) >= 2 * baseline
        starts_run = doubled and (
            j == 0 or _num(assessed[j - 1]["creatinine_umol_l"]) < 2 * baseline
        )
        if starts_run and d <= obs_end:
            k = j
            while (
                k + 1 < len(assessed) and _num(assessed[k + 1]["creatinine_umol_l"]) >= 2 * baseline
            ):
                k += 1
            if (assessed[k]["visit_date"] - d).days >= 28:
                return d, 0
        if d <= obs_end:
            last = d
    return (last, None) if last is not None else (start, 4)


def _haem_flare(rows, start, obs_end):
    prev = {
        v: _previous(rows, v, start)
        for v in ("platelets_10e9_l", "hemoglobin_g_dl", "neutrophils_10e9_l")
    }
    high = _running(rows, "hemoglobin_g_dl", start, max)
    for i, r in enumerate(rows):
        r["_i"] = i

    def newly(r, var, limit):
        x, p = _num(r.get(var)), prev[var].get(r["_i"])
        return not math.isnan(x) and x < limit and not (p is not None and p < limit)

    def met(r):
        hb, h = _num(r.get("hemoglobin_g_dl")), high.get(r["_i"])
        fall = h is not None and not math.isnan(hb) and h - hb >= 3.0 - 1e-9
        return (
            newly(r, "platelets_10e9_l", 60)
            or newly(r, "hemoglobin_g_dl", 7)
            or fall
            or newly(r, "neutrophils_10e9_l", 1.0)
        )

    def adequate(r):
        return not (
            math.isnan(_num(r.get("hemoglobin_g_dl")))
            or math.isnan(_num(r.get("platelets_10e9_l")))
        )

    return _first_or_censor(rows, start, obs_end, met, adequate)
