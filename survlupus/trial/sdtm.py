"""From SDTM-like long tables to the data contract's tables: ``tables_from_sdtm(domains)``.

A sponsor's data usually arrive as SDTM domains, one row per finding. This helper turns them
into the contract's wide tables (``subjects``, ``visits``, ``steroids``, ``events``,
``infusions``, ``adverse_events``), which :func:`survlupus.read_trial` then validates as any
other input — every check applies, every problem names the row.

=========  ==================================================================================
domain     becomes
=========  ==================================================================================
DM         ``subjects``: USUBJID, RFSTDTC (day 1), ARM (or ACTARM), SEX, AGE, RFENDTC, and
           SUBGROUP (nephritis / cytopenia; not SDTM: bring it from SUPPDM or ADSL)
VS         ``subjects.weight_kg``: the last VSTESTCD = WEIGHT on or before day 1 (kg)
DS         ``events`` death (DSDECOD DEATH, DSSTDTC); ``subjects.discontinued`` and its reason for
           a disposition other than COMPLETED (DSCAT DISPOSITION EVENT)
LB         ``visits``: one column per LBTESTCD in ``lab_codes`` (LBSTRESN in LBSTRESU, converted
           to the column's unit once, by the same table as ``read_trial(units=...)``), by
           subject and LBDTC date; VISIT is kept
QS         ``visits``: QSTESTCD in ``qs_codes`` (SLEDAI-2K total, PGA), QSSTRESN, by QSDTC
EX         ``infusions``: EXSTDTC and EXDOSE (cells/kg) of the cell product (EXTRT in
           ``cell_products``, or every row if None)
CM         ``steroids``: CMDECOD a glucocorticoid (CMDOSE mg per intake × intakes per day of
           CMDOSFRQ, CMSTDTC-CMENDTC, CMROUTE); ``events`` ``immunosuppressant_start`` for any
           other CMDECOD in ``immunosuppressants`` (detail = the drug)
AE         ``adverse_events``: AEDECOD (or AETERM), AEBODSYS, AESTDTC-AEENDTC, AETOXGR, AESER,
           AEREL, AEOUT
=========  ==================================================================================

Dates are the date part of the ISO 8601 ``--DTC`` values. A finding given twice for a subject,
test and date with different values is an error naming both rows (no silent averaging).

>>> tables = tables_from_sdtm({"DM": dm, "LB": lb, "QS": qs, "CM": cm})   # doctest: +SKIP
>>> trial = survlupus.read_trial(tables)                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survlupus.errors import DataError, Problem
from survlupus.trial.schema import STEROID_DRUGS
from survlupus.trial.units import QUANTITIES, factor

LAB_CODES: dict[str, str] = {
    "CREAT": "creatinine_umol_l",
    "PROTCRT": "upcr_g_g",
    "PROT": "proteinuria_g_24h",
    "RBC_URINE": "urine_rbc_hpf",
    "WBC_URINE": "urine_wbc_hpf",
    "EGFR": "egfr_ml_min",
    "HGB": "hemoglobin_g_dl",
    "PLAT": "platelets_10e9_l",
    "NEUT": "neutrophils_10e9_l",
    "LYM": "lymphocytes_10e9_l",
    "WBC": "wbc_10e9_l",
    "C3": "c3_g_l",
    "C4": "c4_g_l",
    "DSDNA": "anti_dsdna_iu_ml",
    "ANA": "ana_titer",
    "BUN": "bun_mmol_l",
}
"""LBTESTCD → visits column (urine tests: LBTESTCD with ``_URINE`` when LBSPEC is URINE)."""

QS_CODES: dict[str, str] = {"SLEDAI2K": "sledai2k", "SLEDAI": "sledai2k", "PGA": "pga"}
IMMUNOSUPPRESSANTS = (
    "cyclophosphamide",
    "azathioprine",
    "methotrexate",
    "mycophenolate mofetil",
    "mycophenolic acid",
    "tacrolimus",
    "cyclosporine",
    "rituximab",
    "belimumab",
)
FREQUENCY = {"QD": 1, "ONCE": 1, "BID": 2, "TID": 3, "QID": 4}
RELATED = {
    "NOT RELATED": "not",
    "UNLIKELY RELATED": "unlikely",
    "POSSIBLY RELATED": "possible",
    "PROBABLY RELATED": "probable",
    "RELATED": "definite",
    "DEFINITELY RELATED": "definite",
}
OUTCOME = {
    "RECOVERED/RESOLVED": "recovered",
    "RECOVERING/RESOLVING": "recovering",
    "NOT RECOVERED/NOT RESOLVED": "not recovered",
    "FATAL": "fatal",
}


def _date(values: pd.Series) -> pd.Series:
    return values.astype("string").str.slice(0, 10)


def _need(df: pd.DataFrame, domain: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df]
    if missing:
        raise DataError(
            [
                Problem(
                    domain,
                    f"required SDTM variable {c} is missing",
                    f"add {c} to {domain}",
                    c,
                )
                for c in missing
            ]
        )


def _unit_factor(quantity: str | None, unit, domain: str, code: str) -> float:
    if quantity is None or unit is None or pd.isna(unit):
        return 1.0
    try:
        return factor(quantity, str(unit))
    except KeyError:
        known = ", ".join(QUANTITIES[quantity].factors)
        raise DataError(
            [
                Problem(
                    domain,
                    f"{code}: unit {unit!r} cannot be converted",
                    f"give one of {known}",
                    f"{domain[:2]}STRESU",
                )
            ]
        ) from None


def _findings(df: pd.DataFrame, domain: str, codes: Mapping[str, str]) -> pd.DataFrame:
    """Long findings (``subject_id, visit_date, visit, column, value``) converted to the unit of
    their column; a repeated finding with another value is an error naming both rows."""
    p = domain[:2]
    _need(df, domain, ["USUBJID", f"{p}TESTCD", f"{p}STRESN", f"{p}DTC"])
    test = df[f"{p}TESTCD"].astype(str).str.upper()
    if domain == "LB" and "LBSPEC" in df:
        urine = df["LBSPEC"].astype(str).str.upper().eq("URINE") & test.isin(["RBC", "WBC"])
        test = test.where(~urine, test + "_URINE")
    keep = test.isin(list(codes))
    column = test[keep].map(codes)
    quantity = {q.column: name for name, q in QUANTITIES.items()}
    unit = (
        df.loc[keep, f"{p}STRESU"].astype("string").fillna("")
        if f"{p}STRESU" in df
        else pd.Series("", index=column.index)
    )
    factors = {
        (c, u): _unit_factor(quantity.get(c), u or None, domain, c)
        for c, u in set(zip(column, unit, strict=True))
    }
    value = pd.to_numeric(df.loc[keep, f"{p}STRESN"], errors="coerce").to_numpy(float)
    scale = np.array([factors[(c, u)] for c, u in zip(column, unit, strict=True)], float)
    out = pd.DataFrame(
        {
            "subject_id": df.loc[keep, "USUBJID"].astype(str).to_numpy(),
            "visit_date": _date(df.loc[keep, f"{p}DTC"]).to_numpy(),
            "visit": df.loc[keep, "VISIT"].astype(str).to_numpy() if "VISIT" in df else None,
            "column": column.to_numpy(),
            "value": value * scale,
            "_row": np.flatnonzero(keep.to_numpy()) + 1,
        }
    )
    key = ["subject_id", "visit_date", "column"]
    twice = out[out.duplicated(key, keep=False)]
    clash = twice.groupby(key)["value"].nunique() > 1
    if clash.any():
        problems = []
        for (sid, date, col), rows in twice.groupby(key):
            if clash.get((sid, date, col), False):
                problems.append(
                    Problem(
                        domain,
                        f"{col} given twice on {date} with different values "
                        f"(records {', '.join(map(str, rows['_row']))})",
                        "keep one record per subject, test and date",
                        f"{p}STRESN",
                        sid,
                    )
                )
        raise DataError(problems)
    return out.drop_duplicates(key).drop(columns="_row")


def _visits(domains: Mapping[str, pd.DataFrame], lab_codes, qs_codes) -> pd.DataFrame:
    parts = [
        _findings(domains[d], d, codes)
        for d, codes in (("LB", lab_codes), ("QS", qs_codes))
        if d in domains
    ]
    if not parts:
        return pd.DataFrame(columns=["subject_id", "visit_date"])
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot_table(
        index=["subject_id", "visit_date"], columns="column", values="value", aggfunc="first"
    )
    visit = long.groupby(["subject_id", "visit_date"])["visit"].first()
    wide.insert(0, "visit", visit)
    wide.columns.name = None
    return wide.reset_index().sort_values(["subject_id", "visit_date"], kind="stable")


def _subjects(domains) -> pd.DataFrame:
    dm = domains["DM"]
    _need(dm, "DM", ["USUBJID", "RFSTDTC"])
    arm = dm["ACTARM"] if "ACTARM" in dm else dm.get("ARM")
    if arm is None:
        _need(dm, "DM", ["ARM"])
    out = pd.DataFrame(
        {
            "subject_id": dm["USUBJID"].astype(str),
            "start_date": _date(dm["RFSTDTC"]),
            "arm": arm.astype(str),
        }
    )
    if "SUBGROUP" in dm:  # not an SDTM variable: the trial's stratum, e.g. from SUPPDM
        out["subgroup"] = dm["SUBGROUP"].astype("string").str.lower()
    if "SEX" in dm:
        out["sex"] = dm["SEX"].astype(str).str.upper().str[:1]
    if "AGE" in dm:
        out["age_years"] = pd.to_numeric(dm["AGE"], errors="coerce")
    if "RFENDTC" in dm:
        out["end_date"] = _date(dm["RFENDTC"])
    if "VS" in domains:
        vs = domains["VS"]
        w = vs[vs["VSTESTCD"].astype(str).str.upper() == "WEIGHT"].assign(
            date=_date(vs["VSDTC"]), value=pd.to_numeric(vs["VSSTRESN"], errors="coerce")
        )
        w = w.merge(out[["subject_id", "start_date"]], left_on="USUBJID", right_on="subject_id")
        w = w[w["date"] <= w["start_date"]].sort_values("date")
        out["weight_kg"] = out["subject_id"].map(w.groupby("subject_id")["value"].last())
    if "DS" in domains:
        ds = domains["DS"]
        disp = ds[
            ds.get("DSCAT", pd.Series("", index=ds.index)).astype(str).str.upper()
            == "DISPOSITION EVENT"
        ]
        stop = disp[~disp["DSDECOD"].astype(str).str.upper().isin(["COMPLETED"])]
        reason = stop.groupby("USUBJID")["DSDECOD"].first().str.lower()
        out["discontinued"] = out["subject_id"].isin(reason.index)
        out["discontinuation_reason"] = out["subject_id"].map(reason).fillna("")
    return out


def _events_and_steroids(domains, immunosuppressants) -> tuple[pd.DataFrame, pd.DataFrame]:
    events = []
    steroids = pd.DataFrame(columns=["subject_id", "drug", "dose_mg_day", "start_date"])
    if "DS" in domains:
        ds = domains["DS"]
        death = ds[ds["DSDECOD"].astype(str).str.upper() == "DEATH"]
        events.append(
            pd.DataFrame(
                {
                    "subject_id": death["USUBJID"].astype(str),
                    "event": "death",
                    "start_date": _date(death["DSSTDTC"]),
                }
            )
        )
    if "CM" in domains:
        cm = domains["CM"]
        _need(cm, "CM", ["USUBJID", "CMDECOD", "CMSTDTC"])
        drug = cm["CMDECOD"].astype(str).str.strip().str.lower()
        is_steroid = drug.isin(STEROID_DRUGS)
        s = cm[is_steroid]
        freq = s.get("CMDOSFRQ", pd.Series("QD", index=s.index)).astype(str).str.upper()
        per_day = freq.map(FREQUENCY).fillna(1.0)
        steroids = pd.DataFrame(
            {
                "subject_id": s["USUBJID"].astype(str),
                "drug": drug[is_steroid],
                "dose_mg_day": pd.to_numeric(s["CMDOSE"], errors="coerce") * per_day,
                "start_date": _date(s["CMSTDTC"]),
                "end_date": _date(s["CMENDTC"]) if "CMENDTC" in s else None,
                "route": s["CMROUTE"].astype(str).str.lower() if "CMROUTE" in s else None,
            }
        )
        imm = cm[~is_steroid & drug.isin([d.lower() for d in immunosuppressants])]
        events.append(
            pd.DataFrame(
                {
                    "subject_id": imm["USUBJID"].astype(str),
                    "event": "immunosuppressant_start",
                    "start_date": _date(imm["CMSTDTC"]),
                    "detail": imm["CMDECOD"].astype(str).str.lower(),
                }
            )
        )
    columns = ["subject_id", "event", "start_date", "detail"]
    ev = pd.concat(events, ignore_index=True) if events else pd.DataFrame(columns=columns)
    return ev.reindex(columns=columns), steroids


def _adverse_events(ae: pd.DataFrame) -> pd.DataFrame:
    _need(ae, "AE", ["USUBJID", "AESTDTC"])
    term = ae["AEDECOD"] if "AEDECOD" in ae else ae.get("AETERM")
    out = pd.DataFrame(
        {
            "subject_id": ae["USUBJID"].astype(str),
            "term": term.astype(str),
            "start_date": _date(ae["AESTDTC"]),
        }
    )
    if "AEBODSYS" in ae:
        out["body_system"] = ae["AEBODSYS"].astype(str)
    if "AEENDTC" in ae:
        out["end_date"] = _date(ae["AEENDTC"])
    if "AETOXGR" in ae:
        out["grade"] = pd.to_numeric(ae["AETOXGR"], errors="coerce")
    if "AESER" in ae:
        out["serious"] = ae["AESER"].astype(str).str.upper().eq("Y")
    if "AEREL" in ae:
        out["related"] = ae["AEREL"].astype(str).str.upper().map(RELATED)
    if "AEOUT" in ae:
        out["outcome"] = ae["AEOUT"].astype(str).str.upper().map(OUTCOME).fillna("unknown")
    return out


def tables_from_sdtm(
    domains: Mapping[str, pd.DataFrame],
    *,
    lab_codes: Mapping[str, str] = LAB_CODES,
    qs_codes: Mapping[str, str] = QS_CODES,
    cell_products: tuple[str, ...] | None = None,
    immunosuppressants: tuple[str, ...] = IMMUNOSUPPRESSANTS,
) -> dict[str, pd.DataFrame]:
    """The contract's tables from SDTM-like domains (keys ``DM``, ``LB``, ``QS``, ``VS``, ``EX``,
    ``CM``, ``AE``, ``DS``; ``DM`` required). See the module docstring for each mapping.

    Parameters
    ----------
    domains : mapping of domain name to DataFrame
    lab_codes, qs_codes : LBTESTCD / QSTESTCD to visits column (defaults :data:`LAB_CODES`,
        :data:`QS_CODES`)
    cell_products : EXTRT values that are the cell infusion (None: every EX row)
    immunosuppressants : CMDECOD values recorded as ``immunosuppressant_start`` events

    Returns
    -------
    dict of DataFrames, ready for :func:`survlupus.read_trial`.

    Raises
    ------
    DataError
        a required SDTM variable missing (naming domain and variable), a unit that cannot be
        converted, a finding given twice with different values (naming the records).

    Examples
    --------
    >>> import pandas as pd
    >>> dm = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2021-01-10T09:30"], "ARM": ["MSC"]})
    >>> survlupus.tables_from_sdtm({"DM": dm})["subjects"].values.tolist()
    [['S1', '2021-01-10', 'MSC']]
    """
    if "DM" not in domains:
        raise DataError([Problem("DM", "the DM domain is required", "pass domains['DM']")])
    domains = {k.upper(): v for k, v in domains.items()}
    tables = {"subjects": _subjects(domains), "visits": _visits(domains, lab_codes, qs_codes)}
    events, steroids = _events_and_steroids(domains, immunosuppressants)
    tables["events"], tables["steroids"] = events, steroids
    if "EX" in domains:
        ex = domains["EX"]
        _need(ex, "EX", ["USUBJID", "EXSTDTC"])
        if cell_products is not None:
            ex = ex[ex["EXTRT"].astype(str).isin(cell_products)]
        tables["infusions"] = pd.DataFrame(
            {
                "subject_id": ex["USUBJID"].astype(str),
                "infusion_date": _date(ex["EXSTDTC"]),
                "dose_cells_per_kg": pd.to_numeric(ex.get("EXDOSE"), errors="coerce"),
            }
        )
    if "AE" in domains:
        tables["adverse_events"] = _adverse_events(domains["AE"])
    return {k: v.reset_index(drop=True) for k, v in tables.items()}
