"""The passage store: Chroma collection, embedding model, derived indexes. Knows nothing of Gradio."""

from vectorstore.embedder import Embedder
from vectorstore.store import IngestReport, SourceInfo, Store

__all__ = ["Embedder", "IngestReport", "SourceInfo", "Store"]
