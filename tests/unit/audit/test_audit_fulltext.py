import sqlite3

import pytest

from services.audit.domain.fulltext import EmptyQueryError, fts5_match, index_tokens, tsquery

DOCUMENTS = {
    1: "办理房屋租赁备案时材料不齐，窗口一次性告知所缺材料",
    2: "住宅改为经营性用房，需要经联社公示后出具住改商证明",
    3: "老人不会使用自助机申请食品经营许可证，现场帮办",
    4: "Business scope change 经营范围变更 after office hours, 快递寄送执照",
    5: "备案号查询：ICP备案与租赁合同无关",
}


@pytest.fixture
def fts5():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(tokens)")  # default unicode61 tokenizer
    db.executemany("INSERT INTO docs(rowid, tokens) VALUES (?, ?)",
                   [(rowid, index_tokens(text)) for rowid, text in DOCUMENTS.items()])
    yield lambda query: sorted(
        r for (r,) in db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (fts5_match(query),))
    )
    db.close()


def test_cjk_runs_become_ordered_bigrams_then_unigrams():
    assert index_tokens("租赁备案") == "租赁 赁备 备案 租 赁 备 案"


def test_latin_and_full_width_text_becomes_lowercase_words():
    assert index_tokens("ICP备案 ＡＢＣ１２") == "icp 备案 abc12 备 案"


@pytest.mark.parametrize(("query", "expected"), [
    ("租赁备案", [1]),
    ("住改商", [2]),
    ("食品经营许可证", [3]),
    ("经营", [2, 3, 4]),
    ("商", [2]),
    ("BUSINESS 执照", [4]),
    ("备案", [1, 5]),
])
def test_fts5_finds_real_chinese_phrases(fts5, query, expected):
    assert fts5(query) == expected


def test_phrase_query_does_not_match_scattered_bigrams(fts5):
    # Document 5 holds 租赁 and 备案 but not 租赁备案 in a row.
    assert fts5("租赁备案") == [1] and fts5("租赁 备案") == [1, 5]


def test_postgres_query_uses_followed_by_within_a_phrase():
    assert tsquery("住改商 icp") == "(住改 <-> 改商) & (icp)"
    assert tsquery("商") == "(商)"


def test_query_of_punctuation_only_is_refused():
    with pytest.raises(EmptyQueryError):
        fts5_match("，。！ ")
