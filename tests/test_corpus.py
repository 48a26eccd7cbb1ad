"""Corpus mode: folders, parallel workers, streaming JSONL, resume, summary, Ray."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import CLEAN, N_CLEAN, ROOT, run_cli

needs_corpus = pytest.mark.skipif(not CLEAN.is_dir(), reason="needs tests/data/corpora")


def run(*args, **kw):
    return run_cli(*args, **kw)


def key(obj):
    """What must not depend on the run's settings: codes, spans, suggestions, score."""
    return (os.path.basename(obj["path"]), obj.get("error"), obj.get("score", {}).get("mqm") if obj.get("score") else None,
            tuple((f["code"], f["start"], f["end"], tuple(f["suggestions"])) for f in obj["findings"]))


def test_folder_expansion_skips_companions_and_hidden(tmp_path):
    from mtaudit.runner import expand_paths

    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "a.ref.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.gold.yaml").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "notes.pdf").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_text("x", encoding="utf-8")
    got = [os.path.relpath(p, tmp_path) for p in expand_paths([tmp_path])]
    assert got == ["a.md", "b.txt", os.path.join("sub", "c.html")]
    assert expand_paths([str(tmp_path / "*.txt")]) == [str(tmp_path / "b.txt")]


@pytest.mark.slow
@needs_corpus
def test_jobs_2_streams_one_line_per_article_and_matches_jobs_1():
    r2 = run("audit", CLEAN, "--format", "jsonl", "--jobs", "2", "--no-lm")
    r1 = run("audit", CLEAN, "--format", "jsonl", "--no-lm")
    l2 = [json.loads(x) for x in r2.stdout.splitlines()]
    l1 = [json.loads(x) for x in r1.stdout.splitlines()]
    assert len(l2) == N_CLEAN == len(l1)
    assert sorted(map(key, l2)) == sorted(map(key, l1))
    assert f"{N_CLEAN} articles" in r2.stderr and "mean MQM score" in r2.stderr


@pytest.mark.slow
def test_bad_file_gets_an_error_line_and_does_not_stop_the_run(tmp_path):
    (tmp_path / "a.txt").write_text("Troops left Southzha.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe broken")
    (tmp_path / "c.txt").write_text("", encoding="utf-8")
    r = run("audit", tmp_path, "--format", "jsonl", "--no-lm", "--jobs", "2")
    lines = {os.path.basename(d["path"]): d for d in map(json.loads, r.stdout.splitlines())}
    assert set(lines) == {"a.txt", "b.txt", "c.txt"}
    assert lines["a.txt"]["findings"] and lines["b.txt"]["error"] and lines["c.txt"]["error"]
    assert r.returncode == 2 and "2 failures" in r.stderr


@pytest.mark.slow
@needs_corpus
def test_interrupted_run_resumes_to_the_same_results(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CLEAN, corpus)
    full = run("audit", corpus, "--format", "jsonl", "--no-lm")
    expected = sorted(map(key, map(json.loads, full.stdout.splitlines())))
    out = tmp_path / "out.jsonl"
    # a slowed-down run, killed after a few articles
    code = ("import sys, time; import mtaudit.api as api; orig = api.Auditor.audit_text\n"
            "api.Auditor.audit_text = lambda *a, **k: (time.sleep(0.3), orig(*a, **k))[1]\n"
            "from mtaudit.cli import main; sys.exit(main(sys.argv[1:]))")
    child = subprocess.Popen([sys.executable, "-c", code, "audit", str(corpus), "--no-lm", "--resume", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.read_text(encoding="utf-8").count("\n") < 5):
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with open(out, "a", encoding="utf-8") as fh:
        fh.write('{"path": "half a line')  # what a kill in the middle of a write leaves
    partial = out.read_text(encoding="utf-8").count("\n")
    assert 5 <= partial < N_CLEAN
    r = run("audit", corpus, "--no-lm", "--resume", out)
    assert f"({partial} already done)" in r.stderr
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == N_CLEAN
    assert sorted(map(key, lines)) == expected
    # a changed article is audited again
    first = sorted(corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nLeave a Reply\n", encoding="utf-8")
    r = run("audit", corpus, "--no-lm", "--resume", out)
    assert f"({N_CLEAN - 1} already done)" in r.stderr


@pytest.mark.slow
@needs_corpus
def test_ray_path_matches_local_path(tmp_path):
    ray = pytest.importorskip("ray")
    from mtaudit.distributed import audit_on_ray
    from mtaudit.runner import Settings

    files = sorted(CLEAN.glob("*.txt"))[:12]
    art = tmp_path / "arts"
    art.mkdir()
    for f in files:
        shutil.copy(f, art / f.name)
    (art / "mt.txt").write_text((ROOT / "samples" / "kursk-withdrawal.txt").read_text(encoding="utf-8"),
                                encoding="utf-8")
    local = [json.loads(x) for x in run("audit", art, "--format", "jsonl", "--no-lm").stdout.splitlines()]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    try:
        out = tmp_path / "ray.jsonl"
        objs = audit_on_ray([art], out, workers=2, settings=Settings(lm="off"))
        recs = tmp_path / "recs.jsonl"
        recs.write_text("".join(json.dumps({"path": str(p), "text": p.read_text(encoding="utf-8")}) + "\n"
                                for p in sorted(art.glob("*.txt"))), encoding="utf-8")
        from_records = audit_on_ray([recs], None, workers=2, settings=Settings(lm="off"))
    finally:
        ray.shutdown()
    assert sorted(map(key, objs)) == sorted(map(key, local)) == sorted(map(key, from_records))
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(local) == 13
    assert any(o["findings"] for o in objs)


@pytest.mark.slow
def test_ray_path_honours_every_flag_as_the_process_pool_does(tmp_path):
    """--format sarif, --write-baseline/--baseline, --resume, config fail-on and the -o identity
    check give the same results on Ray as with --jobs 2 (articles: the repository's samples and
    their clean references)."""
    ray = pytest.importorskip("ray")
    art = tmp_path / "arts"
    art.mkdir()
    for p in sorted((ROOT / "samples").glob("*.txt")):
        shutil.copy(p, art / p.name.replace(".ref.txt", "-ref.txt"))
    (art / "mtaudit.toml").write_text('fail-on = "never"\n', encoding="utf-8")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    try:
        def both(*args):
            pool = run("audit", art, "--no-lm", "--jobs", "2", *args)
            on_ray = run("audit", art, "--no-lm", "--jobs", "2", "--ray", "local", *args)
            return pool, on_ray

        pool, on_ray = both("--format", "sarif")
        assert pool.returncode == on_ray.returncode == 0  # config fail-on = never (the default fails them)
        res = [sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                       r["locations"][0]["physicalLocation"]["region"]["charOffset"])
                      for r in json.loads(x.stdout)["runs"][0]["results"]) for x in (pool, on_ray)]
        assert res[0] == res[1] and len(res[0]) > 20
        base = tmp_path / "base.json"
        assert run("audit", art, "--no-lm", "--ray", "local", "--write-baseline", base).returncode == 0
        pool, on_ray = both("--baseline", base, "--fail-on", "minor", "--format", "json")
        assert pool.returncode == on_ray.returncode == 0
        assert [f["findings"] for f in json.loads(pool.stdout)["files"]] == \
               [f["findings"] for f in json.loads(on_ray.stdout)["files"]]
        lines = {}
        for how in ("pool", "ray"):
            out = tmp_path / f"{how}.jsonl"
            extra = ["--ray", "local"] if how == "ray" else []
            first = sorted(art.glob("*.txt"))[:5]
            run("audit", *first, "--no-lm", "--jobs", "2", "--resume", out, *extra)
            r = run("audit", art, "--no-lm", "--jobs", "2", "--resume", out, *extra)
            assert "(5 already done)" in r.stderr
            lines[how] = sorted(map(key, map(json.loads, out.read_text(encoding="utf-8").splitlines())))
        assert lines["pool"] == lines["ray"]
        target = art / "kursk-withdrawal.txt"
        r = run("audit", art, "--no-lm", "--ray", "local", "-o", target)
        assert r.returncode == 2 and "refusing to overwrite" in r.stderr
    finally:
        ray.shutdown()
