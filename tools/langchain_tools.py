"""The library as LangChain tools with typed argument schemas, for LangGraph agents.

The same operations are served over MCP (`vidrag mcp`) for langchain-mcp-adapters; these call the
library in-process instead, so models stay loaded in the agent's own process.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Type

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, ConfigDict, Field

from vidrag.library import Library, VideoNotFound
from vidrag.models import ModelMissing


class SearchArgs(BaseModel):
    query: str = Field(description="What to look for: words said, written on screen, or objects seen.")
    k: int = Field(5, ge=1, le=50, description="How many scenes to return.")
    video: Optional[str] = Field(None, description="Only this video (name, id or path).")


class AskArgs(BaseModel):
    question: str = Field(description="A question about what the videos show or say.")
    video: Optional[str] = Field(None, description="Only this video (name, id or path).")


class SceneArgs(BaseModel):
    video: str = Field(description="Video name, id or path.")
    scene: int = Field(ge=0, description="Scene index, as given by search results or list_videos.")


class NoArgs(BaseModel):
    pass


class _LibraryTool(BaseTool):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    library: Library
    handle_tool_error: bool = True   # errors go back to the model as text, not up the stack

    def _call(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _run(self, **kwargs: Any) -> str:
        from vidrag.llm import LLMError
        try:
            return json.dumps(self._call(**kwargs), ensure_ascii=False, default=str)
        except (ValueError, VideoNotFound, ModelMissing, LLMError) as exc:
            raise ToolException(str(exc)) from None


class SearchVideoLibrary(_LibraryTool):
    name: str = "search_video_library"
    description: str = ("Search the indexed videos for moments matching a description. Returns scenes with "
                        "video name, start/end seconds and the matching snippet.")
    args_schema: Type[BaseModel] = SearchArgs

    def _call(self, query: str, k: int = 5, video: str | None = None) -> Any:
        return [h.to_dict() for h in self.library.search(query, k=k, video=video)]


class AskVideoLibrary(_LibraryTool):
    name: str = "ask_video_library"
    description: str = ("Answer a question about the videos with timestamped citations, or say the "
                        "library does not show it.")
    args_schema: Type[BaseModel] = AskArgs

    def _call(self, question: str, video: str | None = None) -> Any:
        return self.library.ask(question, video=video).to_dict()


class ListVideos(_LibraryTool):
    name: str = "list_videos"
    description: str = "List the indexed videos with duration, scene count and status."
    args_schema: Type[BaseModel] = NoArgs

    def _call(self) -> Any:
        return [{k: v.to_dict()[k] for k in ("id", "name", "duration", "scene_count", "status")}
                for v in self.library.videos()]


class GetScene(_LibraryTool):
    name: str = "get_scene"
    description: str = "One scene of a video by index: times, transcript, on-screen text, objects."
    args_schema: Type[BaseModel] = SceneArgs

    def _call(self, video: str, scene: int) -> Any:
        scenes = self.library.scenes(video)
        if not 0 <= scene < len(scenes):
            raise ValueError(f"{video} has scenes 0..{len(scenes) - 1}, not {scene}")
        return scenes[scene].to_dict()


def vidrag_tools(library: Library) -> list[BaseTool]:
    """All tools over one library, ready for `ToolNode(...)` or `create_react_agent(...)`."""
    return [cls(library=library) for cls in (SearchVideoLibrary, AskVideoLibrary, ListVideos, GetScene)]
