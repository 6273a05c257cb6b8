"""The segment rule language: text -> canonical tree, JSON checks with their locations, errors that
point at the column of the mistake, and text written back from a tree reading the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shoplens.analyses.segments import normalise, parse_rule, read_json, to_text
from shoplens.analyses.segments.parser import RuleSyntaxError
from shoplens.errors import ShoplensError

PARSED = [
    ("orders>=3", {"metric": "orders", ">=": 3}),
    ("lifetime_gmv > 99.5", {"metric": "lifetime_gmv", ">": 99.5}),
    ("orders==2", {"metric": "orders", "=": 2}),
    ("did(purchase)", {"event": "purchase"}),
    ("DID(buy, MIN=2, last_days=30)", {"event": "purchase", "min": 2, "last_days": 30}),  # aliases, any case
    ("did(add_to_cart, max=0, from=2026-03-01, to=2026-03-31)",
     {"event": "add_to_cart", "max": 0, "from": "2026-03-01", "to": "2026-03-31"}),
    ("did(purchase[channel=直播|kol, device!=Desktop])",
     {"event": "purchase", "where": ["channel=live_stream|kol", "device!=desktop"]}),
    ("did(purchase[properties.coupon=spring])", {"event": "purchase", "where": ["properties.coupon=spring"]}),
    ("did(my_custom.event)", {"event": "my_custom.event"}),
    ('country="United Kingdom"|EIRE', {"property": "country", "in": ["United Kingdom", "EIRE"]}),
    ("country!=GB", {"not": {"property": "country", "in": ["GB"]}}),
    ("member_tier=Gold", {"property": "member_tier", "in": ["gold"]}),
    ("first_channel=直播", {"property": "first_channel", "in": ["live_stream"]}),
    ("device=Mobile|mobile", {"property": "device", "in": ["mobile"]}),
    ("rfm=Core|champions", {"rfm": ["core", "rising"]}),  # champions: the old id of rising (#14)
    ("rfm!=lost", {"not": {"rfm": ["lost"]}}),
    ("orders>=1 or orders<1 and not did(purchase)",
     {"or": [{"metric": "orders", ">=": 1},
             {"and": [{"metric": "orders", "<": 1}, {"not": {"event": "purchase"}}]}]}),
    ("(orders>=1 or orders<1) && !did(purchase) && (country=GB and device=app)",
     {"and": [{"or": [{"metric": "orders", ">=": 1}, {"metric": "orders", "<": 1}]},
              {"not": {"event": "purchase"}}, {"property": "country", "in": ["GB"]},
              {"property": "device", "in": ["app"]}]}),
    ("not not orders>=1 || orders<0", {"or": [{"not": {"not": {"metric": "orders", ">=": 1}}},
                                               {"metric": "orders", "<": 0}]}),
    # the bounds themselves are allowed (docstring of segments.parser); pv is product_view
    ("did(pv, min=1000000000, last_days=36500)", {"event": "product_view", "min": 1000000000, "last_days": 36500}),
    ("did(purchase, min=007, from=1970-01-01, to=2099-12-31)",
     {"event": "purchase", "min": 7, "from": "1970-01-01", "to": "2099-12-31"}),
    ("orders>=-1000000000 and lifetime_gmv<1e15", {"and": [{"metric": "orders", ">=": -1000000000},
                                                          {"metric": "lifetime_gmv", "<": 1e15}]}),
]


@pytest.mark.parametrize(("text", "tree"), PARSED, ids=[p[0] for p in PARSED])
def test_text_to_tree_and_back(text: str, tree: dict[str, Any]) -> None:
    assert parse_rule(text) == tree
    assert parse_rule(to_text(tree)) == tree  # the written-back text reads the same
    assert normalise(json.loads(json.dumps(tree))) == tree  # the JSON form is already canonical


def test_written_text() -> None:
    rule = ('orders>=3 and lifetime_gmv>=500.0 and not did(purchase, last_days=90) and '
            '(country="United Kingdom" or rfm=core|champions) and did(buy[channel=直播], min=2)')
    assert to_text(parse_rule(rule)) == (
        'orders>=3 and lifetime_gmv>=500 and not did(purchase, last_days=90) and '
        '(country="United Kingdom" or rfm=core|rising) and did(purchase[channel=live_stream], min=2)')


ERRORS = [
    # (rule, column, words in the message)
    ("orders>=3 and and did(purchase)", 15, "expected a condition, found 'and'"),
    ("orders>=3 an did(purchase)", 11, "expected and, or or the end of the rule, found 'an'"),
    ("did(purchase, mni=2)", 15, "unknown did() option 'mni'"),
    ("did(purchase, min=2 last_days=3)", 21, "expected ',' or ')' in did(...)"),
    ("did(purchase, min=2, min=3)", 22, "min given twice"),
    ("did(1buy)", 5, "'1buy' is not an event name"),
    ("did(purchase[foo=1])", 13, "unknown key 'foo'"),
    ("did(purchase[channel=live_stream, min=2)", 13, "'[' is never closed"),
    ("did(purchase, min=-1)", 19, "min must be a whole number >= 0"),
    ("did(purchase, min=0)", 19, "min=0 without max matches every user"),
    ("did(purchase, min=3, max=2)", 26, "max 2 is below min 3"),
    ("did(purchase, last_days=0)", 25, "last_days must be a whole number >= 1"),
    ("did(purchase, last_days=30, to=2026-01-01)", 25, "last_days cannot be combined with from/to"),
    ("did(purchase, from=2026-02-30)", 20, "'2026-02-30' is not a date"),
    ("did(purchase, from=2026-03-02, to=2026-03-01)", 20, "from 2026-03-02 is after to 2026-03-01"),
    ("country=", 9, "expected a value, found the end of the rule"),
    ("country=GB|", 12, "expected a value after |"),
    ('country="United Kingdom', 9, "unterminated quoted value"),
    ("member_tier>gold", 12, "expected = or !="),
    ("orders>=abc", 9, ">= needs a number, not 'abc'"),
    ("orders", 7, "expected a comparison after orders"),
    ("rfm=core|bogus", 5, "unknown RFM tier 'bogus'"),
    ("(orders>=3", 11, "expected ')', found the end of the rule"),
    ("orders>=3 )", 11, "found ')'"),
    ("foo=1", 1, "unknown condition 'foo'"),
    ('__import__("os").system("x")', 1, "unknown condition '__import__'"),
    ("not", 4, "expected a condition, found the end of the rule"),
    ("not " * 40 + "orders>=1", 129, "rule nested deeper than 32 levels"),
    ("(" * 40 + "orders>=1" + ")" * 40, 33, "rule nested deeper than 32 levels"),
    # bounds: nothing may overflow a date or a number on its way to DuckDB
    ("did(purchase, last_days=36501)", 25, "last_days must be at most 36,500, not '36501'"),
    ("did(purchase, last_days=99999999)", 25, "last_days must be at most 36,500"),
    ("did(purchase, min=²)", 19, "min must be a whole number >= 0, not '²'"),  # '²'.isdigit() is True
    ("did(purchase, max=١)", 19, "max must be a whole number >= 0, not '١'"),  # Arabic-Indic one
    ("did(purchase, min=1000000001)", 19, "min must be at most 1,000,000,000"),
    ("did(purchase, min=" + "9" * 5000 + ")", 19, "min must be at most 1,000,000,000"),
    ("did(purchase, from=1969-12-31)", 20, "from 1969-12-31 is outside 1970-01-01 .. 2099-12-31"),
    ("did(purchase, from=0001-01-01)", 20, "from 0001-01-01 is outside 1970-01-01 .. 2099-12-31"),
    ("did(purchase, to=9999-12-31)", 18, "to 9999-12-31 is outside 1970-01-01 .. 2099-12-31"),
    ("did(purchase, to=2100-01-01)", 18, "to 2100-01-01 is outside"),
    ("orders>=1000000001", 9, "orders>=1000000001 is out of range"),
    ("lifetime_gmv<-2e15", 14, "lifetime_gmv<-2000000000000000.0 is out of range"),
    ("orders>=1e999", 9, ">= needs a finite number"),
    ("orders>=١٢", 9, ">= needs a number, not '١٢'"),
    ("orders>=" + "9" * 5000, 9, ">= needs a number"),
    ('country="a\x00b"', 11, "the rule contains a NUL byte"),
    ("did(purchase[channel=a\x00b])", 23, "the rule contains a NUL byte"),
    ('country="' + "x" * 1001 + '"', 9, "is too long (1001 characters)"),
]


@pytest.mark.parametrize(("rule", "column", "words"), ERRORS, ids=[e[0][:60] for e in ERRORS])
def test_mistakes_point_at_their_column(rule: str, column: int, words: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(rule)
    exc = info.value
    assert exc.column == column and exc.message.startswith(f"rule column {column}: "), str(exc)
    assert words in exc.message, exc.message
    assert exc.render("zh").startswith(f"规则第 {column} 列：")
    before = exc.hint.split("⟪here⟫")[0].lstrip("…")
    assert "⟪here⟫" in exc.hint and rule[:column - 1].endswith(before), exc.hint  # the rule marked at the column
    assert exc.zh and exc.zh != exc.message and exc.zh_hint  # both languages


def test_empty_rule() -> None:
    with pytest.raises(ShoplensError, match="the rule is empty"):
        parse_rule("   ")


JSON_ERRORS = [
    ({"and": [{"metric": "orders", ">=": 1}, {"event": "purchase", "min": -1}]}, "rule $.and[1].min",
     "min must be a whole number"),
    ({"or": []}, "rule $.or", "needs a list of one or more conditions"),
    ({"not": {"event": "purchase", "last_days": 7, "from": "2026-01-01"}}, "rule $.not.last_days",
     "cannot be combined"),
    ({"event": "purchase", "colour": "red"}, "rule $.colour", "unknown key 'colour'"),
    ({"event": "purchase", "where": ["nope=1"]}, "rule $.where", "unknown key 'nope'"),
    ({"property": "height", "in": ["2m"]}, "rule $.property", "unknown property 'height'"),
    ({"property": "country"}, "rule $.property", 'needs "in"'),
    ({"property": "country", "in": []}, "rule $.in", "needs one or more values"),
    ({"metric": "orders", ">=": 1, "<=": 5}, "rule $.metric", "exactly one comparison"),
    ({"metric": "orders", ">=": True}, "rule $.>=", "needs a number"),
    ({"metric": "ltv", ">=": 1}, "rule $.metric", "unknown metric 'ltv'"),
    ({"rfm": ["core", "nope"]}, "rule $.rfm", "unknown RFM tier 'nope'"),
    ({"event": "purchase", "rfm": ["core"]}, "rule $.rfm", "exactly one of"),
    ({}, "rule $", "exactly one of"),
    ({"and": [["orders>=1"]]}, "rule $.and[0]", "must be an object"),
    ({"event": "purchase", "last_days": 36501}, "rule $.last_days", "last_days must be at most 36,500"),
    ({"event": "purchase", "min": "²"}, "rule $.min", "min must be a whole number >= 0, not '²'"),
    ({"event": "purchase", "min": 2.0}, "rule $.min", "min must be a whole number >= 0"),
    ({"event": "purchase", "max": 10**40}, "rule $.max", "max must be at most 1,000,000,000, not a number of 30+"),
    ({"event": "purchase", "from": "0001-01-01"}, "rule $.from", "from 0001-01-01 is outside 1970-01-01"),
    ({"event": "purchase", "to": "9999-12-31"}, "rule $.to", "to 9999-12-31 is outside"),
    ({"metric": "orders", ">=": 10**12}, "rule $.>=", "orders>=1000000000000 is out of range"),
    ({"metric": "lifetime_gmv", "<": float("inf")}, "rule $.<", "< needs a finite number"),
    ({"metric": "lifetime_gmv", "<": "١"}, "rule $.<", "< needs a number, not '١'"),
    ({"property": "country", "in": ["a\x00b"]}, "rule $.in", "contains a NUL byte"),
    ({"property": "device", "in": ["x" * 1001]}, "rule $.in", "is too long (1001 characters)"),
    ({"event": "purchase", "where": ["channel=a\x00b"]}, "rule $.where", "contains a NUL byte"),
    ({"event": "purchase", "where": ["country=" + "x" * 1001]}, "rule $.where", "is too long (1001 characters)"),
    ({"event": "pur\x00chase"}, "rule $.event", "contains a NUL byte"),
    ({"rfm": ["core\x00"]}, "rule $.rfm", "contains a NUL byte"),
    ({"or": [{"metric": "orders", ">=": i} for i in range(201)]}, "rule $", "201 conditions, more than 200"),
]


@pytest.mark.parametrize(("tree", "where", "words"), JSON_ERRORS, ids=[str(e[0])[:60] for e in JSON_ERRORS])
def test_json_mistakes_name_their_path(tree: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(ShoplensError) as info:
        normalise(tree)
    assert info.value.where == where and words in info.value.message, str(info.value)
    assert info.value.zh


def test_json_text_or_file(tmp_path: Path) -> None:
    assert normalise(read_json('{"rfm": "core"}')) == {"rfm": ["core"]}
    file = tmp_path / "rule.json"
    file.write_text(json.dumps({"and": [{"and": [{"metric": "orders", ">=": 2}]}, {"event": "purchase"}]}))
    assert normalise(read_json(str(file))) == {"and": [{"metric": "orders", ">=": 2}, {"event": "purchase"}]}
    with pytest.raises(ShoplensError) as info:
        read_json('{"rfm": ')
    assert info.value.where == "--json:1:9" and "not valid JSON" in str(info.value)
    with pytest.raises(ShoplensError, match="neither JSON text nor a file"):
        read_json(str(tmp_path / "missing.json"))
    with pytest.raises(ShoplensError, match="must be an object"):
        read_json("[1, 2]")


def test_huge_rules_are_refused_as_a_whole() -> None:
    with pytest.raises(ShoplensError, match="the rule is 24000 characters long, more than 20000") as info:
        parse_rule("orders>=1 or " * 1846 + "x" * 2)
    assert info.value.zh and "拆成" in info.value.render("zh")
    with pytest.raises(ShoplensError, match="the rule has 201 conditions, more than 200"):
        parse_rule(" or ".join(["orders>=1"] * 201))
    assert len(parse_rule(" or ".join(f"orders>={i}" for i in range(200)))["or"]) == 200
    with pytest.raises(ShoplensError, match="a segment rule is text or a dict, not int"):
        parse_rule(5)  # type: ignore[arg-type]
    with pytest.raises(ShoplensError, match="nested too deeply"):
        read_json("[" * 100_000)


def test_a_segments_stores_are_kept_and_never_empty(tmp_path: Path) -> None:
    """``stores`` says which API logins see a saved segment: None = shared, a list = logins of those stores."""
    import shoplens
    from shoplens.analyses.segments import get_segment, save_segment
    from shoplens.analyses.segments.store import SegmentNotFound

    with shoplens.connect(str(tmp_path / "s.duckdb")) as wh:
        with pytest.raises(ShoplensError, match="cannot be empty"):
            save_segment(wh, "none", "orders>=1", stores=[])
        assert save_segment(wh, "mine", "orders>=1", stores=["b", "a", "a"])[0].stores == ("a", "b")
        assert save_segment(wh, "mine", "orders>=2")[0].stores == ("a", "b")  # a re-save keeps them
        shared = save_segment(wh, "ours", "orders>=1")[0]
        assert shared.stores is None and shared.to_dict()["stores"] == ["*"]
        with pytest.raises(SegmentNotFound) as missing:
            get_segment(wh, "nope")
        assert missing.value.name == "nope"
