"""The interview: questions as data, offline (and optional LLM) fact extraction, planning, sessions."""
