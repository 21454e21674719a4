"""The district pack's schema, its cross-references and `python -m shared.districts validate|list`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared.districts import PACKS_DIR, PackInvalid, load_pack, load_packs
from shared.settings import REPO_ROOT


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PACKS_DIR, tmp_path / "packs"))


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(PackInvalid) as invalid:
        load_pack(folder)
    return invalid.value.problems


def test_every_shipped_pack_is_valid() -> None:
    assert len(load_packs()) == 6


def test_a_matter_naming_an_unknown_department_is_refused_with_its_path(packs: Path) -> None:
    edit(packs / "zhongshan" / "catalogue.yaml", lambda c: c["matters"][3].update(lead_department="xyz"))
    assert problems_of(packs / "zhongshan") == [
        f'{packs / "zhongshan"}/catalogue.yaml: matters[3].lead_department: unknown department "xyz"']


def test_a_negative_tier_is_refused_naming_the_field(packs: Path) -> None:
    edit(packs / "demo" / "sla.yaml", lambda s: s["tiers"]["simple"].update(working_days=-1))
    (problem,) = problems_of(packs / "demo")
    assert "sla.yaml: sla.tiers.simple.working_days: Input should be greater than or equal to 0" in problem


def test_a_kind_without_a_routing_rule_and_not_for_triage_is_refused(packs: Path) -> None:
    edit(packs / "shanghai-hongkou" / "district.yaml", lambda d: d["problem_kinds"][1].pop("routing"))
    (problem,) = problems_of(packs / "shanghai-hongkou")
    assert problem.endswith('district.yaml: problem_kinds[1].routing: kind "does_not_know_how" has no routing rule '
                            "and is not marked manual_triage")


def test_a_duplicate_department_code_is_refused(packs: Path) -> None:
    edit(packs / "demo" / "catalogue.yaml", lambda c: c["departments"].append(dict(c["departments"][4])))
    (problem,) = problems_of(packs / "demo")
    assert problem.endswith("catalogue.yaml: departments[22].code: duplicate code 'tax'")


def test_a_tier_the_sla_does_not_time_is_refused(packs: Path) -> None:
    edit(packs / "liuzhou-chengzhong" / "catalogue.yaml", lambda c: c["matters"][0].update(tier="general"))
    assert [p.split(": ", 1)[1] for p in problems_of(packs / "liuzhou-chengzhong")] == [
        "matters[0].tier: \"general\" is not one of complexity_tiers ['complex', 'simple']"]
    edit(packs / "liuzhou-chengzhong" / "sla.yaml", lambda s: s["tiers"].pop("complex"))
    assert any('sla.tiers: no tier "complex"' in p for p in problems_of(packs / "liuzhou-chengzhong"))


def test_district_codes_take_hyphens_but_not_capitals(packs: Path) -> None:
    assert load_pack(packs / "shenzhen-shahe").code == "shenzhen-shahe"
    edit(packs / "demo" / "district.yaml", lambda d: d.update(code="Demo_1"))
    assert any("district.yaml: code: String should match pattern" in p for p in problems_of(packs / "demo"))


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d["problem_kinds"].append(dict(d["problem_kinds"][0])), "duplicate code 'missing_materials'"),
    (lambda d: d["channels"].append("fax"), "channels[7]: Input should be"),
    (lambda d: d["channels"].append("web"), "listed twice"),
    (lambda d: d.update(green_channel={"enabled": False}), "the district's green channel is not enabled"),
    (lambda d: d.update(surprise=True), "surprise: Extra inputs are not permitted"),
    (lambda d: d["halls"][0].update(code="ft"), "halls[0].code: String should match pattern"),
])
def test_a_broken_district_file_is_refused_naming_the_problem(packs: Path, change, problem: str) -> None:
    edit(packs / "demo" / "district.yaml", change)
    assert any(problem in p for p in problems_of(packs / "demo")), problems_of(packs / "demo")


def test_a_hall_code_of_two_districts_is_refused(packs: Path) -> None:
    edit(packs / "zhongshan" / "district.yaml", lambda d: d["halls"][0].update(code="FT"))
    with pytest.raises(PackInvalid, match='zhongshan: halls\\[0\\].code: "FT" is already a hall of demo'):
        load_packs(packs)


def test_a_district_without_a_dispatch_notification_is_refused(packs: Path) -> None:
    edit(
        packs / "demo" / "notify.yaml",
        lambda n: n.update(rules=[r for r in n["rules"] if r["event"] != "workorder.dispatched"]),
    )
    (problem,) = problems_of(packs / "demo")
    assert 'notify.yaml: notify.rules: no rule tells the lead department of "workorder.dispatched"' in problem


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shared.districts", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)


def test_validate_passes_the_shipped_packs_and_list_names_them() -> None:
    checked = cli("validate")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: ")
    listed = cli("list")
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == sorted(load_packs())


def test_validate_prints_one_line_per_problem_and_fails(packs: Path) -> None:
    edit(packs / "zhongshan" / "catalogue.yaml", lambda c: c["matters"][3].update(lead_department="xyz"))
    edit(packs / "demo" / "sla.yaml", lambda s: s["tiers"]["simple"].update(working_days=-2))
    result = cli("validate", str(packs / "zhongshan"), str(packs / "demo"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and lines[-1] == "2 problem(s)"
    assert 'matters[3].lead_department: unknown department "xyz"' in lines[0]
    assert "sla.tiers.simple.working_days" in lines[1]
