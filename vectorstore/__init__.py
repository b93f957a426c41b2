"""The passage store: Chroma collection, embedding model, derived indexes. Knows nothing of Gradio."""

from ingest.pipeline import IngestReport
from vectorstore.embedder import Embedder
from vectorstore.scope import Scope
from vectorstore.store import SourceInfo, Store

__all__ = ["Embedder", "IngestReport", "Scope", "SourceInfo", "Store"]
