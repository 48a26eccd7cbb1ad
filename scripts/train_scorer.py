"""Train the word scorer (src/mtaudit/wordscore.json) on round trips of the training documents.

    python scripts/roundtrip.py build --pivots es,ca,eo        # first: the training round trips
    python scripts/train_scorer.py [--roundtrip build/roundtrip] [--out src/mtaudit/wordscore.json]
    python scripts/train_scorer.py --measure                   # held-out gl figures only

Training (deterministic; scikit-learn is a training-only dependency): the manifest's training
documents, each round-tripped through one training pivot in turn (es, ca, eo), and their clean
originals. A word of a round trip is BAD when it lies in a span of its gold file (the alignment
labels of scripts/roundtrip.py); every word of a clean original is OK. Features are
:func:`mtaudit.wordscore.sentence_words` of the one language-model pass over the sentences an audit
cuts. Logistic regression on standardised features; C is chosen by 5-fold cross-validation by
document (word ROC AUC). The card records the features, weights, scaling, the SHA-256 of the
manifest and the training figures.

``--measure`` reads the held-out gl round trips and prints their word-level ROC AUC: it never
changes the card.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from roundtrip import MANIFEST, SHARED, TRAIN_PIVOTS  # noqa: E402

CACHE = ROOT / "build" / "scorer-tokens.jsonl"
C_GRID = (0.01, 0.1, 1.0)


class TokenCache:
    """Each text's sentences and their tokens' ``(start, end, bits)``, by the SHA-256 of the text,
    kept across runs (the LM pass is the slow part)."""

    def __init__(self, path: Path = CACHE):
        self.path, self.rows, self._flu = path, {}, None
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                o = json.loads(line)
                self.rows[o["sha256"]] = o

    def get(self, text: str) -> dict:
        key = hashlib.sha256(text.encode()).hexdigest()
        if key not in self.rows:
            from mtaudit.document import Document
            from mtaudit.fluency import Fluency
            from mtaudit.lm import load

            if self._flu is None:
                self._flu = Fluency(load())
            out = self._flu.run(Document(text))
            self.rows[key] = {"sha256": key, "spans": out.spans, "tokens": out.tokens}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(self.rows[key]) + "\n")
        return self.rows[key]


def word_rows(text: str, gold_spans: list[tuple[int, int]], cache: TokenCache):
    """(features, label) of each word of ``text``; BAD when it overlaps a gold span."""
    from mtaudit.wordscore import sentence_words

    o = cache.get(text)
    starts = sorted(gold_spans)
    for span, toks in zip(o["spans"], o["tokens"]):
        for w in sentence_words(text, tuple(span), [tuple(t) for t in toks]):
            bad = any(a < w.end and w.start < b for a, b in starts)
            yield w.features, int(bad)


def gold_spans(path: Path) -> list[tuple[int, int]]:
    from mtaudit.evaluation import load_gold

    return [(s["start"], s["end"]) for s in load_gold(path).spans]


def documents(split: str) -> list[dict]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [d for d in manifest["documents"] if d["split"] == split]


def dataset(split: str, pivots, roundtrip: Path, cache: TokenCache, clean: bool = True):
    """X, y, groups (document index) for the words of ``split``'s round trips (one pivot per
    document, in turn) and, with ``clean``, their originals."""
    X, y, groups = [], [], []
    docs = documents(split)
    for n, d in enumerate(docs):
        pivot = pivots[n % len(pivots)]
        base = roundtrip / pivot / d["id"].replace("/", "__")
        gold = base.with_name(base.name + ".gold.yaml")
        if not gold.is_file():
            sys.exit(f"{gold} is missing: run scripts/roundtrip.py build --pivots {pivot}")
        items = [(base.with_name(base.name + ".txt").read_text(encoding="utf-8"), gold_spans(gold))]
        if clean:
            items.append(((SHARED / d["path"]).read_text(encoding="utf-8-sig"), []))
        for text, spans in items:
            for f, lab in word_rows(text, spans, cache):
                X.append(f)
                y.append(lab)
                groups.append(n)
        if (n + 1) % 25 == 0:
            print(f"  {split}: {n + 1}/{len(docs)} documents", file=sys.stderr, flush=True)
    return X, y, groups


def manifest_sha() -> str:
    return hashlib.sha256(MANIFEST.read_bytes()).hexdigest()


def train(roundtrip: Path, out: Path) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    from mtaudit.wordscore import FEATURES

    X, y, groups = dataset("train", TRAIN_PIVOTS, roundtrip, TokenCache())
    X, y, groups = np.array(X), np.array(y), np.array(groups)
    print(f"{len(y)} words, {int(y.sum())} BAD ({y.mean():.3f})", file=sys.stderr)
    cv = {}
    for c in C_GRID:
        oof = np.zeros(len(y))
        for tr, te in GroupKFold(n_splits=5).split(X, y, groups):
            sc = StandardScaler().fit(X[tr])
            m = LogisticRegression(C=c, max_iter=2000).fit(sc.transform(X[tr]), y[tr])
            oof[te] = m.predict_proba(sc.transform(X[te]))[:, 1]
        cv[c] = float(roc_auc_score(y, oof))
        print(f"  C={c:g}: CV word AUC {cv[c]:.4f}", file=sys.stderr)
    best = max(C_GRID, key=lambda c: (round(cv[c], 4), -c))
    sc = StandardScaler().fit(X)
    m = LogisticRegression(C=best, max_iter=2000).fit(sc.transform(X), y)
    raw_auc = float(roc_auc_score(y, X[:, FEATURES.index("excess")]))
    card = {
        "features": list(FEATURES),
        "mean": sc.mean_.tolist(), "scale": sc.scale_.tolist(),
        "coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0]),
        "manifest_sha256": manifest_sha(),
        "training": {"script": "scripts/train_scorer.py", "pivots": list(TRAIN_PIVOTS),
                     "model": "logistic regression, standardised features", "C": best,
                     "C_grid": list(C_GRID), "words": int(len(y)), "bad_words": int(y.sum()),
                     "documents": int(len(set(groups.tolist()))),
                     "cv_word_auc": {f"{c:g}": round(cv[c], 4) for c in C_GRID},
                     "train_word_auc": round(float(roc_auc_score(y, m.predict_proba(sc.transform(X))[:, 1])), 4),
                     "excess_alone_auc": round(raw_auc, 4)},
    }
    out.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}: C={best:g}, CV word AUC {cv[best]:.4f} (excess alone {raw_auc:.4f})")


def measure(roundtrip: Path) -> None:
    from mtaudit.evaluation import roc_auc
    from mtaudit.wordscore import FEATURES, load_scorer

    scorer = load_scorer()
    if scorer is None:
        sys.exit("no word scorer card: train first")
    X, y, _ = dataset("heldout", ("gl",), roundtrip, TokenCache(), clean=False)
    p = [scorer.probability(tuple(x)) for x in X]
    ex = [x[FEATURES.index("excess")] for x in X]
    print(f"gl held-out round trips: {len(y)} words, {sum(y)} BAD; word ROC AUC {roc_auc(p, y):.4f} "
          f"(excess alone {roc_auc(ex, y):.4f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roundtrip", type=Path, default=ROOT / "build" / "roundtrip")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "mtaudit" / "wordscore.json")
    ap.add_argument("--measure", action="store_true", help="print held-out figures; change nothing")
    a = ap.parse_args(argv)
    if a.measure:
        measure(a.roundtrip)
    else:
        train(a.roundtrip, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
