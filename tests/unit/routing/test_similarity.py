import pytest

from services.routing.domain.errors import InvalidRequest
from services.routing.domain.similarity import ResolvedCase, SimilarCaseIndex


@pytest.fixture
def index() -> SimilarCaseIndex:
    index = SimilarCaseIndex()
    for case in (
        ResolvedCase(
            case_id="c1",
            text="租赁备案材料缺少银行同意函，容缺受理当天出具租赁凭证",
            lead="housing",
            resolution="容缺受理，材料后补",
        ),
        ResolvedCase(case_id="c2", text="租赁备案失败，一次性告知所缺材料后办结", lead="housing"),
        ResolvedCase(case_id="c3", text="个体户网上地址变更多次失败，线下帮办", lead="market"),
        ResolvedCase(
            case_id="c4", text="营业性演出许可每场需提交五十到一百页材料，改为全程网办", lead="culture_tourism"
        ),
    ):
        index.add(case)
    return index


def test_most_similar_resolved_case_comes_first(index: SimilarCaseIndex) -> None:
    results = index.similar("孩子上学急需租赁凭证，银行同意函来不及", k=3)
    assert results[0].case.case_id == "c1"
    assert 0 < results[0].similarity <= 1
    assert [r.similarity for r in results] == sorted((r.similarity for r in results), reverse=True)


def test_identical_text_scores_one(index: SimilarCaseIndex) -> None:
    assert index.similar("个体户网上地址变更多次失败，线下帮办", k=1)[0].similarity == pytest.approx(1.0)


def test_unrelated_text_returns_nothing_above_the_threshold(index: SimilarCaseIndex) -> None:
    assert index.similar("护照签注", min_similarity=0.1) == []


def test_suggested_lead_is_the_department_of_the_similar_cases(index: SimilarCaseIndex) -> None:
    suggestion = index.suggest_lead("租赁备案缺材料怎么办")
    assert suggestion is not None
    assert suggestion.department == "housing"
    assert set(suggestion.supporting_cases) == {"c1", "c2"}
    assert 0 < suggestion.confidence <= 1


def test_no_suggestion_when_nothing_is_similar(index: SimilarCaseIndex) -> None:
    assert index.suggest_lead("护照签注") is None


def test_adding_a_case_again_replaces_it(index: SimilarCaseIndex) -> None:
    index.add(ResolvedCase(case_id="c3", text="护照签注加急", lead="public_security"))
    assert len(index) == 4
    assert index.similar("个体户地址变更", min_similarity=0.05) == []
    assert index.similar("护照签注")[0].case.lead == "public_security"


def test_empty_index_suggests_nothing() -> None:
    assert SimilarCaseIndex().similar("租赁备案") == []


def test_k_below_one_is_refused(index: SimilarCaseIndex) -> None:
    with pytest.raises(InvalidRequest, match="k must be at least 1"):
        index.similar("租赁备案", k=0)
