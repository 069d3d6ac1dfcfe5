"""Threat Dragon, Open Threat Model and Threat Composer exports: official schemas and what the model keeps."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, validators
from jsonschema.protocols import Validator

from app.export import EXPORTERS, EXTENSIONS, MEDIA_TYPES
from app.export.threat_composer import to_threat_composer
from app.export.tools import threat_mitigations, to_otm, to_threat_dragon
from app.model import Component, ComponentKind, ThreatModel, ThreatStatus
from app.pipeline import run_pipeline
from app.services import get_services
from tests.factories import sample_model

CHATBOT = ("A public chatbot on GPT-4o via the OpenAI API that answers from help-centre articles and can issue "
           "refunds automatically.")
TD_SCHEMA = "threat-dragon/threat-dragon-v2.schema.json"
OTM_SCHEMA = "otm/otm_schema.json"
TC_SCHEMA = "threat-composer/threat-composer-v1.schema.json"
TC_EXAMPLE = "threat-composer/ThreatComposerWorkspace-reinforce2024-ex1.tc.json"
NODE_SHAPES = {"actor", "process", "store"}


def _nullable_type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    """`type` that honours the OpenAPI `nullable: true` the Threat Dragon schema uses (ajv does, jsonschema not)."""
    if instance is None and schema.get("nullable") is True:
        return
    yield from Draft7Validator.VALIDATORS["type"](validator, types, instance, schema)


TDValidator = validators.extend(Draft7Validator, {"type": _nullable_type})
FORMATS: dict[str, tuple[Callable[[ThreatModel], str], str, Any]] = {
    "threat-dragon": (to_threat_dragon, TD_SCHEMA, TDValidator),
    "otm": (to_otm, OTM_SCHEMA, Draft7Validator),
    "threat-composer": (to_threat_composer, TC_SCHEMA, Draft202012Validator),
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _validator(shared_data: Path, schema_path: str, cls: Any) -> Validator:
    schema = _load(shared_data / "formats" / schema_path)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: Validator, document: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(document)]


def _td_threat_schema(shared_data: Path) -> dict[str, Any]:
    """The schema's threat item; the app stores threats in `data.threats`, which the schema leaves open."""
    schema = _load(shared_data / "formats" / TD_SCHEMA)
    cell = schema["properties"]["detail"]["properties"]["diagrams"]["items"]["properties"]["cells"]["items"]
    return dict(cell["properties"]["threats"]["items"])


def _cells(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["detail"]["diagrams"][0]["cells"])


def _edge_model() -> ThreatModel:
    """Awkward input: markup in text, a very long title, an unbounded component, statuses of every kind."""
    model = sample_model()
    model.threats[0].title = "<b>Tags & \"quotes\"</b> " + "x" * 270
    model.threats[0].description = ""
    model.threats[0].status = ThreatStatus.REJECTED
    model.threats[0].status_reason = "Pages are edited only by staff."
    model.threats[1].status = ThreatStatus.MITIGATED
    model.threats[1].status_reason = "Quotas are live."
    model.components.append(Component(id="c-log", name="Chat log", kind=ComponentKind.DATA_STORE))
    return model


@pytest.fixture(scope="module")
def drafted() -> ThreatModel:
    return run_pipeline(get_services(), CHATBOT, use_index=False).model


@pytest.fixture(params=["sample", "drafted", "edge", "no-diagram"])
def model(request: pytest.FixtureRequest, drafted: ThreatModel) -> ThreatModel:
    if request.param == "sample":
        return sample_model()
    if request.param == "drafted":
        return drafted
    if request.param == "edge":
        return _edge_model()
    bare = sample_model()
    bare.components, bare.data_flows, bare.trust_boundaries = [], [], []
    return bare


# --- the harness and the official examples ---------------------------------------------------------------------

def test_official_examples_validate_with_this_harness(shared_data: Path) -> None:
    formats = shared_data / "formats"
    td = _validator(shared_data, TD_SCHEMA, TDValidator)
    for name in ("three-tier-web-app.json", "v2-new-model.json"):
        assert _errors(td, _load(formats / "threat-dragon" / name)) == []
    assert _errors(_validator(shared_data, OTM_SCHEMA, Draft7Validator), _load(formats / "otm" / "EXAMPLE.json")) == []
    tc = _validator(shared_data, TC_SCHEMA, Draft202012Validator)
    assert _errors(tc, _load(formats / TC_EXAMPLE)) == []


def test_plain_draft7_trips_only_on_the_nullable_quirk(shared_data: Path) -> None:
    demo = _load(shared_data / "formats" / "threat-dragon" / "three-tier-web-app.json")
    errors = list(_validator(shared_data, TD_SCHEMA, Draft7Validator).iter_errors(demo))
    assert len(errors) == 6  # the README's count: every one is a `strokeDasharray: null`
    assert all(e.path[-1] == "strokeDasharray" and e.instance is None for e in errors)
    threat_schema = Draft7Validator(_td_threat_schema(shared_data))
    demo_threats = [t for cell in _cells(demo) for t in cell.get("data", {}).get("threats", [])]
    assert len(demo_threats) == 2 and all(not _errors(threat_schema, t) for t in demo_threats)


def test_the_harness_rejects_broken_documents(shared_data: Path) -> None:
    model = sample_model()
    td = json.loads(to_threat_dragon(model))
    del td["detail"]["reviewer"]
    assert _errors(_validator(shared_data, TD_SCHEMA, TDValidator), td)
    assert _errors(Draft7Validator(_td_threat_schema(shared_data)), {"title": "only a title"})
    otm = json.loads(to_otm(model))
    del otm["components"][0]["parent"]
    assert _errors(_validator(shared_data, OTM_SCHEMA, Draft7Validator), otm)
    tc = json.loads(to_threat_composer(model))
    tc["threats"][0]["unknownKey"] = 1
    tc["mitigationLinks"][0]["linkedId"] = "T-001"
    assert len(_errors(_validator(shared_data, TC_SCHEMA, Draft202012Validator), tc)) == 2


# --- every export validates against its official schema --------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_validates_against_official_schema(shared_data: Path, model: ThreatModel, fmt: str) -> None:
    exporter, schema_path, cls = FORMATS[fmt]
    document = json.loads(exporter(model))
    assert _errors(_validator(shared_data, schema_path, cls), document) == []
    if fmt == "threat-dragon":  # no nulls emitted, so the strict reading passes too, and every threat is complete
        assert _errors(_validator(shared_data, schema_path, Draft7Validator), document) == []
        threat_schema = Draft7Validator(_td_threat_schema(shared_data))
        threats = [t for cell in _cells(document) for t in cell["data"].get("threats", [])]
        assert threats and all(_errors(threat_schema, t) == [] for t in threats)


# --- behaviour ---------------------------------------------------------------------------------------------------

def _expected_targets(model: ThreatModel, threat_id: str) -> set[str]:
    threat = model.threat(threat_id)
    assert threat is not None
    names = {c.id: c.name for c in model.components}
    assert len(set(names.values())) == len(names), "test relies on unique component names"
    if threat.affected_components:
        return {names[c] for c in threat.affected_components if c in names}
    main = next(c for kind in (ComponentKind.PROCESS, ComponentKind.MODEL) for c in model.components
                if c.kind is kind)
    return {main.name}


def test_threat_dragon_attaches_every_threat_to_existing_elements(drafted: ThreatModel) -> None:
    for model in (sample_model(), drafted):
        document = json.loads(to_threat_dragon(model))
        cells = {cell["id"]: cell for cell in _cells(document)}
        attached: dict[str, set[str]] = {}
        for cell in cells.values():
            for threat in cell["data"].get("threats", []):
                assert cell["shape"] in NODE_SHAPES
                ident = threat["description"].split("ThreatScribe: ", 1)[1].split(",", 1)[0]
                attached.setdefault(ident, set()).add(cell["data"]["name"])
        assert set(attached) == {t.id for t in model.threats}
        for threat in model.threats:
            assert attached[threat.id] == _expected_targets(model, threat.id)
        assert document["detail"]["threatTop"] == sum(len(v) for v in attached.values())
        for cell in cells.values():
            if cell["shape"] == "flow":
                assert cells[cell["source"]["cell"]]["shape"] in NODE_SHAPES
                assert cells[cell["target"]["cell"]]["shape"] in NODE_SHAPES


def _inside(cell: dict[str, Any], box: dict[str, Any]) -> bool:
    x, y = cell["position"]["x"], cell["position"]["y"]
    bx, by = box["position"]["x"], box["position"]["y"]
    return bx <= x <= bx + box["size"]["width"] and by <= y <= by + box["size"]["height"]


def test_threat_dragon_draws_boundaries_and_crossing_flows(drafted: ThreatModel) -> None:
    for model in (sample_model(), drafted):
        cells = _cells(json.loads(to_threat_dragon(model)))
        boxes = {c["data"]["name"]: c for c in cells if c["shape"] == "trust-boundary-box"}
        assert set(boxes) == {b.name for b in model.trust_boundaries}
        nodes = {c["id"]: c for c in cells if c["shape"] in NODE_SHAPES}
        by_name = {c["data"]["name"]: c for c in nodes.values()}
        zones = {b.id: b.name for b in model.trust_boundaries}
        for comp in model.components:
            assert _inside(by_name[comp.name], boxes[zones[comp.trust_boundary or ""]])
        flows = {c["data"]["name"]: c for c in cells if c["shape"] == "flow"}
        names = {c.id: c.name for c in model.components}
        crossing = [f for f in model.data_flows if f.crosses_boundary]
        assert crossing
        for flow in crossing:
            cell = flows[flow.label]
            source, target = nodes[cell["source"]["cell"]], nodes[cell["target"]["cell"]]
            assert (source["data"]["name"], target["data"]["name"]) == (names[flow.source], names[flow.target])
            assert "crosses a trust boundary" in cell["data"]["description"]
            assert {n for n, b in boxes.items() if _inside(source, b)} != {n for n, b in boxes.items()
                                                                           if _inside(target, b)}


def test_threat_dragon_threat_fields_follow_its_vocabulary() -> None:
    model = _edge_model()
    model.threats[0].status = ThreatStatus.ACCEPTED
    threats = {t["title"]: t for c in _cells(json.loads(to_threat_dragon(model)))
               for t in c["data"].get("threats", [])}
    first, second = threats[model.threats[0].title], threats[model.threats[1].title]
    assert (first["status"], first["severity"], first["type"]) == ("Open", "High", "Tampering")
    assert (second["status"], second["severity"], second["type"]) == ("Mitigated", "Medium", "Denial of service")
    assert first["title"].startswith('<b>Tags & "quotes"</b>')  # JSON strings, not HTML
    assert "MITRE ATLAS: AML.T0051.001" in first["description"] and "OWASP LLM Top 10: LLM01" in first["description"]
    assert "Elevation of privilege" in first["description"]
    assert "AML.M0015 Adversarial Input Detection" in first["mitigation"] and "- Scan retrieved text." in first[
        "mitigation"]
    assert "AML.M0004" in second["mitigation"] and "Decision reason: Quotas are live." in second["description"]
    model.threats[0].status = ThreatStatus.REJECTED
    rejected = [t for c in _cells(json.loads(to_threat_dragon(model))) for t in c["data"].get("threats", [])
                if t["title"] == model.threats[0].title]
    assert rejected[0]["status"] == "NotApplicable"


def test_otm_keeps_threats_zones_flows_and_mitigation_links(drafted: ThreatModel) -> None:
    for model in (sample_model(), drafted):
        document = json.loads(to_otm(model))
        threats = {t["attributes"]["threatscribeId"]: t for t in document["threats"]}
        assert set(threats) == {t.id for t in model.threats}
        mitigation_ids = {m["id"]: m["attributes"]["threatscribeId"] for m in document["mitigations"]}
        zone_ids = {z["id"] for z in document["trustZones"]}
        components = {c["id"]: c for c in document["components"]}
        applied: dict[str, set[str]] = {}
        for comp in components.values():
            assert comp["parent"]["trustZone"] in zone_ids
            for instance in comp["threats"]:
                ident = next(k for k, t in threats.items() if t["id"] == instance["threat"])
                applied.setdefault(ident, set()).add(comp["name"])
                linked = {mitigation_ids[m["mitigation"]] for m in instance["mitigations"]}
                threat = model.threat(ident)
                assert threat is not None
                assert linked == {m.id for m in threat_mitigations(model, threat)}
        for threat in model.threats:
            assert applied[threat.id] == _expected_targets(model, threat.id)
            exported = threats[threat.id]
            assert set(threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm) <= set(exported["tags"])
            assert exported["attributes"]["atlasTechniques"] == ", ".join(threat.atlas_techniques)
            assert len(exported["categories"]) == len(threat.stride)
        flows = {f["attributes"]["threatscribeId"]: f for f in document["dataflows"]}
        for flow in (f for f in model.data_flows if f.crosses_boundary):
            exported = flows[flow.id]
            assert "crosses-trust-boundary" in exported["tags"]
            zones = {components[exported[end]]["parent"]["trustZone"] for end in ("source", "destination")}
            assert len(zones) == 2


def test_otm_states_follow_the_decision() -> None:
    model = _edge_model()
    states = {(i["state"], m["state"]) for c in json.loads(to_otm(model))["components"] for i in c["threats"]
              for m in i["mitigations"]}
    assert states == {("not-applicable", "not-applicable"), ("mitigated", "implemented")}
    unassigned = [z for z in json.loads(to_otm(model))["trustZones"] if z["name"] == "Unassigned"]
    assert len(unassigned) == 1


def test_threat_composer_grammar_links_and_metadata(drafted: ThreatModel) -> None:
    for model in (sample_model(), drafted):
        document = json.loads(to_threat_composer(model))
        threats = {t["id"]: t for t in document["threats"]}
        by_ts = {_meta(t, "custom:threatscribeId"): t for t in threats.values()}
        assert set(by_ts) == {t.id for t in model.threats}
        mitigations = {m["id"]: _meta(m, "custom:threatscribeId") for m in document["mitigations"]}
        links = {(mitigations[link["mitigationId"]], _meta(threats[link["linkedId"]], "custom:threatscribeId"))
                 for link in document["mitigationLinks"]}
        expected = {(m.id, t.id) for t in model.threats for m in threat_mitigations(model, t)}
        assert links == expected and expected
        for threat in model.threats:
            exported = by_ts[threat.id]
            assert exported["statement"].startswith(("A threat actor", "A user or insider"))
            assert f"can cause “{threat.title}”" in exported["statement"]
            assert exported["threatAction"] == f"cause “{threat.title}”"
            assert _meta(exported, "STRIDE") == [s.value[0].upper() for s in threat.stride]
            assert _meta(exported, "custom:atlasTechniques") == (threat.atlas_techniques or None)
            assert set(threat.atlas_techniques) <= set(exported.get("tags", []))
            names = {a.id: a.name for a in model.assets}
            if threat.affected_assets:
                assert exported["impactedAssets"] == [names[a] for a in threat.affected_assets]
            assert _meta(exported, "Priority") == {"critical": "High", "high": "High"}.get(
                threat.dread.risk.value, threat.dread.risk.value.capitalize())


def _meta(item: dict[str, Any], key: str) -> Any:
    return next((m["value"] for m in item.get("metadata", []) if m["key"] == key), None)


def test_threat_composer_statement_matches_the_tool_template() -> None:
    document = json.loads(to_threat_composer(sample_model()))
    first = document["threats"][0]
    assert first["statement"] == (
        "A threat actor targeting Assistant can cause “Hidden instructions in help-centre pages steer the "
        "assistant”, which leads to someone who can edit a page the assistant reads could plant instructions in "
        "it, resulting in reduced integrity and/or authorization of Help-centre knowledge base")
    assert document["threats"][1]["statement"].endswith("resulting in reduced availability of Assistant")
    assert "threatImpact" not in document["threats"][1]  # no description, so no impact clause
    edge = json.loads(to_threat_composer(_edge_model()))
    assert [t["status"] for t in edge["threats"]] == ["threatResolvedNotUseful", "threatResolved"]
    assert all(len(t["threatAction"]) <= 200 for t in edge["threats"])
    assert edge["threats"][0]["threatAction"].startswith('cause “<b>Tags & "quotes"</b>')


def test_threat_composer_links_assumptions_to_the_threats_resting_on_them(drafted: ThreatModel) -> None:
    document = json.loads(to_threat_composer(drafted))
    assert len(document["assumptions"]) == len(drafted.assumptions)
    threat_ids = {t["id"] for t in document["threats"]}
    assumption_ids = {a["id"] for a in document["assumptions"]}
    assert document["assumptionLinks"]
    for link in document["assumptionLinks"]:
        assert link["type"] == "Threat" and link["linkedId"] in threat_ids and link["assumptionId"] in assumption_ids


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_exports_are_deterministic_with_uuid_ids(model: ThreatModel, fmt: str) -> None:
    exporter = FORMATS[fmt][0]
    text = exporter(model)
    assert text == exporter(model.model_copy(deep=True))
    document = json.loads(text)
    ids = {t["id"] for t in document["threats"]} if "threats" in document else {
        c["id"] for c in _cells(document)}
    assert ids and all(uuid.UUID(i).version == 5 for i in ids)


def test_exporters_are_registered() -> None:
    for fmt, exporter, extension in (("threat-dragon", to_threat_dragon, "td.json"), ("otm", to_otm, "otm.json"),
                                     ("threat-composer", to_threat_composer, "tc.json")):
        assert EXPORTERS[fmt] is exporter
        assert EXTENSIONS[fmt] == extension
        assert MEDIA_TYPES[fmt] == "application/json"
