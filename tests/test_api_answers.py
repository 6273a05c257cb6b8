"""What the API answers, on a real `shoplens serve`: CSV from /funnel, /retention and /paths equal to the CLI's
``--format csv``; errors in the API's words (parameters, not CLI options; routes, not commands); every date
parameter the OpenAPI schema documents bounded, and a 422 beyond its bounds (never a 500).

The CLI reads a copy of the warehouse made before the server started (the server holds the file).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_server import ApiServer, two_store_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CLI_WORDS = re.compile(r"(?<![\w-])--[a-z]|shoplens [a-z]")  # an option or a command of the CLI


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("api_answers")
    db = two_store_db(demo_db, tmp)
    copy = tmp / "cli.duckdb"
    shutil.copy(db, copy)
    # every route is asked once with a valid date: on a CI machine running two test files at once, the slowest (the
    # new-product trial, ~7 s alone) came near the 30 s default budget; these tests check answers, not speed (110 s:
    # under the test client's 120 s timeout, so a slow route still fails as a readable 504)
    config = tmp / "server.yaml"
    config.write_text("server:\n  time_budget_seconds: 110\n", encoding="utf-8")
    srv = ApiServer(db, env={"SHOPLENS_CONFIG": str(config)})
    try:
        yield {"server": srv, "root": srv.client("root"), "cli_db": copy}
    finally:
        srv.stop()


def cli_csv(env: dict[str, Any], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(env["cli_db"]), *args, "--format", "csv"],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "1"})
    assert done.returncode == 0, done.stderr
    return done.stdout


CSV_CASES = {  # API parameters, the same question as CLI arguments
    "funnel": ({"steps": "product_view,add_to_cart,purchase", "window": "1d", "from": "2026-10-25", "to": "2026-10-27",
                "store": "demo"},
               ["funnel", "--steps", "product_view,add_to_cart,purchase", "--window", "1d", "--from", "2026-10-25",
                "--to", "2026-10-27", "--store", "demo"]),
    "retention": ({"cohort_event": "purchase", "period": "month", "store": "demo"},
                  ["retention", "--cohort-event", "purchase", "--period", "month", "--store", "demo"]),
    "paths": ({"start": "product_view", "depth": "3", "top": "5", "store": "demo"},
              ["paths", "--start", "product_view", "--depth", "3", "--top", "5", "--store", "demo"]),
}


@pytest.mark.parametrize("route", sorted(CSV_CASES))
def test_format_csv_answers_what_the_cli_prints(env: dict[str, Any], route: str) -> None:
    params, args = CSV_CASES[route]
    r = env["root"].get(f"/api/v1/{route}", params={**params, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert f'filename="{route}.csv"' in r.headers["content-disposition"]
    assert r.text.replace("\r\n", "\n") == cli_csv(env, *args).replace("\r\n", "\n")
    assert len(r.text.splitlines()) > 2  # a header and rows, not an empty answer
    json_answer = env["root"].get(f"/api/v1/{route}", params=params)
    assert json_answer.headers["content-type"].startswith("application/json")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    data = json_answer.json()
    if route == "retention":  # one row per cohort and period k, the JSON's values and rates
        assert list(rows[0]) == ["cohort", "group", "size", "k", "users", "rate", "complete"]
        expected = [(c["cohort"], k, v) for c in data["cohorts"] for k, v in enumerate(c["values"])]
        assert [(x["cohort"], int(x["k"]), int(x["users"])) for x in rows] == expected
    if route == "paths":  # one row per link
        assert list(rows[0])[:2] == ["source", "target"] and len(rows) == len(data["links"])
        assert [(x["source"], x["target"], int(x["users"])) for x in rows] == [
            (link["source"], link["target"], link["users"]) for link in data["links"]]


def test_an_unknown_format_is_refused(env: dict[str, Any]) -> None:
    r = env["root"].get("/api/v1/funnel", params={"steps": "product_view,purchase", "format": "xlsx"})
    assert r.status_code == 422 and r.json()["error"]["where"] == "format"


def test_csv_carries_the_answers_notes(env: dict[str, Any]) -> None:
    """A range without data is 0 users with a note; the CSV says it in a header (the CLI prints it on stderr)."""
    params = {"steps": "product_view,purchase", "from": "2026-01-01", "to": "2026-01-31", "store": "other"}
    notes = env["root"].get("/api/v1/funnel", params=params).json()["notes"]
    r = env["root"].get("/api/v1/funnel", params={**params, "format": "csv"})
    assert notes and json.loads(r.headers["x-shoplens-notes"]) == notes


def test_metrics_csv_carries_the_notes_too(env: dict[str, Any]) -> None:
    """channel=kol has no rows in the small store: GMV 0 with a note, in the JSON and beside the CSV."""
    params = {"metrics": "gmv", "where": "channel=kol", "store": "other"}
    answer = env["root"].get("/api/v1/metrics", params=params).json()
    r = env["root"].get("/api/v1/metrics", params={**params, "format": "csv"})
    assert "channel=kol" in answer["notes"] and json.loads(r.headers["x-shoplens-notes"]) == answer["notes"]
    assert r.text.splitlines()[0] == "gmv"


def test_the_schema_documents_csv_for_these_routes(env: dict[str, Any]) -> None:
    paths = env["server"].client().get("/openapi.json").json()["paths"]
    for route in CSV_CASES:
        content = paths[f"/api/v1/{route}"]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, route


BAD = [  # (route, parameters, the API parameter the error names)
    ("/api/v1/funnel", {"steps": "product_view,add_to_card"}, "steps"),
    ("/api/v1/funnel", {"steps": "product_view,purchase", "exclude": "serch"}, "exclude"),
    ("/api/v1/metrics", {"metrics": "gmv", "where": "channel=paidsearch"}, "where"),
    ("/api/v1/funnel", {"steps": "product_view,purchase", "where": "country=ZZ-nowhere", "store": "demo"}, "where"),
    ("/api/v1/retention", {"cohort_event": "purchse"}, "cohort_event"),
    ("/api/v1/paths", {"start": "product_veiw"}, "start"),
    ("/api/v1/paths", {}, None),
    ("/api/v1/funnel", {"steps": "product_view,purchase", "window": "forever"}, None),
    ("/api/v1/funnel/dropped", {"steps": "product_view,purchase", "step": "3"}, None),
    ("/api/v1/funnel", {"steps": "product_view,purchase", "from": "2026-10-05", "to": "2026-10-01"}, None),
]


@pytest.mark.parametrize(("path", "params", "where"), BAD)
def test_errors_name_the_apis_parameters_not_cli_options(env: dict[str, Any], path: str, params: dict[str, str],
                                                         where: str | None) -> None:
    r = env["root"].get(path, params=params)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    if where is not None:
        assert error["where"] == where
    for key in ("message", "zh", "hint", "zh_hint", "where"):
        assert not CLI_WORDS.search(error[key] or ""), (key, error)
    assert CHINESE.search(error["zh"])


def test_error_texts_say_parameters_and_routes(env: dict[str, Any]) -> None:
    root = env["root"]
    e = root.get("/api/v1/funnel", params={"steps": "product_view,purchase", "from": "2026-10-05",
                                           "to": "2026-10-01"}).json()["error"]
    assert (e["message"], e["zh"]) == ("from=2026-10-05 is after to=2026-10-01", "from=2026-10-05 晚于 to=2026-10-01")
    e = root.get("/api/v1/funnel/dropped", params={"steps": "product_view,purchase", "step": "3"}).json()["error"]
    assert e["message"] == "step=3 is not a step after the first"
    e = root.get("/api/v1/paths", params={}).json()["error"]
    assert e["message"] == "give exactly one of start=EVENT or end=EVENT"
    e = root.get("/api/v1/funnel", params={"steps": "product_view,purchase", "window": "0d"}).json()["error"]
    assert e["hint"] == "e.g. window=7d"
    # a value far from any known one: the hint lists the known ones and the route that lists them all
    e = root.get("/api/v1/metrics", params={"metrics": "gmv", "where": "country=ZZ-nowhere", "store": "demo"}).json()
    assert "(`GET /api/v1/values/country` lists them with counts)" in e["error"]["hint"]
    assert "`GET /api/v1/values/country` 列出全部及数量" in e["error"]["zh_hint"]
    route = re.search(r"GET (/api/v1/values/country)", e["error"]["hint"]).group(1)  # type: ignore[union-attr]
    assert root.get(route).status_code == 200  # the route the hint names exists


def date_parameters(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, parameter, its date schema) of every GET query parameter the schema calls a date."""
    for path, item in schema["paths"].items():
        for p in item.get("get", {}).get("parameters", []):
            options = p["schema"].get("anyOf", [p["schema"]])
            for option in options:
                if option.get("format") == "date":
                    yield path, p["name"], option


def test_every_date_parameter_is_bounded_in_the_schema_and_refused_beyond(env: dict[str, Any]) -> None:
    """Read from the schema itself, so a new route with a date is checked too (``/values`` answered 500)."""
    schema = env["server"].client().get("/openapi.json").json()
    found = list(date_parameters(schema))
    assert {("/api/v1/values/{dim}", "from"), ("/api/v1/values/{dim}", "to")} <= {(p, n) for p, n, _ in found}
    required = {"steps": "product_view,purchase", "step": "2", "metrics": "gmv", "user_id": "ox1", "dim": "channel",
                "name": "nobody", "metric": "gmv", "product_id": "SKU100001"}
    for path, name, date_schema in found:
        assert (date_schema.get("formatMinimum"), date_schema.get("formatMaximum")) == ("1970-01-01", "2099-12-31")
        assert "1970-01-01" in date_schema["description"], (path, name)
        url = re.sub(r"\{(\w+)\}", lambda m: required[m.group(1)], path)
        params = {p["name"]: required[p["name"]] for p in schema["paths"][path]["get"].get("parameters", [])
                  if p.get("required") and p["in"] == "query"}
        for day in ("0001-01-01", "1969-12-31", "2100-01-01", "9999-12-31"):
            r = env["root"].get(url, params={**params, name: day})
            assert r.status_code == 422, (path, name, day, r.status_code, r.text[:200])
            error = r.json()["error"]
            assert error["where"] == name and "1970-01-01" in error["hint"] and CHINESE.search(error["zh_hint"])
        assert env["root"].get(url, params={**params, name: "2026-10-25"}).status_code in (200, 400, 404), path


def test_values_refuses_dates_near_year_1_or_9999(env: dict[str, Any]) -> None:
    for params in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}):
        r = env["root"].get("/api/v1/values/country", params=params)
        assert r.status_code == 422, r.text
    ok = env["root"].get("/api/v1/values/country", params={"from": "2026-10-01", "to": "2026-10-31"})
    assert ok.status_code == 200 and ok.json()["values"]


def test_notes_speak_the_apis_words(env: dict[str, Any]) -> None:
    """A metric without users under a segment is empty with a note; the API's note names the ``segment``
    parameter, not the CLI's ``--segment`` option (JSON and the CSV's notes header alike)."""
    saved = env["root"].post("/api/v1/segments", json={"name": "buyers_api", "rule": "orders>=1"})
    assert saved.status_code in (200, 201), saved.text
    params = {"metrics": "gmv,ad_spend", "segment": "buyers_api", "store": "demo", "from": "2026-10-01",
              "to": "2026-10-31"}
    answer = env["root"].get("/api/v1/metrics", params=params).json()
    note = answer["notes"]["ad_spend"]
    assert note["reason"] == "store_wide" and answer["rows"][0]["ad_spend"] is None
    for text in (note["en"], note["zh"]):
        assert "segment" in text and "--segment" not in text, text
    assert "without segment for the whole store" in note["en"]
    csv_answer = env["root"].get("/api/v1/metrics", params={**params, "format": "csv"})
    header = json.loads(csv_answer.headers["X-Shoplens-Notes"])
    assert header["ad_spend"]["en"] == note["en"]
