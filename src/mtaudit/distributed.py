"""Scale-out on Ray: the same audit, as Ray Data ``map_batches`` over an actor pool.

Each actor builds one :class:`mtaudit.runner.Runner` (glossaries and the model
loaded once) and audits a batch of articles; the output rows are the same
file objects as the JSONL report, written as JSONL or Parquet.

    from mtaudit.distributed import audit_on_ray
    audit_on_ray(["corpus/"], "results.jsonl", address="auto", workers=4, lm="off")

or ``mtaudit audit corpus/ --ray auto --format jsonl -o results.jsonl``.
Input: folders/files/globs (actors read the files: the cluster must share the
filesystem), or a ``.jsonl`` file of ``{"path", "text"}`` records (the text
travels with the task). Ray is an optional extra: ``pip install 'mtaudit[ray]'``.
"""
from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path

from .runner import RunError, Runner, Settings, expand_paths


class _AuditActor:
    def __init__(self, settings: Settings):
        self.runner = Runner(settings)

    def _report(self, path: str, text):
        from .document import InputError, decode_bytes

        if text is None or text == "":
            return self.runner.audit(path)
        try:
            text = decode_bytes(str(text).encode("utf-8"), path)
            return self.runner.auditor(path).audit_text(text, path, self.runner.settings.input_format)
        except (InputError, RunError) as e:
            from .api import Report

            return Report(path=path, text=None, error=str(e))

    def __call__(self, batch: dict) -> dict:
        # the driver gets the Report itself (pickled, between mtaudit's own processes), so every
        # output format, baseline and gate works on Ray results as on local ones
        out = [pickle.dumps(self._report(str(path), text)) for path, text in zip(batch["path"], batch["text"])]
        return {"path": list(map(str, batch["path"])), "report": out}


def _records(inputs) -> list[dict]:
    recs = []
    for item in map(str, inputs):
        if item.endswith(".jsonl") and Path(item).is_file():
            for no, line in enumerate(Path(item).read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        d = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise RunError(f"{item}:{no}: malformed JSON ({e.msg})") from None
                    if not isinstance(d, dict) or "path" not in d or "text" not in d:
                        raise RunError(f"{item}:{no}: expected a {{\"path\", \"text\"}} record")
                    recs.append({"path": str(d["path"]), "text": d["text"]})
        else:
            recs += [{"path": p, "text": ""} for p in expand_paths([item])]
    return recs


def iter_reports_on_ray(inputs, *, address: str | None = None, workers: int = 2, batch_size: int = 8,
                        settings: Settings | None = None) -> Iterator:
    """Audit ``inputs`` on Ray, yielding each Report as its batch finishes (nothing is collected
    on the driver)."""
    import ray

    settings = settings or Settings()
    if settings.threads is None:
        settings.threads = 1  # each actor holds one CPU (num_cpus=1): one torch thread, no oversubscription
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    recs = _records(inputs)
    if not recs:
        return
    ds = ray.data.from_items(recs)
    res = ds.map_batches(_AuditActor, fn_constructor_args=(settings,), batch_size=batch_size,
                         concurrency=workers, num_cpus=1, batch_format="default")
    for row in res.iter_rows():
        yield pickle.loads(row["report"])


def audit_on_ray(inputs, output: str | Path | None = None, *, address: str | None = None, workers: int = 2,
                 batch_size: int = 8, settings: Settings | None = None, lm: str | None = None,
                 output_format: str = "jsonl") -> list[dict]:
    """Audit ``inputs`` on Ray; return the file objects (in input order) and write them to ``output``."""
    settings = settings or Settings(lm=lm)
    order = {r["path"]: i for i, r in enumerate(_records(inputs))}
    objs = [r.to_dict() for r in iter_reports_on_ray(inputs, address=address, workers=workers,
                                                     batch_size=batch_size, settings=settings)]
    objs.sort(key=lambda o: order.get(o["path"], 0))
    if output is not None:
        output = Path(output)
        if output_format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist([{"path": o["path"], "result": json.dumps(o, ensure_ascii=False)}
                                                 for o in objs]), output)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                for o in objs:
                    fh.write(json.dumps(o, ensure_ascii=False) + "\n")
    return objs
