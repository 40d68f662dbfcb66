"""vidrag: ask questions about hours of video and get answers with timestamps you can check."""
from vidrag.config import Config, load_config
from vidrag.library import Library, VideoNotFound
from vidrag.records import Detection, OcrLine, Scene, Video, Word

__version__ = "0.1.0"
__all__ = ["Config", "Detection", "Library", "OcrLine", "Scene", "Video", "VideoNotFound", "Word",
           "load_config", "__version__"]
