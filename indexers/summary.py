"""The opt-in summary stage (`--stages summary`): a video's summary is built at index time
instead of on the first summary question. It reads the committed scenes (their ids are the
citations), so it runs after the video is saved, not with the stages that fill scenes."""
from __future__ import annotations

from vidrag.config import Config
from vidrag.indexers.stages import VideoContext
from vidrag.llm import load_llm
from vidrag.records import Scene


class SummaryStage:
    name = "summary"

    def __init__(self, cfg: Config):
        self.llm = load_llm(cfg)   # raises ModelMissing without weights: the stage is skipped

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        pass

    def after_save(self, store, video_id: int, progress) -> None:
        from vidrag.summaries import Summarizer   # the one summariser, shared with questions
        Summarizer(store, self.llm).summarise(video_id, progress=progress)
