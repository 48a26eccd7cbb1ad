"""Train the garble head (src/mtaudit/garble.json) on round trips of the training documents.

    python scripts/roundtrip.py build --pivots es,ca,eo       # first: the training round trips
    python scripts/train_garble.py [--roundtrip build/roundtrip] [--out src/mtaudit/garble.json]
    python scripts/train_garble.py --measure [--roundtrip build/roundtrip]   # held-out figures only

Training (deterministic; scikit-learn is a training-only dependency: pip install scikit-learn):
positives are round trips of the manifest's training documents (es, ca and eo in turn, one pivot
per document), negatives the same documents' clean originals; features are :func:`mtaudit.garble.document_features` of the one
language-model pass; a logistic regression (C below) on standardised features. The default
threshold is chosen on training data only: the smallest probability (at least 0.5) at which at most
1% of all clean training documents and at most 3% of each domain's would fail. The card records the
features, weights, scaling, threshold, the SHA-256 of the manifest and the training figures.

``--measure`` reads the held-out documents (gl round trips and their clean originals) and
prints the gate's figures by domain: it never changes the card.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from roundtrip import MANIFEST, SHARED, TRAIN_PIVOTS  # noqa: E402

C = 1.0
CACHE = ROOT / "build" / "garble-words.jsonl"


class FeatureCache:
    """Each text's per-word ``[excess, zipf]`` by sentence, its bits and token counts, by the
    SHA-256 of the text, kept across runs (the LM pass is the slow part; features are computed
    from these rows, so a new feature needs no new pass)."""

    def __init__(self, path: Path):
        self.path, self.rows = path, {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                o = json.loads(line)
                if "words" in o:
                    self.rows[o["sha256"]] = o
        self._flu = None

    def features(self, text: str) -> dict:
        from mtaudit.garble import features_of

        key = hashlib.sha256(text.encode()).hexdigest()
        if key not in self.rows:
            from mtaudit.document import Document
            from mtaudit.fluency import Fluency
            from mtaudit.garble import document_words
            from mtaudit.lm import load

            if self._flu is None:
                self._flu = Fluency(load())
            words, bits, ntok = document_words(text, self._flu.run(Document(text)))
            self.rows[key] = {"sha256": key, "words": words, "bits": bits, "ntok": ntok}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(self.rows[key]) + "\n")
        o = self.rows[key]
        return features_of(o["words"], sum(o["bits"]), sum(o["ntok"]))


def examples(split: str, pivots, roundtrip: Path, cache: FeatureCache):
    """(features, label, domain, pivot or 'clean') for the manifest's documents of ``split``."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    docs = [d for d in manifest["documents"] if d["split"] == split]
    for n, d in enumerate(docs, 1):
        yield cache.features((SHARED / d["path"]).read_text(encoding="utf-8-sig")), 0, d["domain"], "clean", d
        # one pivot per document, in turn: as many garbled as clean articles, a third of the LM cost
        for pivot in (pivots[n % len(pivots)],):
            p = roundtrip / pivot / (d["id"].replace("/", "__") + ".txt")
            if not p.is_file():
                sys.exit(f"{p} is missing: run scripts/roundtrip.py build --pivots {pivot}")
            yield cache.features(p.read_text(encoding="utf-8")), 1, d["domain"], pivot, d
        if n % 20 == 0:
            print(f"  {split}: {n}/{len(docs)} documents", file=sys.stderr, flush=True)


def choose_threshold(probs_by_domain: dict[str, list[float]]) -> float:
    """The smallest threshold (at least 0.5) at which at most 1% of all clean training documents
    and at most 3% of each domain's would fail."""
    allp = sorted(p for ps in probs_by_domain.values() for p in ps)
    for t in [0.5] + [p + 1e-6 for p in allp if p >= 0.5]:
        overall = sum(p >= t for p in allp) / len(allp)
        worst = max(sum(p >= t for p in ps) / len(ps) for ps in probs_by_domain.values())
        if overall <= 0.01 and worst <= 0.03:
            return round(min(t, 0.999), 4)
    return 0.999


def train(roundtrip: Path, out: Path) -> None:
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    from mtaudit.garble import FEATURES, GarbleModel

    cache = FeatureCache(CACHE)
    rows = list(examples("train", TRAIN_PIVOTS, roundtrip, cache))
    X = np.array([[f[k] for k in FEATURES] for f, *_ in rows])
    y = np.array([lab for _, lab, *_ in rows])
    scaler = StandardScaler().fit(X)
    clf = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(X), y)
    card = {"features": list(FEATURES), "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
            "coef": clf.coef_[0].tolist(), "intercept": float(clf.intercept_[0]), "threshold": 0.5,
            "manifest_sha256": hashlib.sha256(MANIFEST.read_bytes()).hexdigest()}
    model = GarbleModel.from_dict(card)
    probs = [model.probability(f) for f, *_ in rows]
    clean = defaultdict(list)
    for p, (_, lab, dom, *_rest) in zip(probs, rows):
        if not lab:
            clean[dom].append(p)
    card["threshold"] = choose_threshold(clean)
    t = card["threshold"]
    card["training"] = {
        "script": "scripts/train_garble.py", "hyperparameters": {"C": C, "model": "LogisticRegression",
                                                                "scaler": "StandardScaler"},
        "sklearn": sklearn.__version__, "pivots": list(TRAIN_PIVOTS),
        "documents": sum(1 for _, lab, *_ in rows if not lab), "examples": len(rows),
        "auc": round(float(roc_auc_score(y, probs)), 4),
        "garbled_fail_rate": round(sum(p >= t for p, lab in zip(probs, y) if lab) / max(1, int(y.sum())), 4),
        "clean_fail_rate": {d: round(sum(p >= t for p in ps) / len(ps), 4) for d, ps in sorted(clean.items())},
    }
    out.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(card["training"], indent=1))


def measure(roundtrip: Path) -> None:
    from mtaudit.evaluation import roc_auc
    from mtaudit.garble import load_model

    model = load_model()
    if model is None:
        sys.exit("no garble.json: train first")
    cache = FeatureCache(CACHE)
    rows = list(examples("heldout", ("gl",), roundtrip, cache))
    t = model.threshold
    probs = [model.probability(f) for f, *_ in rows]
    labels = [lab for _, lab, *_ in rows]
    print(f"held-out (gl round trips vs clean originals), threshold {t}: ROC AUC {roc_auc(probs, labels):.4f}")
    by = defaultdict(lambda: [0, 0, 0, 0])  # garbled failed, garbled, clean failed, clean
    for p, (_, lab, dom, _piv, d) in zip(probs, rows):
        key = dom if dom != "news" else ("news-wmt21" if d["id"].startswith("wmt21/") else "news-wmt24")
        long_enough = d["words"] >= 100
        for k in (key, "all") + (("speech+social>=100w",) if dom in ("speech", "social") and long_enough else ()):
            b = by[k]
            if lab:
                b[0] += p >= t
                b[1] += 1
            else:
                b[2] += p >= t
                b[3] += 1
    for k, (gf, g, cf, c) in sorted(by.items()):
        print(f"  {k:<22} round trips failing {gf}/{g} ({gf / max(1, g):.1%}), clean failing {cf}/{c} ({cf / max(1, c):.1%})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--roundtrip", type=Path, default=ROOT / "build" / "roundtrip")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "mtaudit" / "garble.json")
    ap.add_argument("--measure", action="store_true", help="held-out figures only; the card is not changed")
    args = ap.parse_args(argv)
    if args.measure:
        measure(args.roundtrip)
    else:
        train(args.roundtrip, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
