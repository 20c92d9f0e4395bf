"""Fit the evidence weights on labelled questions and store them in calibration.json.

Two logistic regressions, both on the tune splits of every evaluation corpus:
- the sentence ranker: which candidate sentence holds the expected evidence;
- the answerability judge: whether the question should be answered at all.
The threshold is then chosen on the same data to keep wrong abstentions rare while catching
out-of-scope questions. Run with `python -m assistant calibrate --suite eval/suites.json`.
"""

from __future__ import annotations

import json

import numpy as np

from ..answering.evidence import QUESTION_FEATURES, SENTENCE_FEATURES
from ..answering.sentences import CALIBRATION, calibration
from .evaluate import load_questions, normalize


def collect(bot, items: list[dict]) -> list[dict]:
    """Per question: its sentence candidates' features and labels, and its own label."""
    from ..answering.turn import Turn
    from ..language.questions import analyze

    rows = []
    for item in items:
        cleaned, resolved, _ = bot.reader.prepare(item["question"], item.get("history") or [])
        turn = Turn(cleaned, resolved, analyze(resolved), None)
        turn = bot.answering.judge(bot.answering.retrieve(turn))
        snippets = [normalize(s) for s in item.get("expect_evidence") or []]
        sentences = [([e.features[k] for k in SENTENCE_FEATURES],
                      any(s in normalize(e.text) for s in snippets))
                     for e in turn.evidence]
        rows.append({"turn": turn, "sentences": sentences,
                     "answerable": not item.get("should_abstain")})
    return rows


def _fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> tuple[float, np.ndarray]:
    """Logistic regression on standardized features, folded back to raw-feature weights so
    the runtime needs only a dot product."""
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit((x - mean) / std, y)
    coef = model.coef_[0] / std
    return float(model.intercept_[0] - (coef * mean).sum()), coef


def _held_out(x: np.ndarray, y: np.ndarray, c: float, folds: int = 5) -> np.ndarray:
    """Each question's probability from a model fitted without it (k-fold): what the judge
    would say of a question it has not seen, which is what its threshold is for."""
    from sklearn.model_selection import StratifiedKFold

    p = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        bias, coef = _fit(x[train], y[train], c)
        p[test] = 1 / (1 + np.exp(-(bias + x[test] @ coef)))
    return p


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def fit_ranker(collected: list[dict], params: dict) -> dict:
    """The sentence ranker's weights: which candidates hold the expected evidence."""
    x = np.array([f for row in collected for f, _ in row["sentences"]])
    y = np.array([label for row in collected for _, label in row["sentences"]])
    params = dict(params)
    if y.any() and not y.all():
        bias, coef = _fit(x, y)
        params["sentence"] = {"bias": round(bias, 4),
                              **{k: round(float(v), 4) for k, v in zip(SENTENCE_FEATURES, coef,
                                                                        strict=True)}}
    return params


def fit_judge(collected: list[dict], params: dict) -> dict:
    """The answerability weights and threshold, from question-level features. The strength of
    regularization and the threshold are chosen on held-out (k-fold) probabilities, so they
    hold for new questions and not only for the ones fitted."""
    x = np.array([[row["signals"][k] for k in QUESTION_FEATURES] for row in collected])
    y = np.array([row["answerable"] for row in collected])
    held = {c: _held_out(x, y, c) for c in (0.03, 0.1, 0.3, 1.0)}
    c = min(held, key=lambda c: _log_loss(held[c], y))
    bias, coef = _fit(x, y, c=c)
    params["answerable"] = {"bias": round(bias, 4),
                            **{k: round(float(v), 4) for k, v in zip(QUESTION_FEATURES, coef,
                                                                      strict=True)}}
    # One cut for every kind of question: a separate cut for open questions (briefings,
    # reasons) abstained more often on held-out answerable ones and caught no more.
    params["threshold"] = choose_threshold(held[c], y)
    params.pop("threshold_open", None)
    return params


def choose_threshold(p: np.ndarray, answerable: np.ndarray, max_false: float = 0.05) -> float:
    """The threshold that catches the most unanswerable questions while wrongly abstaining on
    at most `max_false` of the answerable ones."""
    best_t, best = 0.5, -1.0
    for t in np.arange(0.05, 0.951, 0.01):
        false = float(np.mean(p[answerable] < t)) if answerable.any() else 0.0
        caught = float(np.mean(p[~answerable] < t)) if (~answerable).any() else 0.0
        value = caught - (10.0 * (false - max_false) if false > max_false else 0.0) - 0.1 * false
        if value > best:
            best_t, best = float(t), value
    return round(best_t, 2)


def write(params: dict, note: str) -> None:
    params["note"] = note
    CALIBRATION.write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    calibration.cache_clear()


def calibrate(suites: dict[str, dict], open_bot) -> dict:
    """Fit both models on the tune splits and write calibration.json; returns the params."""
    bots = {name: open_bot(name, s["corpus"]) for name, s in suites.items()}
    items = {name: [i for f in s["tune"] for i in load_questions(f)] for name, s in suites.items()}

    def gather(weights: dict) -> list[dict]:
        rows = []
        for name, bot in bots.items():
            bot.knowledge.scorer.weights = weights
            for row in collect(bot, items[name]):
                row["signals"] = {k: row["turn"].signals.get(k, 0.0) for k in QUESTION_FEATURES}
                rows.append(row)
        return rows

    start = calibration()
    params = fit_ranker(gather(start), start)
    # The judge reads the ranker's scores: fitted on evidence ranked by the new weights.
    params = fit_judge(gather(params), params)
    n = sum(len(v) for v in items.values())
    write(params, f"Fitted by `python -m assistant calibrate` on {n} tune questions over "
                  f"{', '.join(sorted(bots))}.")
    return params
