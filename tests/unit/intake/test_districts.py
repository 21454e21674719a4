import pytest

from shared.districts.schema import Channel, ComplexityTier, GreenChannel
from services.intake.domain.districts import classify_case, load_district_catalogue
from services.intake.domain.errors import InvalidInput


@pytest.fixture(scope="module")
def catalogue():
    return load_district_catalogue()


@pytest.mark.parametrize(
    ("code", "kinds"),
    [("shenzhen-shahe", 3), ("shanghai-hongkou", 4), ("zhongshan", 8), ("demo", 16)],
)
def test_shipped_districts_carry_their_own_problem_kinds(catalogue, code, kinds):
    assert len(catalogue.district(code).problem_kinds) == kinds


def test_demo_district_opens_every_channel(catalogue):
    assert set(catalogue.district("demo").channels) == set(Channel)


def test_hall_prefix_leads_to_its_district(catalogue):
    hall, district = catalogue.hall("HKQ")
    assert district.code == "shanghai-hongkou"
    assert hall.name_zh == "虹口区行政服务中心"


def test_kind_from_another_district_is_rejected_listing_the_allowed_ones(catalogue):
    with pytest.raises(InvalidInput) as excinfo:
        classify_case(district=catalogue.district("shanghai-hongkou"), channel=Channel.walk_in,
                      problem_kind="expedite")
    (found,) = excinfo.value.problems
    assert found.field == "problem_kind"
    assert "办不了、不会办、难办、快办" in found.zh
    assert "legally_impossible" in found.en


def test_kind_that_means_urgent_puts_the_case_on_the_green_channel(catalogue):
    result = classify_case(district=catalogue.district("shenzhen-shahe"), channel=Channel.walk_in,
                           problem_kind="expedite")
    assert result.green_channel
    plain = classify_case(district=catalogue.district("shenzhen-shahe"), channel=Channel.walk_in,
                          problem_kind="incomplete_materials")
    assert not plain.green_channel


def test_unclassified_case_is_fine_at_registration(catalogue):
    result = classify_case(district=catalogue.district("demo"), channel=Channel.hotline_12345)
    assert result.problem_kind is None and result.complexity_tier is None


def test_channel_tier_and_kind_problems_are_reported_together(catalogue):
    with pytest.raises(InvalidInput) as excinfo:
        classify_case(district=catalogue.district("liuzhou-chengzhong"), channel=Channel.letter,
                      problem_kind="nope", complexity_tier=ComplexityTier.general)
    assert [p.field for p in excinfo.value.problems] == [
        "channel", "problem_kind", "complexity_tier",
    ]


def test_green_channel_request_is_refused_where_the_district_has_none(catalogue):
    hongkou = catalogue.district("shanghai-hongkou")
    without = hongkou.model_copy(update={"green_channel": GreenChannel(enabled=False)})
    with pytest.raises(InvalidInput) as excinfo:
        classify_case(district=without, channel=Channel.walk_in, green_channel_requested=True)
    assert excinfo.value.problems[0].field == "green_channel"


def test_unknown_district_is_invalid_input(catalogue):
    with pytest.raises(InvalidInput):
        catalogue.district("atlantis")


def test_matter_outside_the_districts_catalogue_is_refused_naming_the_field(catalogue):
    with pytest.raises(InvalidInput) as excinfo:
        classify_case(district=catalogue.district("zhongshan"), channel=Channel.walk_in, matter_code="teleport")
    (found,) = excinfo.value.problems
    assert found.field == "matter_code"
    assert "事项目录" in found.zh and "teleport" in found.en
    assert classify_case(district=catalogue.district("zhongshan"), channel=Channel.walk_in,
                         matter_code="lease_filing").problem_kind is None
