"""Retrieval, the LangGraph agent and the answer models."""
