"""Every flare episode: a new episode starts when the rule is met after an assessment where it
was not."""

import survlupus

from .builders import day, event, make_trial, subject, visit

R = {"creatinine_umol_l": 100, "urine_rbc_hpf": 20, "cellular_casts": False}


def test_renal_flare_episodes_and_mild_flares():
    visits = [
        visit("S1", 1, upcr_g_g=0.5, **R),
        visit("S1", 29, upcr_g_g=1.2, **R),  # met: episode 1 starts (>= max(1.0, 2 x 0.5))
        visit("S1", 57, upcr_g_g=1.3, **R),  # still met: same episode
        visit("S1", 85, upcr_g_g=0.6, **R),  # not met
        visit("S1", 113, upcr_g_g=1.5, **R),  # met again: episode 2
        visit("S1", 141, **R),  # UPCR missing: not an assessment
        visit("S1", 169, upcr_g_g=1.6, **R),  # met: still episode 2 (no "not met" between)
    ]
    events = [event("S1", "sfi_flare", 40, severity="mild_moderate", detail="rash")]
    ep = survlupus.derive_episodes(make_trial([subject("S1")], visits, events=events))
    renal = ep[ep.TYPE == "renal flare"]
    assert renal["ONSETDT"].dt.strftime("%Y-%m-%d").tolist() == [day(29), day(113)]
    assert renal["EPISODE"].tolist() == [1, 2]
    assert renal["ONSETDY"].tolist() == [29, 113]
    mild = ep[ep.TYPE == "mild/moderate flare"]
    assert mild["ONSETDY"].tolist() == [40] and mild["SEVERITY"].tolist() == ["mild_moderate"]
    assert ep["ONSETDT"].is_monotonic_increasing
