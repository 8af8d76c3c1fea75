"""Tests of the taxonomy data and its loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import taxonomy
from taxonomy import coverage, load

# The table in DESIGN.md, copied by hand: the data file must match it exactly.
EXPECTED_AREAS = [
    ("I", "Discrimination, Exclusion and Toxicity"),
    ("II", "Information Hazards"),
    ("III", "Misinformation Harms"),
    ("IV", "Malicious Uses"),
    ("V", "Human-Computer Interaction Harms"),
    ("VI", "Automation, Access, and Environmental Harms"),
]
EXPECTED_RISKS = [
    ("R01", "I", "Social stereotypes and unfair discrimination"),
    ("R02", "I", "Exclusionary norms"),
    ("R03", "I", "Toxic language"),
    ("R04", "I", "Lower performance for some languages and social groups"),
    ("R05", "II", "Compromising privacy by leaking private information"),
    ("R06", "II", "Compromising privacy by correctly inferring private information"),
    ("R07", "II", "Risks from leaking or correctly inferring sensitive information"),
    ("R08", "III", "Disseminating false or misleading information"),
    (
        "R09",
        "III",
        "Causing material harm by disseminating false or poor information e.g. in medicine or law",
    ),
    ("R10", "III", "Leading users to perform unethical or illegal actions"),
    ("R11", "IV", "Making disinformation cheaper and more effective"),
    ("R12", "IV", "Facilitating fraud, scams and more targeted manipulation"),
    ("R13", "IV", "Assisting code generation for cyber attacks, weapons, or malicious use"),
    ("R14", "IV", "Illegitimate surveillance and censorship"),
    ("R15", "V", "Anthropomorphising systems can lead to overreliance or unsafe use"),
    ("R16", "V", "Creating avenues for exploiting user trust, nudging or manipulation"),
    ("R17", "V", "Promoting harmful stereotypes by implying gender or ethnic identity"),
    ("R18", "VI", "Environmental harms from operating LMs"),
    ("R19", "VI", "Increasing inequality and negative effects on job quality"),
    ("R20", "VI", "Undermining creative economies"),
    ("R21", "VI", "Disparate access to benefits due to hardware, software, skill constraints"),
]


def test_public_api_is_exactly_this():
    assert sorted(taxonomy.__all__) == [
        "Area", "Coverage", "Risk", "RiskCoverage", "Taxonomy", "coverage", "load",
    ]  # fmt: skip


def test_areas_match_design():
    assert [(a.id, a.name) for a in load().areas] == EXPECTED_AREAS


def test_risks_match_design():
    assert [(r.id, r.area, r.name) for r in load().risks] == EXPECTED_RISKS


def test_every_risk_has_description_and_checklist_of_questions():
    for r in load().risks:
        assert 2 <= len(re.findall(r"[.!?](\s|$)", r.description)) <= 3, r.id
        assert 3 <= len(r.checklist) <= 5, r.id
        assert all(q.endswith("?") for q in r.checklist), r.id


def test_load_is_cached_and_frozen():
    assert load() is load()
    with pytest.raises(AttributeError):
        load().risks[0].name = "x"  # type: ignore[misc]


def test_lookups():
    tax = load()
    assert tax.risk("R18").name == "Environmental harms from operating LMs"
    assert tax.area("II").name == "Information Hazards"
    assert [r.id for r in tax.risks_in("II")] == ["R05", "R06", "R07"]
    assert tax.ids() == frozenset(f"R{i:02d}" for i in range(1, 22))


def test_unknown_ids_raise_key_error_naming_the_id():
    with pytest.raises(KeyError, match="R99"):
        load().risk("R99")
    with pytest.raises(KeyError, match="VII"):
        load().area("VII")


# --- coverage ----------------------------------------------------------------


def test_full_beats_partial():
    cov = coverage({"b": {"R03": "partial"}, "a": {"R03": "full"}})["R03"]
    assert (cov.status, cov.suites, cov.partial_by) == ("probed", ("a", "b"), ("b",))


def test_partial_only_gives_partial():
    cov = coverage({"x": {"R08": "partial"}, "y": {"R08": "partial"}})["R08"]
    assert (cov.status, cov.suites, cov.partial_by) == ("partial", ("x", "y"), ("x", "y"))


def test_untouched_risks_are_review_and_all_21_are_present():
    result = coverage({"tox": {"R03": "full"}})
    assert list(result) == [rid for rid, _, _ in EXPECTED_RISKS]
    assert result["R18"].status == "review" and result["R18"].suites == ()


def test_unknown_risk_id_raises_naming_suite_and_id():
    with pytest.raises(ValueError, match=r"'crows'.*'R42'"):
        coverage({"crows": {"R01": "full", "R42": "partial"}})


def test_unknown_coverage_level_raises():
    with pytest.raises(ValueError, match="'crows'"):
        coverage({"crows": {"R01": "some"}})


# --- loader validation -------------------------------------------------------


def _default_data() -> dict:
    path = Path(taxonomy.__file__).with_name("risks.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "risks.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_load_accepts_a_valid_file_from_a_path(tmp_path):
    assert load(_write(tmp_path, _default_data())) == load()


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d.update(extra=1), "unexpected keys"),
        (lambda d: d["risks"][0].pop("checklist"), "missing keys"),
        (lambda d: d["risks"].pop(), "expected 21 risks"),
        (lambda d: d["risks"][1].update(id="R01"), "duplicate risk id"),
        (lambda d: d["risks"][0].update(area="IX"), "unknown area"),
        (lambda d: d["risks"][0].update(checklist=[]), "checklist"),
        (lambda d: d.update(version=2), "version"),
    ],
)
def test_load_rejects_malformed_file(tmp_path, break_it, message):
    data = _default_data()
    break_it(data)
    with pytest.raises(ValueError, match=message) as err:
        load(_write(tmp_path, data))
    assert "\n" not in str(err.value)


def test_load_rejects_invalid_yaml(tmp_path):
    path = tmp_path / "risks.yaml"
    path.write_text("version: 1\nareas: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML") as err:
        load(path)
    assert "\n" not in str(err.value)
