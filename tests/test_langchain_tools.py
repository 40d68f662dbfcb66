"""LangChain tools: through BaseTool, inside a LangGraph ToolNode, and through langchain-mcp-adapters."""
import json
import os

import anyio
import pytest
from langchain_core.messages import AIMessage
from langgraph.graph import END, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from conftest import VIDRAG, cli
from vidrag.library import Library
from vidrag.tools.langchain_tools import vidrag_tools


@pytest.fixture(scope="module")
def library(samples, tmp_path_factory):
    lib = tmp_path_factory.mktemp("lc") / "lib"
    done = cli(lib, "index", str(samples["bikes.mp4"]), str(samples["trailer_bbb.mp4"]), "--stages", "ocr,objects,caption,embed")
    assert done.returncode == 0, done.stderr
    return lib


def test_tools_through_the_basetool_interface(library):
    with Library(library) as lib:
        tools = {t.name: t for t in vidrag_tools(lib)}
        assert set(tools) == {"search_video_library", "ask_video_library", "list_videos", "get_scene"}
        assert tools["search_video_library"].args_schema.model_json_schema()["properties"]["k"]["maximum"] == 50
        hits = json.loads(tools["search_video_library"].invoke({"query": "overweight bunny", "k": 2}))
        assert hits[0]["video"] == "trailer_bbb.mp4" and "bunny" in hits[0]["snippet"]
        videos = json.loads(tools["list_videos"].invoke({}))
        assert {v["name"] for v in videos} == {"bikes.mp4", "trailer_bbb.mp4"}
        scene = json.loads(tools["get_scene"].invoke({"video": "bikes.mp4", "scene": 0}))
        assert scene["start"] == 0 and scene["objects"]
        # bad arguments come back as tool errors the model can read
        assert "not 99" in tools["get_scene"].invoke({"video": "bikes.mp4", "scene": 99})
        assert "no video 'x.mp4'" in tools["get_scene"].invoke({"video": "x.mp4", "scene": 0})
        with pytest.raises(Exception):
            tools["search_video_library"].invoke({"query": "car", "k": 500})   # schema rejects it


def test_tools_run_inside_a_langgraph_graph(library):
    with Library(library) as lib:
        graph = StateGraph(MessagesState)
        graph.add_node("tools", ToolNode(vidrag_tools(lib)))
        graph.set_entry_point("tools")
        graph.add_edge("tools", END)
        call = AIMessage("", tool_calls=[{"name": "search_video_library", "args": {"query": "car", "k": 1}, "id": "c1"}])
        out = graph.compile().invoke({"messages": [call]})
        reply = out["messages"][-1]
        assert reply.tool_call_id == "c1" and json.loads(reply.content)[0]["video"] == "bikes.mp4"


def test_same_tools_through_langchain_mcp_adapters(library):
    from langchain_mcp_adapters.client import MultiServerMCPClient

    async def main():
        client = MultiServerMCPClient({"vidrag": {"command": VIDRAG, "args": ["mcp", "--library", str(library)],
                                                  "transport": "stdio", "env": dict(os.environ)}})
        tools = {t.name: t for t in await client.get_tools()}
        assert {"search_video_library", "ask_video_library", "list_videos", "get_scene", "index_videos"} <= set(tools)
        result = await tools["search_video_library"].ainvoke({"query": "overweight bunny", "k": 1})
        text = result if isinstance(result, str) else json.dumps(result, default=str)
        assert "trailer_bbb.mp4" in text and "bunny" in text
    anyio.run(main)
