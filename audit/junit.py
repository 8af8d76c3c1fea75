"""Gate verdicts as JUnit XML: one testcase per gate, readable by Jenkins, GitLab and the
GitHub Actions test-report actions.

Everything that goes into the file is escaped by the XML writer, and characters that
XML 1.0 cannot carry at all (NUL, terminal escapes and other control characters, which
model output may contain) are replaced by a visible `\\xNN` form first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from audit.gates.verdict import Example, Verdict

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SNIPPET = 300


def xml_safe(text: object) -> str:
    """`text` with every character XML 1.0 forbids written as a visible escape."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _clip(text: str) -> str:
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."


def example_lines(examples: Sequence[Example]) -> list[str]:
    """Plain-text lines describing the worst examples (not yet escaped)."""
    lines = []
    for ex in examples:
        score = f"{ex.value:.3f}" if ex.baseline is None else f"{ex.baseline:.3f} -> {ex.value:.3f}"
        group = f" group={ex.group}" if ex.group else ""
        lines.append(f"- item {ex.item_id}{group} score {score}")
        lines.append(f"    prompt: {_clip(ex.prompt)!r}")
        lines.append(f"    output: {_clip(ex.output)!r}")
        if ex.reference:
            lines.append(f"    expected: {_clip(ex.reference)!r}")
    return lines


def details(verdict: Verdict) -> str:
    """The message, the gate's settings and the worst examples, as plain text."""
    gate = verdict.gate
    lines = [verdict.message,
             (f"verdict: {verdict.status}; on inconclusive: {gate.on_inconclusive}; "
              f"severity: {gate.severity}; confidence: {gate.confidence:g}; min_n: {gate.min_n}")]
    if gate.note:
        lines.append(f"note: {gate.note}")
    if verdict.examples:
        lines.append("worst examples:")
        lines += example_lines(verdict.examples)
    return "\n".join(lines)


def build(verdicts: Sequence[Verdict], *, name: str = "riskaudit") -> ET.Element:
    """The <testsuites> element for `verdicts`."""
    failures = sum(v.outcome == "fail" for v in verdicts)
    skipped = sum(v.outcome == "skip" for v in verdicts)
    counts = {"tests": str(len(verdicts)), "failures": str(failures), "errors": "0",
              "skipped": str(skipped), "time": "0"}
    root = ET.Element("testsuites", {"name": xml_safe(name), **counts})
    suite = ET.SubElement(root, "testsuite", {"name": xml_safe(name), **counts})
    for v in verdicts:
        gate = v.gate
        case = ET.SubElement(suite, "testcase", {
            "classname": xml_safe(f"riskaudit.{gate.suite}"),
            "name": xml_safe(gate.id.removeprefix(f"{gate.suite}::")),
            "time": "0",
        })
        props = ET.SubElement(case, "properties")
        for key, value in (("verdict", v.status), ("severity", gate.severity),
                           ("rule", gate.rule), ("confidence", f"{gate.confidence:g}")):
            ET.SubElement(props, "property", {"name": key, "value": xml_safe(value)})
        text = xml_safe(details(v))
        if v.outcome == "fail":
            ET.SubElement(case, "failure", {"message": xml_safe(v.message), "type": v.status}).text = text
        elif v.outcome == "skip":
            ET.SubElement(case, "skipped", {"message": xml_safe(v.message)})
        else:
            prefix = "WARNING: " if v.outcome == "warn" else ""
            ET.SubElement(case, "system-out").text = prefix + text
    return root


def write(verdicts: Sequence[Verdict], path: str | Path, *, name: str = "riskaudit") -> Path:
    """Write the JUnit XML file (UTF-8, with an XML declaration)."""
    path = Path(path)
    tree = ET.ElementTree(build(verdicts, name=name))
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
