"""CI formats: SARIF 2.1.0, GitHub Actions workflow commands, JUnit XML."""
from __future__ import annotations

import json
from pathlib import Path, PurePath
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from ..version import __version__

LEVELS = {"minor": "note", "major": "warning", "critical": "error"}
#: The article-level result of the garble gate, as CI formats name it (not a detector's rule).
GARBLE_ID = "GARBLE"
GARBLE_NAME = "garbled-article"
GARBLE_HELP = ("The article as a whole reads as unedited machine translation: its garble score (the probability, "
               "from the language model's pass, that it is raw MT) reached the gate's threshold "
               "(--fail-on-garble). The sentences named weigh most in the verdict. Opt out per article with "
               "<!-- mtaudit: ignore-garble --> or a baseline entry.")
GITHUB = {"minor": "notice", "major": "warning", "critical": "error"}


def _region(doc, f) -> dict:
    (l1, c1), (l2, c2) = doc.line_col(f.start), doc.line_col(f.end)
    return {"startLine": l1, "startColumn": c1, "endLine": l2, "endColumn": c2, "charOffset": f.start,
            "charLength": f.end - f.start}


def garble_message(r) -> str:
    """One line: the score, the threshold and the sentences that weigh most."""
    why = "; ".join(f"line {s['line']} ({s['garble']:.2f}): {_clip(r.text[s['start']:s['end']])!r}"
                    for s in r.garble_why())
    bar = " (the bar for formal prose)" if r.garble_formal else ""
    return (f"reads as unedited machine translation: garble {r.garble:.3f} >= {r.garble_threshold:.3f}{bar}"
            + (f"; sentences weighing most: {why}" if why else ""))


def _clip(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _garble_region(r) -> dict | None:
    why = r.garble_why(1)
    if not why:
        return None
    doc = r.document
    (l1, c1), (l2, c2) = doc.line_col(why[0]["start"]), doc.line_col(why[0]["end"])
    return {"startLine": l1, "startColumn": c1, "endLine": l2, "endColumn": c2}


def render_sarif(reports, out) -> None:
    from ..detectors import all_rules

    rules = all_rules()
    codes = sorted(rules)
    index = {c: i for i, c in enumerate(codes)}
    results, artifacts = [], []
    for r in reports:
        if r.error:
            continue
        artifacts.append({"location": _location(r.path), "encoding": "utf-8"})
        doc = r.document
        for f in r.findings:
            res = {
                "ruleId": f.code, "ruleIndex": index.get(f.code, -1), "level": LEVELS[f.severity.value],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": _location(r.path),
                                                    "region": _region(doc, f)}}],
                "properties": {"category": f.category.value, "confidence": f.confidence,
                               "severity": f.severity.value},
            }
            fixes = [{"description": {"text": f"replace with {fx.replacement!r} ({fx.applicability.value})"},
                      "artifactChanges": [{"artifactLocation": _location(r.path),
                                           "replacements": [{"deletedRegion": _region(doc, f),
                                                             "insertedContent": {"text": fx.replacement}}]}]}
                     for fx in f.fixes if fx.applicability.value != "display-only"]
            if fixes:
                res["fixes"] = fixes
            results.append(res)
        if r.garble_failed:
            loc = {"artifactLocation": _location(r.path)}
            region = _garble_region(r)
            if region:
                loc["region"] = region
            results.append({"ruleId": GARBLE_ID, "ruleIndex": len(codes), "level": "error",
                            "message": {"text": garble_message(r)}, "locations": [{"physicalLocation": loc}],
                            "properties": {"garble": r.garble, "threshold": r.garble_threshold,
                                           "sentences": r.garble_why()}})
    invocation = {"executionSuccessful": not any(r.error for r in reports)}
    notes = [{"message": {"text": r.error}, "level": "error",
              "locations": [{"physicalLocation": {"artifactLocation": _location(r.path)}}]}
             for r in reports if r.error]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mtaudit", "version": __version__, "informationUri": "https://pypi.org/project/mtaudit/",
                "rules": [{"id": c, "name": rules[c].name,
                           "shortDescription": {"text": rules[c].doc().split("\n\n")[1].replace("\n", " ")
                                                if "\n\n" in rules[c].doc() else rules[c].name},
                           "fullDescription": {"text": rules[c].doc()},
                           "help": {"text": rules[c].doc(), "markdown": rules[c].doc()},
                           "defaultConfiguration": {"level": LEVELS[rules[c].severity.value]},
                           "properties": {"category": rules[c].category.value}} for c in codes]
                         + [{"id": GARBLE_ID, "name": GARBLE_NAME, "shortDescription": {"text": GARBLE_HELP.split(":")[0]},
                             "fullDescription": {"text": GARBLE_HELP}, "help": {"text": GARBLE_HELP},
                             "defaultConfiguration": {"level": "error"},
                             "properties": {"category": "article/garble"}}]}},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
            "artifacts": artifacts,
            "invocations": [invocation],
            "results": results,
        }],
    }
    json.dump(log, out, ensure_ascii=False, indent=1)
    out.write("\n")


SRCROOT = "%SRCROOT%"


def _location(path) -> dict:
    """A SARIF artifactLocation: an RFC 3986 URI reference, percent-encoded; a relative path is
    relative to the run's ``%SRCROOT%`` (the working folder), an absolute one a ``file:`` URI."""
    p = str(path or "-")
    if p == "-":
        return {"uri": "stdin"}
    if PurePath(p).is_absolute():
        return {"uri": Path(p).as_uri()}
    return {"uri": quote(PurePath(p).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def render_github(reports, out) -> None:
    """One workflow command per finding: ``::warning file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::msg``."""
    for r in reports:
        if r.error:
            out.write(f"::error file={_gh_escape(str(r.path), True)},title=mtaudit::{_gh_escape(r.error)}\n")
            continue
        doc = r.document
        for f in r.findings:
            (l1, c1), (l2, c2) = doc.line_col(f.start), doc.line_col(f.end)
            msg = f.message + (f" (suggestion: {f.suggestions[0]!r})" if f.suggestions else "")
            out.write(f"::{GITHUB[f.severity.value]} file={_gh_escape(str(r.path), True)},line={l1},col={c1},"
                      f"endLine={l2},endColumn={c2},title={f.code} {f.name}::{_gh_escape(msg)}\n")
        if r.garble_failed:
            region = _garble_region(r)
            where = f",line={region['startLine']}" if region else ""
            out.write(f"::error file={_gh_escape(str(r.path), True)}{where},title={GARBLE_ID} {GARBLE_NAME}::"
                      f"{_gh_escape(garble_message(r))}\n")


def render_junit(reports, out, fail_rank: int = 1) -> None:
    """One test case per file; it fails when a finding is at or above --fail-on."""
    cases, failures, errors = [], 0, 0
    for r in reports:
        name = quoteattr(str(r.path))
        if r.error:
            errors += 1
            cases.append(f"  <testcase classname=\"mtaudit\" name={name}><error message={quoteattr(r.error)}/></testcase>")
            continue
        doc = r.document
        bad = [f for f in r.findings if f.severity.rank >= fail_rank]
        if bad or r.garble_failed:
            failures += 1
            lines = "\n".join(f"{r.path}:{doc.line_col(f.start)[0]}:{doc.line_col(f.start)[1]}: {f.code} "
                              f"[{f.severity.value}] {f.message}" for f in r.findings)
            if r.garble_failed:
                lines = f"{r.path}: {GARBLE_ID}: {garble_message(r)}" + ("\n" + lines if lines else "")
            why = [f"{len(bad)} findings at or above the fail-on severity"] if bad else []
            why += [f"garble {r.garble:.3f} >= {r.garble_threshold:.3f}"] if r.garble_failed else []
            cases.append(f"  <testcase classname=\"mtaudit\" name={name}><failure message="
                         f"{quoteattr('; '.join(why))}>{escape(lines)}</failure></testcase>")
        else:
            cases.append(f"  <testcase classname=\"mtaudit\" name={name}/>")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuite name="mtaudit" tests="{len(reports)}" failures="{failures}" errors="{errors}">\n')
    out.write("\n".join(cases) + "\n</testsuite>\n")
