"""The fitting behind calibration.json: thresholds that keep wrong abstentions rare, chosen on
held-out probabilities."""

import numpy as np

from assistant.answering.evidence import QUESTION_FEATURES
from assistant.evaluation.calibrate import choose_threshold, fit_judge


def test_threshold_keeps_wrong_abstentions_within_the_limit():
    rng = np.random.default_rng(0)
    answerable = np.array([True] * 200 + [False] * 100)
    p = np.where(answerable, rng.uniform(0.3, 1.0, 300), rng.uniform(0.0, 0.5, 300))
    t = choose_threshold(p, answerable, max_false=0.05)
    assert np.mean(p[answerable] < t) <= 0.05
    assert np.mean(p[~answerable] < t) > 0.5


def test_judge_learns_the_informative_signal_and_a_usable_threshold():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(240):
        answerable = i % 3 != 0
        signals = {k: float(rng.normal()) for k in QUESTION_FEATURES}
        signals["best_similarity"] = float(rng.normal(0.6 if answerable else 0.3, 0.1))
        rows.append({"signals": signals, "answerable": answerable})
    params = fit_judge(rows, {})
    weights = params["answerable"]
    assert weights["best_similarity"] > 0
    assert abs(weights["best_similarity"]) == max(abs(weights[k]) for k in QUESTION_FEATURES)
    assert 0.05 <= params["threshold"] <= 0.95
