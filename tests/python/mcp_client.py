"""Drives the connector's MCP servers with the official MCP Python SDK.

    python mcp_client.py stdio MODE -- COMMAND ARGS...   # starts the stdio server
    python mcp_client.py http MODE URL                   # a Streamable HTTP server
    python mcp_client.py concurrent N -- COMMAND ARGS... # N tool calls at once

MODE is `full` or `read-only`: what the server was started with. The
credentials are the server's own (the stdio server's environment, the HTTP
server's `Authorization` header, which this client sets as a gateway
would from MCP_GATEWAY_TOKEN); no tool argument carries one. Each check
prints `ok <name>`; a failed check raises. The last line is
`timing <median seconds> <n>` for one `verify_credentials` call.

`concurrent` starts the stdio server, initialises, and makes N
`verify_credentials` calls at once (as an agent running tools in parallel
does); it prints `ok concurrent`, then `results <succeeded> <failed>`, then
the first error's text, if any, as `first_error <text>`.
"""

import asyncio
import json
import os
import statistics
import sys
import time

import httpx2
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client


def ok(name):
    print(f"ok {name}", flush=True)


def structured(result):
    """The structured result, checked against the text content."""
    assert result.content, result
    text = json.loads(result.content[0].text)
    assert text == result.structured_content, (text, result.structured_content)
    return result.structured_content


async def scenario(session, mode):
    init = await session.initialize()
    assert init.server_info.name == "pinterest-connector", init
    ok("initialize")

    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    for name in ["search_endpoints", "describe_endpoint", "read_endpoint", "raw_request",
                 "verify_credentials", "poll_trigger"]:
        assert name in tools, sorted(tools)
    read = tools["read_endpoint"].annotations
    assert read.read_only_hint is True and read.idempotent_hint is True, read
    if mode == "read-only":
        assert "write_endpoint" not in tools and "delete_endpoint" not in tools, sorted(tools)
        assert tools["raw_request"].annotations.read_only_hint is True
    else:
        assert tools["delete_endpoint"].annotations.destructive_hint is True
        assert tools["write_endpoint"].annotations.read_only_hint is False
    secret_names = {"credentials", "access_token", "refresh_token", "client_secret",
                    "authorization", "sandbox_token", "api_key"}
    for tool in tools.values():
        names = set(tool.input_schema.get("properties", {}))
        assert not names & secret_names, (tool.name, names)
    ok("list_tools")

    found = structured(await session.call_tool("search_endpoints", {"query": "list pins on a board"}))
    assert found["matches"][0]["id"] == "boards/list_pins", found
    ok("search")

    described = structured(await session.call_tool("describe_endpoint", {"endpoint": "GET /pins"}))
    assert "page_size" in described["input_schema"]["properties"]["query"]["properties"], described
    ok("describe")

    walked = await session.call_tool("read_endpoint", {
        "endpoint": "GET /pins", "query_params": {"page_size": 4},
        "paginate": {"max_pages": 10, "max_items": 10}})
    assert not walked.is_error, walked
    walked = structured(walked)
    assert len(walked["items"]) == 10 and walked["truncated"] is True, walked
    assert walked["pages"] == 3, walked
    ok("paginated call capped by items")

    refused = await session.call_tool("raw_request", {
        "method": "DELETE", "url": f"/pins/{os.environ.get('MCP_PIN_ID', '1')}"})
    if mode == "read-only":
        assert refused.is_error, refused
        assert structured(refused)["error"]["kind"] == "forbidden-by-mode", refused
        ok("write refused in read-only mode")
    else:
        assert not refused.is_error, refused
        ok("write allowed in full mode")

    missing = await session.call_tool("read_endpoint", {
        "endpoint": "GET /pins/{pin_id}", "path_params": {"pin_id": "404404"}})
    assert missing.is_error, missing
    error = structured(missing)["error"]
    assert error["kind"] == "not-found" and "404" in error["message"], error
    ok("typed error")

    invalid = await session.call_tool("read_endpoint", {
        "endpoint": "GET /pins", "query_params": {"page_size": 9999}})
    assert invalid.is_error and structured(invalid)["error"]["kind"] == "invalid-input", invalid
    ok("invalid input refused before sending")

    if mode == "read-only":
        assert "create_report" not in tools and "get_report" in tools, sorted(tools)
        ok("report: only get_report in read-only mode")
    else:
        started = structured(await session.call_tool("create_report", {
            "ad_account_id": "549755885175",
            "body": {"start_date": "2024-01-01", "end_date": "2024-06-30", "granularity": "DAY",
                     "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}}))
        report = await session.call_tool("get_report", {
            "ad_account_id": "549755885175", "token": started["token"],
            "max_bytes": 1000, "poll_interval_ms": 10})
        assert not report.is_error, report
        report = structured(report)
        assert report["text"].startswith("DATE,CAMPAIGN_ID"), report
        assert report["truncated"] is True and report["bytes"] <= 1000, report
        ok("report: created, waited for, its first kilobyte")

    timings = []
    for _ in range(20):
        started = time.perf_counter()
        verified = await session.call_tool("verify_credentials", {})
        timings.append(time.perf_counter() - started)
        assert not verified.is_error, verified
    assert structured(verified)["username"].startswith("mock"), verified
    ok("verify_credentials")
    print(f"timing {statistics.median(timings):.6f} {len(timings)}", flush=True)


async def concurrent(session, count):
    await session.initialize()
    calls = [session.call_tool("verify_credentials", {}) for _ in range(count)]
    results = await asyncio.gather(*calls)
    failed = [r for r in results if r.is_error]
    ok("concurrent")
    print(f"results {len(results) - len(failed)} {len(failed)}", flush=True)
    if failed:
        print(f"first_error {failed[0].content[0].text}", flush=True)


async def main(argv):
    transport, mode = argv[1], argv[2]
    if transport == "concurrent":
        command = argv[argv.index("--") + 1:]
        params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await concurrent(session, int(mode))
    elif transport == "stdio":
        command = argv[argv.index("--") + 1:]
        params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await scenario(session, mode)
    else:
        headers = {"Authorization": f"Bearer {os.environ['MCP_GATEWAY_TOKEN']}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as client:
            async with streamable_http_client(argv[3], http_client=client) as (read, write, *_):
                async with ClientSession(read, write) as session:
                    await scenario(session, mode)


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
