"""The system picture from facts: assets, components, trust boundaries and data flows (for the DFD)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.draft.rules import ASSETS
from app.model import Asset, Component, ComponentKind, DataFlow, FactState, SystemProfile, TrustBoundary, get_fact


def _yes(profile: SystemProfile, path: str) -> bool:
    return get_fact(profile, path).state is FactState.YES


def _maybe(profile: SystemProfile, path: str) -> bool:
    return get_fact(profile, path).state is not FactState.NO


@dataclass
class SystemPicture:
    components: list[Component] = field(default_factory=list)
    boundaries: list[TrustBoundary] = field(default_factory=list)
    flows: list[DataFlow] = field(default_factory=list)
    asset_components: dict[str, list[str]] = field(default_factory=dict)

    def add(self, ident: str, name: str, kind: ComponentKind, boundary: str, assets: list[str]) -> None:
        self.components.append(Component(id=ident, name=name, kind=kind, trust_boundary=boundary,
                                         assets=[f"asset-{a}" for a in assets]))
        for asset in assets:
            self.asset_components.setdefault(asset, []).append(ident)

    def flow(self, source: str, target: str, label: str) -> None:
        by_id = {c.id: c for c in self.components}
        if source not in by_id or target not in by_id:
            return
        crosses = by_id[source].trust_boundary != by_id[target].trust_boundary
        self.flows.append(DataFlow(id=f"flow-{len(self.flows) + 1}", source=source, target=target, label=label,
                                   crosses_boundary=crosses))


def build_system(profile: SystemProfile) -> SystemPicture:
    """Components and flows implied by the facts; unknown facts do not invent components."""
    pic = SystemPicture()
    public = _yes(profile, "exposure.public")
    vendor_model = _yes(profile, "model.origin_third_party_api")
    edge = _yes(profile, "model.hosting_edge_device")
    pic.boundaries.append(TrustBoundary(id="tb-users", name="Internet and users" if public else "Internal users"))
    pic.boundaries.append(TrustBoundary(id="tb-service", name="Your service"))
    if vendor_model or _yes(profile, "llm.tools") or _yes(profile, "llm.browsing") or _yes(profile, "llm.email"):
        pic.boundaries.append(TrustBoundary(id="tb-external", name="Third-party services"))
    if edge:
        pic.boundaries.append(TrustBoundary(id="tb-device", name="User or field device"))

    pic.add("c-users", "Users" if not public else "Customers and the public", ComponentKind.ACTOR, "tb-users",
            ["affected_people"])
    app_boundary = "tb-device" if edge else "tb-service"
    pic.add("c-app", "Application and prediction API", ComponentKind.PROCESS, app_boundary,
            ["inference_api", "prompts_and_outputs"])
    if vendor_model:
        pic.add("c-model", "Model provider API", ComponentKind.EXTERNAL_SERVICE, "tb-external", ["model_behaviour"])
    else:
        pic.add("c-model", "The model", ComponentKind.MODEL, app_boundary, ["model_weights", "model_behaviour"])
    pic.flow("c-users", "c-app", "requests, prompts, uploads")
    pic.flow("c-app", "c-users", "answers, scores, decisions")
    pic.flow("c-app", "c-model", "model input")
    pic.flow("c-model", "c-app", "model output")
    if _yes(profile, "llm.system_prompt"):
        pic.add("c-config", "System prompt and configuration", ComponentKind.DATA_STORE, "tb-service",
                ["system_prompt"])
        pic.flow("c-config", "c-app", "instructions")
    trains = any(_yes(profile, p) for p in ("model.origin_in_house", "model.origin_fine_tuned_open_weights",
                                            "data.retraining"))
    if trains:
        pic.add("c-training", "Training data and pipeline", ComponentKind.DATA_STORE, "tb-service",
                ["training_data", "infrastructure"])
        pic.flow("c-training", "c-model", "training")
        if _yes(profile, "data.feedback_loop") or _yes(profile, "data.source_user_provided"):
            pic.flow("c-app", "c-training", "user feedback and new examples")
    if _yes(profile, "llm.retrieval"):
        pic.add("c-retrieval", "Document index / knowledge base", ComponentKind.DATA_STORE, "tb-service",
                ["retrieval_corpus"])
        pic.flow("c-retrieval", "c-app", "retrieved passages")
        if _yes(profile, "llm.retrieval_editable_by_users"):
            pic.flow("c-users", "c-retrieval", "user-added documents")
    if _yes(profile, "llm.retrieval_external_content") or _yes(profile, "llm.browsing"):
        pic.add("c-web", "Outside content (web pages, emails, files)", ComponentKind.EXTERNAL_SERVICE, "tb-external",
                ["retrieval_corpus"])
        pic.flow("c-web", "c-app", "external content")
    if _yes(profile, "llm.tools"):
        pic.add("c-tools", "Tools and connected systems", ComponentKind.EXTERNAL_SERVICE, "tb-external",
                ["tools_and_credentials", "actions"])
        pic.flow("c-app", "c-tools", "tool calls")
        pic.flow("c-tools", "c-app", "tool results")
    if _yes(profile, "llm.memory"):
        pic.add("c-memory", "Assistant memory", ComponentKind.DATA_STORE, "tb-service", ["agent_memory"])
        pic.flow("c-app", "c-memory", "remembered facts")
        pic.flow("c-memory", "c-app", "recalled context")
    if _yes(profile, "operations.logging"):
        pic.add("c-logs", "Logs and transcripts", ComponentKind.DATA_STORE, "tb-service", ["prompts_and_outputs"])
        pic.flow("c-app", "c-logs", "logged requests and outputs")
    if any(_yes(profile, p) for p in ("supply_chain.third_party_models", "supply_chain.third_party_datasets",
                                      "supply_chain.open_source_libraries", "model.origin_downloaded_pretrained")):
        pic.add("c-supply", "Third-party models, datasets and packages", ComponentKind.EXTERNAL_SERVICE,
                "tb-external" if any(b.id == "tb-external" for b in pic.boundaries) else "tb-users",
                ["supply_chain"])
        pic.flow("c-supply", "c-model" if not vendor_model else "c-app", "downloaded artefacts")
    if _yes(profile, "exposure.admin_interface"):
        pic.add("c-admin", "Admin console", ComponentKind.PROCESS, "tb-service", ["infrastructure"])
        pic.flow("c-admin", "c-app", "configuration changes")
    acts = _maybe(profile, "exposure.outputs_actions") and (
        _yes(profile, "exposure.outputs_actions") or _yes(profile, "impact.automated_decisions"))
    if acts and not any(c.id == "c-tools" for c in pic.components):
        pic.add("c-downstream", "Downstream systems acted on", ComponentKind.EXTERNAL_SERVICE, "tb-service",
                ["actions"])
        pic.flow("c-app", "c-downstream", "actions and decisions")
    used = {b.id for b in pic.boundaries if any(c.trust_boundary == b.id for c in pic.components)}
    pic.boundaries = [b for b in pic.boundaries if b.id in used]
    return pic


def assets_for(keys: list[str]) -> list[Asset]:
    return [Asset(id=f"asset-{k}", name=ASSETS[k][0], kind=ASSETS[k][1], description=ASSETS[k][2]) for k in keys]
