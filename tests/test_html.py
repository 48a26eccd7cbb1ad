"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright)."""
import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SAMPLE = ROOT / "samples" / "kursk-withdrawal.txt"


def test_html_escapes_article_text(auditor):
    from mtaudit.reporters.html import highlight

    text = "Troops left Southzha. <script>alert('x')</script> & more"
    r = auditor.audit_text(text)
    html = highlight(text, r.findings)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html
    assert 'data-findings="0"' in html and ">Southzha</mark>" in html


def test_repr_html_and_dataframe(auditor):
    pd = pytest.importorskip("pandas")
    r = auditor.audit_file(SAMPLE)
    assert "<mark" in r._repr_html_() and "MQM score" in r._repr_html_()
    df = r.to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) == len(r.findings)
    assert list(df.text) == [f.text for f in r.findings]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_html_report_in_headless_chromium(tmp_path):
    sync = pytest.importorskip("playwright.sync_api")
    evil = tmp_path / "evil.txt"
    evil.write_text("Troops left Southzha. <script>document.title='pwned'</script> Leave it.\nLeave a Reply\n",
                    encoding="utf-8")
    page_file = tmp_path / "report.html"
    r = subprocess.run([sys.executable, "-m", "mtaudit.cli", "audit", SAMPLE, evil, "--no-lm", "--format", "html",
                        "-o", page_file], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    expected = json.loads(subprocess.run([sys.executable, "-m", "mtaudit.cli", "audit", SAMPLE, evil, "--no-lm",
                                          "--format", "json"], capture_output=True, text=True).stdout)["files"]
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests = []
            page.on("request", lambda req: requests.append(req.url))
            page.goto(page_file.as_uri())
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            for i, f in enumerate(expected):
                got = page.evaluate("""(idx) => {
                    const sec = document.querySelector('#file-' + idx);
                    const article = sec.querySelector('.article');
                    const out = {};
                    for (const m of article.querySelectorAll('mark')) {
                        const box = m.getBoundingClientRect();
                        const bg = getComputedStyle(m).backgroundColor;
                        for (const k of m.dataset.findings.split(' ')) {
                            out[k] = out[k] || {text: '', visible: true};
                            out[k].text += m.textContent;
                            out[k].visible = out[k].visible && box.width > 0 && box.height > 0 && bg !== 'rgba(0, 0, 0, 0)';
                        }
                    }
                    return {marks: out, text: article.textContent, title: document.title,
                            scripts: document.querySelectorAll('script').length};
                }""", i)
                assert got["scripts"] == 0 and got["title"] == "mtaudit report"
                assert len(got["marks"]) == len(f["findings"])
                for k, finding in enumerate(f["findings"]):
                    mark = got["marks"][str(k)]
                    assert mark["text"] == finding["text"] and mark["visible"], finding
            evil_text = page.evaluate("document.querySelector('#file-1 .article').textContent")
            assert "<script>document.title='pwned'</script>" in evil_text
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests)  # no network requests


def test_api_audit_matches_cli_json():
    from mtaudit import audit, audit_file

    text = SAMPLE.read_bytes().decode("utf-8-sig")
    cli = json.loads(subprocess.run([sys.executable, "-m", "mtaudit.cli", "audit", SAMPLE, "--no-lm", "--format", "json"],
                                    capture_output=True, text=True).stdout)["files"][0]["findings"]
    for rep in (audit(text, lm=False), audit_file(SAMPLE, lm=False)):
        assert [f for f in rep.to_dict()["findings"]] == cli
    # a string is never read as a path
    assert audit(str(SAMPLE), lm=False).findings == []
