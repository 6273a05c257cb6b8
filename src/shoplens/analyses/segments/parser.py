"""The rule text syntax of the CLI, read by a small recursive-descent parser (no eval).

Grammar (keywords are case-insensitive; ``&&``, ``||`` and ``!`` may stand for and/or/not)::

    rule     := and ("or" and)*
    and      := unary ("and" unary)*
    unary    := "not" unary | primary
    primary  := "(" rule ")" | did | test
    did      := "did" "(" EVENT ["[" KEY(=|!=)V[|V...] ("," ...)* "]"] ("," ARG "=" VALUE)* ")"
                ARG: min | max | last_days | from | to
    test     := PROPERTY ("=" | "!=") VALUE ("|" VALUE)*     PROPERTY: country, member_tier, first_channel, device
              | METRIC (">=" | ">" | "<=" | "<" | "=" | "!=") NUMBER      METRIC: orders, lifetime_gmv
              | "rfm" ("=" | "!=") TIER ("|" TIER)*
    VALUE    := a bare word (letters, digits, _ - . : and non-ASCII) or a "quoted string"

``PROPERTY!=V`` and ``rfm!=T`` are ``not (PROPERTY=V)``: users with an unknown value match them.
Every mistake is reported with its column and the rule text marked at that point.

Bounds (checked here and in :mod:`.rules` for JSON trees, so a rule can never overflow a date or a
number, and checked again by compiling the rule against the warehouse before it is saved):

- numbers are ASCII: digits ``0-9`` (``²`` or ``١`` are refused), an optional sign, ``.`` and an
  exponent for metrics; ``min`` / ``max`` are whole numbers 0 .. 1,000,000,000 (``MAX_COUNT``);
- ``last_days`` is 1 .. 36,500 (a century, ``MAX_LAST_DAYS``);
- ``from`` / ``to`` (and a segment's as-of day) are dates 1970-01-01 .. 2099-12-31, the dates
  every analysis accepts (``FIRST_DAY`` / ``LAST_DAY`` of :mod:`shoplens.analyses.context`);
- ``orders`` compares with -1e9 .. 1e9, ``lifetime_gmv`` with -1e15 .. 1e15 (``MAX_AMOUNT``);
- values (countries, tiers, channels, event conditions) are at most 1,000 characters and hold no
  NUL byte; the rule text is at most 20,000 characters with at most 200 conditions
  (``MAX_CONDITIONS``) nested at most 32 levels (``MAX_DEPTH``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoplens.analyses.segments.rules import EVENT_ARGS, MAX_DEPTH, METRICS, OPS, PROPERTIES, RuleError, normalise
from shoplens.errors import ShoplensError

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<conditions>\[[^\]]*\])
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>>=|<=|!=|==|=|>|<)
  | (?P<logic>&&|\|\||!)
  | (?P<punct>[()\[\],|])
  | (?P<word>[^\s()\[\],|=!<>&"']+)
""", re.VERBOSE)
KEYWORDS = {"and": "and", "&&": "and", "or": "or", "||": "or", "not": "not", "!": "not"}
MAX_RULE_CHARS = 20_000


class RuleSyntaxError(ShoplensError):
    """A mistake in rule text; ``column`` is 1-based."""

    def __init__(self, message: str, *, column: int, zh: str, hint: str, zh_hint: str) -> None:
        super().__init__(message, hint=hint, zh=zh, zh_hint=zh_hint)
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # string, op, logic, punct, word, end
    text: str
    col: int  # 1-based column of the first character

    @property
    def keyword(self) -> str | None:
        if self.kind in ("word", "logic"):
            return KEYWORDS.get(self.text.lower())
        return None

    @property
    def value(self) -> str:
        """The text of a word, or a quoted string without its quotes."""
        if self.kind == "string":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        return self.text


def _mark(text: str, col: int) -> str:
    """The rule with ``⟪here⟫`` at the column (shortened around it)."""
    i = col - 1
    text = text.replace("\x00", "\u2400")  # a NUL byte shown as ␀ (same length: columns still match)
    before, after = text[:i], text[i:]
    if len(before) > 40:
        before = "…" + before[-39:]
    if len(after) > 30:
        after = after[:29] + "…"
    return f"{before}⟪here⟫{after}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.i = 0
        self.depth = 0  # nested not / ( ): bounded, so a silly rule cannot exhaust the stack

    # ---- errors -----------------------------------------------------------------------------------
    def error(self, col: int, message: str, zh: str, hint: str = "", zh_hint: str = "") -> RuleSyntaxError:
        marked = _mark(self.text, col)
        return RuleSyntaxError(f"rule column {col}: {message}", column=col, zh=f"规则第 {col} 列：{zh}",
                               hint=marked + (f"; {hint}" if hint else ""),
                               zh_hint=marked + (f"；{zh_hint}" if zh_hint else ""))

    def _tokenize(self, text: str) -> list[Token]:
        if "\x00" in text:
            raise self.error(text.index("\x00") + 1, "the rule contains a NUL byte (\\x00)",
                             "规则含有 NUL 字符（\\x00）", "remove it", "请删除该字符")
        tokens, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:  # only an unterminated quote gets here
                raise self.error(pos + 1, "unterminated quoted value", "引号没有闭合",
                                 "close the quote", "请补上结束引号")
            if m.lastgroup != "space":
                tokens.append(Token(m.lastgroup or "", m.group(), pos + 1))
            pos = m.end()
        tokens.append(Token("end", "", len(text) + 1))
        return tokens

    # ---- tokens -----------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def expect(self, text: str, what_en: str, what_zh: str) -> Token:
        if self.tok.text != text:
            raise self.unexpected(f"expected {what_en}", f"这里应是{what_zh}")
        return self.next()

    def unexpected(self, en: str, zh: str, hint: str = "", zh_hint: str = "") -> ShoplensError:
        tok = self.tok
        found = "the end of the rule" if tok.kind == "end" else repr(tok.text)
        found_zh = "规则结尾" if tok.kind == "end" else repr(tok.text)
        return self.error(tok.col, f"{en}, found {found}", f"{zh}，实际是 {found_zh}", hint, zh_hint)

    # ---- grammar ----------------------------------------------------------------------------------
    def rule(self) -> dict[str, Any]:
        node = self.binary("or")
        if self.tok.kind != "end":
            raise self.unexpected("expected and, or or the end of the rule", "这里应是 and、or 或规则结尾")
        return node

    def binary(self, op: str) -> dict[str, Any]:
        lower = (lambda: self.binary("and")) if op == "or" else self.unary
        items = [lower()]
        while self.tok.keyword == op:
            self.next()
            items.append(lower())
        return items[0] if len(items) == 1 else {op: items}

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(self.tok.col, f"rule nested deeper than {MAX_DEPTH} levels",
                             f"规则嵌套超过 {MAX_DEPTH} 层")

    def unary(self) -> dict[str, Any]:
        if self.tok.keyword == "not":
            self.nest()
            self.next()
            node = {"not": self.unary()}
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> dict[str, Any]:
        tok = self.tok
        if tok.text == "(":
            self.nest()
            self.next()
            node = self.binary("or")
            self.expect(")", "')'", " ')'")
            self.depth -= 1
            return node
        if tok.kind != "word" or tok.keyword:
            raise self.unexpected("expected a condition", "这里应是一个条件", CONDITIONS_EN, CONDITIONS_ZH)
        name = tok.text.lower()
        if name == "did" and self.tokens[self.i + 1].text == "(":
            return self.did()
        self.next()
        if name == "rfm":
            negate, values = self.choice(), self.values()
            return self.negated_if(negate, {"rfm": [v.value for v in values]}, {"rfm": values[0]})
        if name in PROPERTIES:
            negate, values = self.choice(), self.values()
            return self.negated_if(negate, {"property": name, "in": [v.value for v in values]},
                                   {"property": tok, "in": values[0]})
        if name in METRICS:
            op_tok = self.tok
            if op_tok.kind != "op":
                raise self.unexpected(f"expected a comparison after {name}", f"{name} 之后应是比较符",
                                      "one of " + " ".join(OPS), "可用：" + " ".join(OPS))
            self.next()
            op = "=" if op_tok.text == "==" else op_tok.text
            value = self.value("a number", "一个数字")
            return self.leaf({"metric": name, op: value.value}, {"metric": tok, op: value})
        raise self.error(tok.col, f"unknown condition {tok.text!r}", f"未知的条件 {tok.text!r}",
                         CONDITIONS_EN, CONDITIONS_ZH)

    def choice(self) -> bool:
        """``=`` (False) or ``!=`` (True) after a property or rfm."""
        tok = self.tok
        if tok.text not in ("=", "==", "!="):
            raise self.unexpected("expected = or !=", "这里应是 = 或 !=")
        self.next()
        return tok.text == "!="

    def negated_if(self, negate: bool, leaf: dict[str, Any], places: dict[str, Token]) -> dict[str, Any]:
        node = self.leaf(leaf, places)
        return {"not": node} if negate else node

    def value(self, what_en: str, what_zh: str) -> Token:
        if self.tok.kind not in ("word", "string") or self.tok.keyword:
            raise self.unexpected(f"expected {what_en}", f"这里应是{what_zh}")
        return self.next()

    def values(self) -> list[Token]:
        out = [self.value("a value", "一个值")]
        while self.tok.text == "|":
            self.next()
            out.append(self.value("a value after |", " | 之后的值"))
        return out

    def did(self) -> dict[str, Any]:
        start = self.next()  # did
        self.next()  # (
        event = self.value("an event name", "事件名")
        leaf: dict[str, Any] = {"event": event.value}
        places: dict[str, Token] = {"event": event}
        if self.tok.text == "[":  # the tokenizer found no ']' after it
            raise self.error(self.tok.col, "'[' is never closed", "'[' 没有闭合", "add ']'", "请补上 ']'")
        if self.tok.kind == "conditions":
            places["where"] = self.tok
            inner = self.next().text[1:-1]  # checked like funnel step filters: KEY=V|V, KEY!=V, ...
            leaf["where"] = [part.strip() for part in inner.split(",") if part.strip()]
        while self.tok.text == ",":
            self.next()
            arg = self.value("an option (" + ", ".join(EVENT_ARGS) + ")", "选项（" + ", ".join(EVENT_ARGS) + "）")
            key = arg.text.lower()
            if key not in EVENT_ARGS:
                raise self.error(arg.col, f"unknown did() option {arg.text!r}", f"未知的 did() 选项 {arg.text!r}",
                                 "options: " + ", ".join(EVENT_ARGS), "可用选项：" + ", ".join(EVENT_ARGS))
            if key in leaf:
                raise self.error(arg.col, f"{key} given twice", f"{key} 重复出现")
            self.expect("=", f"'=' after {key}", f" {key} 之后的 '='")
            places[key] = self.value(f"a value for {key}", f" {key} 的值")
            leaf[key] = places[key].value
        if self.tok.text != ")":
            raise self.unexpected("expected ',' or ')' in did(...)", "did(...) 中这里应是 ',' 或 ')'")
        self.next()
        places.setdefault("did", start)
        return self.leaf(leaf, places)

    def leaf(self, leaf: dict[str, Any], places: dict[str, Token]) -> dict[str, Any]:
        """A checked leaf; a mistake points at the token of the key it concerns."""
        try:
            return normalise_leaf(leaf)
        except RuleError as exc:
            tok = places.get(exc.key or "") or next(iter(places.values()))
            raise self.error(tok.col, exc.message, exc.zh or exc.message, exc.hint or "", exc.zh_hint or "") from None


CONDITIONS_EN = ("conditions: did(EVENT, min=N, last_days=N), orders>=N, lifetime_gmv>=X, country=GB|FR, "
                 "member_tier=gold, first_channel=live_stream, device=mobile, rfm=rising, not/and/or, ( )")
CONDITIONS_ZH = ("可用条件：did(事件, min=N, last_days=N)、orders>=N、lifetime_gmv>=X、country=GB|FR、"
                 "member_tier=gold、first_channel=live_stream、device=mobile、rfm=rising、not/and/or、( )")


def normalise_leaf(leaf: dict[str, Any]) -> dict[str, Any]:
    """One leaf through the JSON checks, keeping RuleError (with its key) for the caller to place."""
    from shoplens.analyses.segments.rules import LEAVES, kind_of

    return LEAVES[kind_of(leaf)](leaf)


def parse_rule(text: str) -> dict[str, Any]:
    """Rule text -> the canonical definition tree (see the module docstring for the grammar)."""
    if not isinstance(text, str):
        raise ShoplensError(f"a segment rule is text or a dict, not {type(text).__name__}",
                            zh=f"人群规则应为文本或字典，而不是 {type(text).__name__}")
    if not text or not text.strip():
        raise ShoplensError("the rule is empty", hint="e.g. orders>=3 and did(purchase, last_days=90)",
                            zh="规则为空", zh_hint="例如 orders>=3 and did(purchase, last_days=90)")
    if len(text) > MAX_RULE_CHARS:
        raise ShoplensError(f"the rule is {len(text)} characters long, more than {MAX_RULE_CHARS}",
                            hint="split it into several saved segments",
                            zh=f"规则长 {len(text)} 个字符，超过 {MAX_RULE_CHARS}", zh_hint="请拆成几个人群分别保存")
    tree = _Parser(text).rule()
    return normalise(tree)  # flattens nested and/or; leaves are already checked
