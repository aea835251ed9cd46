#!/usr/bin/env python3
"""Reads spans back from Arize Phoenix's REST API and checks what arrived.

Run by tests/phoenix/run.sh after `cargo run --example otlp_export` exported
one trace per case. Each case is LABEL PROJECT MANIFEST: the example's run
exported to Phoenix project PROJECT (set through the resource attribute
`openinference.project.name`) and wrote MANIFEST (`--manifest`), which says
what it sent: the trace id, the parent span's id, and per call the response id
and token usage the mock LLM server returned.

What the example does is fixed (EXPECTED_CALLS below: span names, GenAI
attributes, metadata); the manifest supplies only what the run generates.
Per case it checks that the trace holds exactly the parent span and the LLM
spans in call order, that every LLM span's parent is the parent span, and each
LLM span's attributes, with exact values and types.

Standard library only. Prints one line per check and a closing
`phoenix: N passed, N failed`; exits 1 if any check failed.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PARENT_NAME = "handle_ticket"
PARENT_ATTRIBUTES = {"ticket.id": 1017}

# The example's four calls, in call order: what the annotation and the
# request say, independent of the run.
_SUMMARIZE = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 200,
    "code.function.name": "otlp_export::summarize",
    "server.address": "127.0.0.1",
    # metadata: literal, then from the arguments
    "prompt_id": 5,
    "feature": "summarize",
    "user.id": 42,
    "user.tier": "pro",
}
_ANSWER = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.request.max_tokens": 512,
    "code.function.name": "otlp_export::answer",
    "server.address": "127.0.0.1",
    "feature": "support",
    "app.step": "answer",
    "user.id": 42,
}
EXPECTED_CALLS = [
    ("chat gpt-4o-mini", {**_SUMMARIZE, "gen_ai.request.model": "gpt-4o-mini"}),
    ("chat claude-sonnet-4-5", _ANSWER),
    ("chat claude-sonnet-4-5", _ANSWER),
    ("chat force-429", {**_SUMMARIZE, "gen_ai.request.model": "force-429"}),
]

# Manifest field -> span attribute, for the values the mock returned.
RESPONSE_ATTRIBUTES = {
    "response_id": "gen_ai.response.id",
    "response_model": "gen_ai.response.model",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "cache_read_input_tokens": "gen_ai.usage.cache_read.input_tokens",
    "cache_write_input_tokens": "gen_ai.usage.cache_write.input_tokens",
}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {label}")
            for problem in problems:
                print(f"       {problem}")
        else:
            self.passed += 1
            print(f"ok   {label}")


def same(actual, expected):
    """Equal with the same JSON type: 5 is not "5", 5.0 or true."""
    return type(actual) is type(expected) and actual == expected


def compare(attributes, expected):
    problems = []
    for key, want in expected.items():
        if key not in attributes:
            problems.append(f"{key}: missing, expected {want!r}")
        elif not same(attributes[key], want):
            problems.append(f"{key}: {attributes[key]!r}, expected {want!r}")
    return problems


def get_json(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def fetch_trace(base_url, project, trace_id, want, timeout):
    """The trace's spans once `want` of them arrived (Phoenix ingests
    asynchronously), or whatever arrived when `timeout` runs out."""
    query = urllib.parse.urlencode({"trace_id": trace_id, "limit": 1000})
    url = f"{base_url}/v1/projects/{urllib.parse.quote(project, safe='')}/spans?{query}"
    deadline = time.monotonic() + timeout
    spans, last_error = [], None
    while True:
        try:
            spans = get_json(url)["data"]
            last_error = None
        except urllib.error.HTTPError as error:
            # 404 until the first span creates the project.
            last_error = f"GET {url}: HTTP {error.code}"
        except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
            last_error = f"GET {url}: {error}"
        if len(spans) >= want or time.monotonic() >= deadline:
            return spans, last_error
        time.sleep(0.5)


def check_case(results, base_url, label, project, manifest_path, timeout):
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    trace_id = manifest["trace_id"]
    parent_id = manifest["parent"]["span_id"]
    calls = manifest["calls"]

    problems = []
    if len(calls) != len(EXPECTED_CALLS):
        problems.append(f"the manifest lists {len(calls)} calls, expected {len(EXPECTED_CALLS)}")
    spans, error = fetch_trace(base_url, project, trace_id, 1 + len(EXPECTED_CALLS), timeout)
    if error:
        problems.append(error)
    names = sorted(s["name"] for s in spans)
    want_names = sorted([PARENT_NAME] + [name for name, _ in EXPECTED_CALLS])
    if names != want_names:
        problems.append(f"span names {names}, expected {want_names}")
    results.check(
        f"{label}: trace {trace_id} in project {project!r} has exactly the expected spans",
        problems,
    )

    # The parent: the example's own span, a root.
    parents = [s for s in spans if s["name"] == PARENT_NAME]
    problems = []
    if len(parents) != 1:
        problems.append(f"{len(parents)} spans named {PARENT_NAME!r}")
    else:
        parent = parents[0]
        if parent["context"]["span_id"] != parent_id:
            problems.append(f"span id {parent['context']['span_id']}, the example reported {parent_id}")
        if parent.get("parent_id") is not None:
            problems.append(f"parent_id {parent['parent_id']!r}, expected none (a root span)")
        problems += compare(parent.get("attributes", {}), PARENT_ATTRIBUTES)
    results.check(f"{label}: {PARENT_NAME} span {parent_id}", problems)

    # The LLM spans, in call order.
    llm_spans = sorted(
        (s for s in spans if s["name"] != PARENT_NAME),
        key=lambda s: s["start_time"],
    )
    for index, (name, static) in enumerate(EXPECTED_CALLS):
        call = calls[index] if index < len(calls) else {}
        span = llm_spans[index] if index < len(llm_spans) else None
        title = f"{label}: call {index + 1} {name!r}"
        if span is None:
            results.check(title, ["not received"])
            continue
        attributes = span.get("attributes", {})
        problems = []
        if span["name"] != name:
            problems.append(f"name {span['name']!r}, expected {name!r} (spans in start order)")
        if span.get("parent_id") != parent_id:
            problems.append(f"parent_id {span.get('parent_id')!r}, expected {parent_id} ({PARENT_NAME})")
        if span["context"]["trace_id"] != trace_id:
            problems.append(f"trace_id {span['context']['trace_id']}, expected {trace_id}")
        problems += compare(attributes, static)
        if not isinstance(attributes.get("server.port"), int):
            problems.append(f"server.port: {attributes.get('server.port')!r}, expected an integer")

        if "error_type" in call:
            # A failed call: Error status and error.type, no response facts.
            if span["status_code"] != "ERROR":
                problems.append(f"status {span['status_code']}, expected ERROR")
            problems += compare(attributes, {"error.type": call["error_type"]})
            for key in RESPONSE_ATTRIBUTES.values():
                if key in attributes:
                    problems.append(f"{key}: {attributes[key]!r} on a failed call")
        else:
            if span["status_code"] == "ERROR":
                problems.append("status ERROR on a successful call")
            if "error.type" in attributes:
                problems.append(f"error.type {attributes['error.type']!r} on a successful call")
            expected = {
                RESPONSE_ATTRIBUTES[field]: value
                for field, value in call.items()
                if field in RESPONSE_ATTRIBUTES and value is not None
            }
            for field in ("response_id", "response_model", "input_tokens", "output_tokens"):
                if call.get(field) is None:
                    problems.append(f"the manifest has no {field} for this call")
            problems += compare(attributes, expected)
            # Phoenix maps the GenAI conventions onto its own model: it shows
            # the span as an LLM call with the same token counts.
            if span.get("span_kind") != "LLM":
                problems.append(f"Phoenix span_kind {span.get('span_kind')!r}, expected 'LLM'")
            problems += compare(
                attributes,
                {
                    "llm.token_count.prompt": call.get("input_tokens"),
                    "llm.token_count.completion": call.get("output_tokens"),
                },
            )
        results.check(f"{title} (span {span['context']['span_id']})", problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Phoenix base URL, e.g. http://127.0.0.1:6006")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait per case for the spans to arrive")
    parser.add_argument("--case", nargs=3, action="append", required=True,
                        metavar=("LABEL", "PROJECT", "MANIFEST"))
    args = parser.parse_args()

    results = Results()
    for label, project, manifest in args.case:
        try:
            check_case(results, args.url.rstrip("/"), label, project, manifest, args.timeout)
        except (OSError, ValueError, KeyError, TypeError) as error:
            results.check(f"{label}: reading {manifest} and the spans", [repr(error)])
    print(f"phoenix: {results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
