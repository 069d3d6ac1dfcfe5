"""Drafting: rules fire on facts, the knowledge base adds grounding, scoring explains the risk."""
