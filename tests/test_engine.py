"""The engine's precedence rules, each shown on hand-made sources (admiral-style)."""

import pandas as pd
import pytest

from survlupus.derive.tte.engine import (
    ADTTE_COLUMNS,
    CensorSource,
    Convention,
    EventSource,
    derive_tte,
)

D = pd.Timestamp


def scope(*rows):
    """rows: (subject, start, obs_end, status)"""
    return pd.DataFrame(
        [
            {
                "subject_id": s,
                "arm": "A",
                "subgroup": "",
                "start_date": D(a),
                "obs_end": D(b),
                "status": st,
            }
            for s, a, b, st in rows
        ]
    )


def src(rows, cls=EventSource, desc="ev", **kw):
    c = pd.DataFrame(
        [{"subject_id": s, "date": D(d), "rule": r, "evidence": f"{r} {d}"} for s, d, r in rows],
        columns=["subject_id", "date", "rule", "evidence"],
    )
    c["date"] = pd.to_datetime(c["date"])
    return cls(c, desc, "DOM", "VAR", **kw)


SC = scope(("S1", "2021-01-01", "2021-06-30", "complete"))


def test_earliest_event_wins_across_sources():
    a = src([("S1", "2021-03-01", "a")])
    b = src([("S1", "2021-02-01", "b"), ("S1", "2021-04-01", "b2")])
    out = derive_tte(SC, "P", "p", [a, b], [])
    assert (out.ADT[0], out.CNSR[0], out.RULE[0]) == (D("2021-02-01"), 0, "b")


def test_tie_goes_to_the_source_listed_first():
    a = src([("S1", "2021-03-01", "a")], desc="first")
    b = src([("S1", "2021-03-01", "b")], desc="second")
    assert derive_tte(SC, "P", "p", [a, b], []).RULE[0] == "a"
    assert derive_tte(SC, "P", "p", [b, a], []).RULE[0] == "b"


def test_latest_censoring_wins_and_event_beats_censoring():
    c1 = src([("S1", "2021-05-01", "")], CensorSource, "visits")
    c2 = src([("S1", "2021-04-01", "")], CensorSource, "contact")
    out = derive_tte(SC, "P", "p", [], [c1, c2])
    assert (out.ADT[0], out.CNSR[0]) == (D("2021-05-01"), 1)
    assert out.CNSDTDSC[0] == "visits"  # the censoring date's source, in words
    assert out.EVNTDESC[0] == "censored: no event by the end of observation (follow-up complete)"
    ev = src([("S1", "2021-06-01", "e")])
    out = derive_tte(SC, "P", "p", [ev], [c1, c2])  # event later than censoring: still wins
    assert (out.ADT[0], out.CNSR[0]) == (D("2021-06-01"), 0)


def test_candidates_on_or_before_start_and_after_obs_end_are_ignored():
    ev = src([("S1", "2021-01-01", "day1"), ("S1", "2021-07-01", "late")])
    out = derive_tte(SC, "P", "p", [ev], [])
    # nothing usable: no adequate post-baseline assessment, ADT = STARTDT, AVAL = 1
    assert (out.ADT[0], out.CNSR[0], out.AVAL[0]) == (D("2021-01-01"), 4, 1)
    on_start = src([("S1", "2021-01-01", "day1")], on_start=True)
    assert derive_tte(SC, "P", "p", [on_start], []).AVAL[0] == 1  # an event on day 1: AVAL 1


def test_censoring_codes_by_status_and_death_as_event():
    sc = scope(
        ("A", "2021-01-01", "2021-06-30", "complete"),
        ("B", "2021-01-01", "2021-03-01", "withdrew"),
        ("C", "2021-01-01", "2021-02-01", "died"),
    )
    c = src(
        [("A", "2021-06-01", ""), ("B", "2021-02-15", ""), ("C", "2021-01-20", "")], CensorSource
    )
    out = derive_tte(sc, "P", "p", [], [c])
    assert out.CNSR.tolist() == [1, 2, 3]
    out = derive_tte(sc, "P", "p", [], [c], Convention(death_is_event=True))
    assert out.CNSR.tolist() == [1, 2, 1]  # death is this endpoint's event, not a reason


def test_clip_to_obs_end_for_last_contact():
    c = src([("S1", "2021-12-31", "")], CensorSource, clip_to_obs_end=True)
    out = derive_tte(SC, "P", "p", [], [c])
    assert out.ADT[0] == D("2021-06-30")  # capped at the window, not dropped
    assert out.AVAL[0] == 181  # 2021-06-30 - 2021-01-01 + 1


@pytest.mark.parametrize(("offset", "aval"), [(1, 60), (0, 59)])
def test_aval_convention_is_switchable(offset, aval):
    ev = src([("S1", "2021-03-01", "e")])  # 59 days after 2021-01-01
    out = derive_tte(SC, "P", "p", [ev], [], Convention(aval_offset=offset))
    assert out.AVAL[0] == aval


def test_every_subject_in_scope_has_exactly_one_row_in_scope_order():
    sc = scope(
        ("A", "2021-01-01", "2021-06-30", "complete"), ("B", "2021-01-01", "2021-06-30", "complete")
    )
    ev = src([("B", "2021-02-01", "e"), ("Z", "2021-02-01", "e")])  # Z is out of scope
    out = derive_tte(sc, "P", "p", [ev], [])
    assert out.USUBJID.tolist() == ["A", "B"]
    assert out.CNSR.tolist() == [4, 0]
    assert list(out.columns) == ADTTE_COLUMNS


@pytest.mark.parametrize("seed", range(12))
def test_binary_search_on_subject_day_keys_picks_what_filtering_picks(seed):
    """Visit candidates carry (subject, day) keys and each subject's first event / last
    censoring within observation is found by binary search; without the keys the engine
    filters every candidate. Both on random subjects, windows (some empty, some starting after
    every visit), subjects out of scope and sources with on_start."""
    import numpy as np

    from survlupus.trial.keys import subject_day_key

    rng = np.random.default_rng(seed)
    n = 40
    start = D("2021-01-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    length = rng.integers(-5, 200, n)  # obs_end before start: nobody observed
    sc = pd.DataFrame(
        {
            "subject_id": [f"S{i:02d}" for i in range(n)],
            "_spos": np.arange(n),
            "arm": "A",
            "subgroup": "",
            "start_date": start,
            "obs_end": start + pd.to_timedelta(length, unit="D"),
            "status": "complete",
        }
    )
    in_scope = sc[rng.random(n) < 0.8].reset_index(drop=True)  # some subjects out of scope
    rows = []
    for i in range(n):
        days = np.sort(rng.choice(np.arange(-20, 260), rng.integers(0, 12), replace=False))
        rows += [(i, start[i] + pd.Timedelta(days=int(d))) for d in days]
    cand = pd.DataFrame(rows, columns=["_spos", "date"])
    cand["date"] = pd.to_datetime(cand["date"])
    cand["rule"] = "r" + cand.index.astype(str)
    cand["seq"] = cand.index.to_numpy()
    cand["evidence"] = "row " + cand.index.astype(str)
    keyed = cand.assign(_key=subject_day_key(cand["_spos"], cand["date"]))
    keyed.attrs["sorted"] = True
    plain = cand.copy()
    plain.attrs["sorted"] = True

    def derive(cands, on_start):
        events = EventSource(
            cands.iloc[::5].reset_index(drop=True), "ev", "V", "D", on_start=on_start
        )
        return derive_tte(in_scope, "P", "p", [events], [CensorSource(cands, "ce", "V", "D")])

    for on_start in (False, True):
        a, b = derive(keyed, on_start), derive(plain, on_start)
        pd.testing.assert_frame_equal(a, b)
        assert (a["CNSR"] == 0).any() and (a["CNSR"] == 1).any()
