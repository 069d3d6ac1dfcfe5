"""A real langchain chat model with a queue of scripted replies and a record of what it was sent."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Returns the next scripted reply per call; an Exception instance in the script is raised."""

    replies: list[Any] = Field(default_factory=list)
    sent: list[list[BaseMessage]] = Field(default_factory=list)
    model_name: str = "scripted"

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.sent.append(list(messages))
        if not self.replies:
            raise RuntimeError("ScriptedChatModel ran out of replies")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        text = str(reply)
        message = AIMessage(
            content=text,
            usage_metadata={"input_tokens": sum(len(str(m.content)) // 4 for m in messages),
                            "output_tokens": len(text) // 4,
                            "total_tokens": 0},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
