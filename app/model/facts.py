"""The fact catalogue: what ThreatScribe knows about a system, with where it learnt it.

Every fact is either a yes/no/unknown flag (`Fact`) or a short free text (`TextFact`).
Closed choices (model kind, origin, hosting, data sources) are groups of flags, so a
system can be several things at once and a negation ("we do not scrape") is a plain "no".
A fact path is ``section.field``, e.g. ``llm.retrieval_editable_by_users``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FactState(StrEnum):
    """Whether a yes/no fact holds. Unknown is not no: rules may assume the risky answer."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class FactSource(StrEnum):
    """Who or what set a fact."""

    USER = "user"
    LLM = "llm"
    EDIT = "edit"
    ANSWERS_FILE = "answers_file"
    IMPORT = "import"


class Strict(BaseModel):
    """Base for every contract model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Provenance(Strict):
    """Where a fact came from: the conversation turn and the words that said it."""

    turn: int = Field(ge=0, description="Index of the user message (0-based) that stated the fact.")
    quote: str = Field(max_length=400, description="The user's words the fact was read from.")
    source: FactSource = Field(default=FactSource.USER, description="Who set the fact.")
    direct: bool = Field(default=False, description="The words answered a question about this very fact (the "
                         "best evidence for it), rather than mentioning it in passing.")


def best_evidence(provenance: list[Provenance]) -> Provenance | None:
    """The words to quote for a fact: the first answer to a question about it that gave its current state (later
    ones are follow-ups or asides: "calendar access is via an MCP server" for "it has tools"), else its latest
    mention (a later answer is usually more specific than the opening description: "one database for all
    clients with a client_id column" over "about 40 client companies"). Provenance only holds what set the
    current state: a correction starts it afresh."""
    direct = [p for p in provenance if p.direct]
    if direct:
        return direct[0]
    return provenance[-1] if provenance else None


class FactChange(Strict):
    """A previous value of a fact, kept when a later answer corrects it."""

    state: FactState = Field(description="The state before the change.")
    confidence: float = Field(ge=0, le=1, description="Confidence before the change.")
    provenance: list[Provenance] = Field(default_factory=list, description="Provenance before the change.")


class Fact(Strict):
    """A yes/no/unknown statement about the system, with confidence and provenance."""

    state: FactState = Field(default=FactState.UNKNOWN, description="yes, no or unknown.")
    confidence: float = Field(
        default=0.0, ge=0, le=1, description="How sure we are (hedged answers are lower)."
    )
    provenance: list[Provenance] = Field(
        default_factory=list, description="The turns and words that set the current state."
    )
    history: list[FactChange] = Field(
        default_factory=list, description="Earlier states this fact had before it was corrected."
    )

    @property
    def known(self) -> bool:
        return self.state is not FactState.UNKNOWN


class TextFact(Strict):
    """A short free-text answer (purpose, objectives, affected groups)."""

    value: str | None = Field(default=None, max_length=4000, description="The answer, in the user's words.")
    provenance: list[Provenance] = Field(default_factory=list, description="Where the text came from.")

    @property
    def known(self) -> bool:
        return bool(self.value)


def _f(description: str) -> Any:
    return Field(default_factory=Fact, description=description)


def _t(description: str) -> Any:
    return Field(default_factory=TextFact, description=description)


class Scope(Strict):
    """Purpose, scope and what must be protected."""

    purpose: TextFact = _t("What the system does and for whom, in the user's words.")
    security_objectives: TextFact = _t("What must not go wrong (confidentiality, integrity, availability, safety).")
    out_of_scope: TextFact = _t("Parts of the system the user excluded from this threat model.")
    worst_cases: list[str] | None = Field(
        default=None, max_length=20,
        description="Worst-case concern ids the user confirmed (knowledge/interview/concerns.yaml); "
                    "None: read from security_objectives.")


class Impact(Strict):
    """What is at stake when the system fails or is attacked."""

    safety_critical: Fact = _f("A wrong output could physically hurt someone or damage property.")
    decisions_about_people: Fact = _f("Outputs decide or sway decisions about individual people (jobs, credit, care).")
    automated_decisions: Fact = _f("Outputs take effect without a person reviewing them first.")
    financial_impact: Fact = _f("Outputs move money or approve/deny transactions.")
    vulnerable_users: Fact = _f("Children, patients or other vulnerable people use it or are affected.")


class ModelFacts(Strict):
    """What kind of model it is, where it comes from and where it runs."""

    kind_llm_chat: Fact = _f("A large language model that answers in free text (chatbot, assistant, summariser).")
    kind_agent: Fact = _f("An agent: an LLM that plans and calls tools or takes actions on its own.")
    kind_classifier: Fact = _f("A classifier that assigns labels (spam/not spam, fraud, diagnosis).")
    kind_regression: Fact = _f("A model that predicts a number (price, demand, risk score).")
    kind_recommender: Fact = _f("A recommender that ranks items or content for users.")
    kind_vision: Fact = _f("A model that looks at images or video.")
    kind_speech: Fact = _f("A model that listens to or produces speech/audio.")
    kind_generative_media: Fact = _f("A model that generates images, audio or video.")
    origin_in_house: Fact = _f("The model was trained by the team from scratch.")
    origin_fine_tuned_open_weights: Fact = _f("Open-weights model fine-tuned by the team.")
    origin_third_party_api: Fact = _f("A model is used through a vendor's API (OpenAI, Anthropic, a cloud AI service).")
    origin_downloaded_pretrained: Fact = _f("A pre-trained model downloaded and used as is (e.g. from a model hub).")
    hosting_cloud: Fact = _f("Runs in a public cloud or a vendor's service.")
    hosting_on_prem: Fact = _f("Runs on servers the organisation operates itself.")
    hosting_edge_device: Fact = _f("Runs on a device in the field or the user's device (phone, car, camera).")
    proprietary_valuable: Fact = _f("The model or its weights are valuable or confidential to the organisation.")
    identifies_people: Fact = _f("It recognises or verifies who a person is from their face, voice or fingerprint "
                                 "(opening a door, signing in, checking an identity).")


class DataFacts(Strict):
    """Where the data comes from and how it is handled."""

    source_user_provided: Fact = _f("Users' own inputs or uploads become training or knowledge data.")
    source_scraped_web: Fact = _f("Data scraped or crawled from the internet.")
    source_public_datasets: Fact = _f("Public datasets (open benchmarks, Kaggle, hub datasets).")
    source_licensed: Fact = _f("Data bought or licensed from a third party.")
    source_internal_records: Fact = _f("The organisation's own records (customer, transaction, medical, HR).")
    personal_data: Fact = _f("Data about identifiable people is used in training, retrieval or prompts.")
    sensitive_data: Fact = _f("Especially sensitive data: health, biometrics, finances, children, beliefs.")
    labelling_external: Fact = _f("Labels are made by outside annotators or crowd workers.")
    retraining: Fact = _f("The model is retrained or updated on new data regularly.")
    feedback_loop: Fact = _f("User behaviour, feedback or outputs flow back into training.")
    provenance_tracked: Fact = _f("The origin and versions of training data are recorded.")


class ExposureFacts(Strict):
    """Who can reach the system and what they get back."""

    public: Fact = _f("People outside the organisation (customers, the public) can use it.")
    authentication: Fact = _f("Users must log in or present a key to use it.")
    rate_limiting: Fact = _f("Requests per user or key are limited.")
    api_access: Fact = _f("Others can call the model programmatically through an API.")
    multi_tenant: Fact = _f("Several customers or organisations share the same deployment and data stores.")
    admin_interface: Fact = _f("An admin console, dashboard or management endpoint exists.")
    outputs_labels: Fact = _f("Callers receive labels or decisions.")
    outputs_scores: Fact = _f("Callers receive confidence scores or probabilities.")
    outputs_free_text: Fact = _f("Callers receive generated free text.")
    outputs_actions: Fact = _f("Outputs trigger actions in other systems.")
    uploads: Fact = _f("Users can upload files, images, audio or documents.")
    physical_world_input: Fact = _f("The model reads the physical world through sensors or cameras.")
    liveness_check: Fact = _f("A face or voice check confirms a live person is present, not a photo, screen, mask "
                              "or recording.")


class LlmFacts(Strict):
    """Specifics of LLM applications and agents."""

    system_prompt: Fact = _f("A hidden system prompt or instructions steer the model.")
    system_prompt_secrets: Fact = _f("The system prompt contains confidential details, keys or internal rules.")
    retrieval: Fact = _f("Answers use retrieved documents (RAG, search, a knowledge base).")
    retrieval_external_content: Fact = _f("Retrieved content includes web pages, emails or documents from outsiders.")
    retrieval_editable_by_users: Fact = _f("Users or customers can add or edit the documents that get retrieved.")
    tools: Fact = _f("The model can call tools, plugins or APIs.")
    tools_write_actions: Fact = _f("Tools can change things: write data, send messages, pay, delete.")
    tools_broad_permissions: Fact = _f("Tools run with broad or admin credentials, not per-user least privilege.")
    human_approval: Fact = _f("A person approves consequential actions before they happen.")
    memory: Fact = _f("The assistant remembers across conversations (long-term memory).")
    code_execution: Fact = _f("The model can write and run code.")
    browsing: Fact = _f("The model can browse or fetch web pages.")
    email: Fact = _f("The model can read or send email or messages.")
    multi_agent: Fact = _f("Several agents pass tasks or messages to each other.")
    output_rendered: Fact = _f("Model output is rendered as HTML/Markdown or passed into code, SQL or shell.")
    third_party_plugins: Fact = _f("Tools, plugins or MCP servers written by third parties are installed.")


class SupplyChainFacts(Strict):
    """Third-party parts the system depends on."""

    third_party_models: Fact = _f("Models or weights from outside the organisation are used.")
    third_party_datasets: Fact = _f("Datasets from outside the organisation are used.")
    open_source_libraries: Fact = _f("Open-source ML libraries and packages are used.")
    unsafe_model_formats: Fact = _f("Model files are in formats that can run code when loaded "
                                    "(pickle, .pt, .pkl, .bin).")
    secrets_managed: Fact = _f("API keys and credentials live in a secrets manager, not in code or configs.")
    dependencies_pinned: Fact = _f("Dependency and model versions are pinned and checked (hashes, SBOM).")


class OperationsFacts(Strict):
    """How the system is run and watched."""

    logging: Fact = _f("Inputs, outputs and actions are logged.")
    monitoring: Fact = _f("Someone watches for abuse, drift or unusual use.")
    incident_response: Fact = _f("There is a plan for handling AI incidents.")
    human_oversight: Fact = _f("People review outputs or can override the system.")
    artifact_access_control: Fact = _f("Access to models, training data and pipelines is restricted to named people.")
    security_testing: Fact = _f("The system is red-teamed or security-tested before release.")
    spending_limits: Fact = _f("Usage or spending caps exist on paid model APIs and compute.")


class GovernanceFacts(Strict):
    """Affected people, fairness, transparency and regulation."""

    affected_groups: TextFact = _t("Who is affected by the system's outputs, in the user's words.")
    regulated: Fact = _f("A regulation applies (GDPR, HIPAA, EU AI Act, financial or medical rules).")
    fairness_assessed: Fact = _f("Outcomes are checked for bias across groups of people.")
    users_informed: Fact = _f("People are told they are dealing with an AI and how it is used.")
    explanations_provided: Fact = _f("People can get an explanation of a decision or contest it.")


class SystemProfile(Strict):
    """Everything the interview has learnt about the system."""

    name: str = Field(default="Untitled AI system", max_length=200, description="The system's name.")
    description: str = Field(default="", max_length=20000, description="The user's own description of the system.")
    security_notes: list[str] = Field(
        default_factory=list, max_length=60,
        description="Sentences from the user's answers that mention details a security reviewer looks for (secrets, "
                    "broad access, weak or optional controls, what outsiders can reach); the rules pass lists those "
                    "no threat quotes.")
    scope: Scope = Field(default_factory=Scope, description="Purpose, scope and security objectives.")
    impact: Impact = Field(default_factory=Impact, description="What is at stake.")
    model: ModelFacts = Field(default_factory=ModelFacts, description="Model kind, origin and hosting.")
    data: DataFacts = Field(default_factory=DataFacts, description="Data sources and handling.")
    exposure: ExposureFacts = Field(default_factory=ExposureFacts, description="Who can reach it and what they get.")
    llm: LlmFacts = Field(default_factory=LlmFacts, description="LLM and agent specifics.")
    supply_chain: SupplyChainFacts = Field(default_factory=SupplyChainFacts, description="Third-party parts.")
    operations: OperationsFacts = Field(default_factory=OperationsFacts, description="How it is run and watched.")
    governance: GovernanceFacts = Field(default_factory=GovernanceFacts, description="People, fairness, rules.")


SECTIONS: tuple[str, ...] = (
    "scope", "impact", "model", "data", "exposure", "llm", "supply_chain", "operations", "governance",
)


def _section_fields(kind: type) -> list[str]:
    paths: list[str] = []
    for section in SECTIONS:
        section_model = SystemProfile.model_fields[section].annotation
        assert isinstance(section_model, type)
        for name, info in section_model.model_fields.items():
            if info.annotation is kind:
                paths.append(f"{section}.{name}")
    return paths


FACT_PATHS: tuple[str, ...] = tuple(_section_fields(Fact))
TEXT_FACT_PATHS: tuple[str, ...] = tuple(_section_fields(TextFact))


def fact_description(path: str) -> str:
    """The catalogue's description of a fact path."""
    section, name = path.split(".", 1)
    section_model = SystemProfile.model_fields[section].annotation
    assert isinstance(section_model, type) and issubclass(section_model, BaseModel)
    return section_model.model_fields[name].description or path


def get_fact(profile: SystemProfile, path: str) -> Fact:
    """The yes/no fact at `path`; KeyError for a path not in the catalogue."""
    if path not in FACT_PATHS:
        raise KeyError(f"unknown fact path: {path}")
    section, name = path.split(".", 1)
    value = getattr(getattr(profile, section), name)
    assert isinstance(value, Fact)
    return value


def get_text_fact(profile: SystemProfile, path: str) -> TextFact:
    """The text fact at `path`; KeyError for a path not in the catalogue."""
    if path not in TEXT_FACT_PATHS:
        raise KeyError(f"unknown text fact path: {path}")
    section, name = path.split(".", 1)
    value = getattr(getattr(profile, section), name)
    assert isinstance(value, TextFact)
    return value


def set_fact(profile: SystemProfile, path: str, fact: Fact) -> None:
    """Replace the fact at `path`."""
    get_fact(profile, path)  # validates the path
    section, name = path.split(".", 1)
    setattr(getattr(profile, section), name, fact)


def set_text_fact(profile: SystemProfile, path: str, fact: TextFact) -> None:
    """Replace the text fact at `path`."""
    get_text_fact(profile, path)
    section, name = path.split(".", 1)
    setattr(getattr(profile, section), name, fact)
