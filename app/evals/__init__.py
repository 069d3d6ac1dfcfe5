"""Evaluation runners (retrieval, extraction, scenarios): they print numbers, never assert."""
