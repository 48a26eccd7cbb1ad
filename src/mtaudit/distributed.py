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
from pathlib import Path

from .runner import Runner, Settings, expand_paths


class _AuditActor:
    def __init__(self, settings: Settings):
        self.runner = Runner(settings)

    def __call__(self, batch: dict) -> dict:
        from .document import InputError, decode_bytes

        out = []
        for path, text in zip(batch["path"], batch["text"]):
            path = str(path)
            if text is None or text == "":
                report = self.runner.audit(path)
            else:
                try:
                    text = decode_bytes(str(text).encode("utf-8"), path)
                    report = self.runner.auditor(path).audit_text(text, path, self.runner.settings.input_format)
                except InputError as e:
                    from .api import Report

                    report = Report(path=path, text=None, error=str(e))
            out.append(json.dumps(report.to_dict(), ensure_ascii=False))
        return {"path": list(map(str, batch["path"])), "result": out}


def _records(inputs) -> list[dict]:
    recs = []
    for item in map(str, inputs):
        if item.endswith(".jsonl") and Path(item).is_file():
            for no, line in enumerate(Path(item).read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    d = json.loads(line)
                    if not isinstance(d, dict) or "path" not in d or "text" not in d:
                        raise ValueError(f"{item}:{no}: expected a {{\"path\", \"text\"}} record")
                    recs.append({"path": str(d["path"]), "text": d["text"]})
        else:
            recs += [{"path": p, "text": ""} for p in expand_paths([item])]
    return recs


def audit_on_ray(inputs, output: str | Path | None = None, *, address: str | None = None, workers: int = 2,
                 batch_size: int = 8, settings: Settings | None = None, lm: str | None = None,
                 output_format: str = "jsonl") -> list[dict]:
    """Audit ``inputs`` on Ray; return the file objects (in input order) and write them to ``output``."""
    import ray

    settings = settings or Settings(lm=lm)
    if settings.threads is None:
        settings.threads = 1  # each actor holds one CPU (num_cpus=1): one torch thread, no oversubscription
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    recs = _records(inputs)
    if not recs:
        return []
    order = {r["path"]: i for i, r in enumerate(recs)}
    ds = ray.data.from_items(recs)
    res = ds.map_batches(_AuditActor, fn_constructor_args=(settings,), batch_size=batch_size,
                         concurrency=workers, num_cpus=1, batch_format="default")
    rows = sorted(res.take_all(), key=lambda r: order.get(r["path"], 0))
    objs = [json.loads(r["result"]) for r in rows]
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
