"""Writes the `new` side of each review test case from base.yaml.

Run from this directory (`python3 make_cases.py`) after editing base.yaml;
each case is one small edit of the base, so that `diff base.yaml CASE.yaml`
shows exactly one kind of change.
"""
import copy
import yaml

base = yaml.safe_load(open("base.yaml"))


def case(name, edit):
    doc = copy.deepcopy(base)
    edit(doc)
    with open(f"cases/{name}.yaml", "w") as f:
        f.write(f"# base.yaml with one edit: {name} (written by make_cases.py)\n")
        yaml.safe_dump(doc, f, sort_keys=False)


P = lambda d: d["paths"]
S = lambda d: d["components"]["schemas"]


def op_renamed(d):
    P(d)["/pets/{id}"]["get"]["operationId"] = "Pets_fetch"


def op_added(d):
    P(d)["/pets/{id}"]["delete"] = {
        "tags": ["Pets"],
        "operationId": "Pets_delete",
        "responses": {"204": {"description": "Gone."}},
    }


def param_added_required(d):
    P(d)["/pets"]["get"]["parameters"].append(
        {"name": "owner", "in": "query", "required": True, "schema": {"type": "string"}}
    )


def param_added_optional(d):
    P(d)["/pets"]["get"]["parameters"].append(
        {"name": "owner", "in": "query", "schema": {"type": "string"}}
    )


def param_made_required(d):
    P(d)["/pets"]["get"]["parameters"][0]["required"] = True


def param_type_changed(d):
    P(d)["/pets"]["get"]["parameters"][0]["schema"] = {"type": "integer", "format": "int64"}


def field_type_changed(d):
    S(d)["Pet"]["properties"]["tag"] = {"type": "array", "items": {"type": "string"}}


def enum_value_removed(d):
    S(d)["Kind"]["enum"] = ["cat"]


def enum_value_added(d):
    S(d)["Kind"]["enum"] = ["cat", "dog", "bird"]


def response_field_removed(d):
    del S(d)["Pet"]["properties"]["kind"]


def field_made_required(d):
    S(d)["Pet"]["required"].append("tag")


def optional_field_added(d):
    S(d)["Pet"]["properties"]["age"] = {"type": "integer"}


def required_request_field_added(d):
    S(d)["NewPet"]["properties"]["species"] = {"type": "string"}
    S(d)["NewPet"]["required"].append("species")


def security_changed(d):
    d["components"]["securitySchemes"]["ApiKey"]["name"] = "Authorization"


def op_security_removed(d):
    P(d)["/pets"]["get"]["security"] = []


def response_removed(d):
    del P(d)["/pets/{id}"]["get"]["responses"]["404"]


def response_type_changed(d):
    P(d)["/pets/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Pet"},
    }


def request_body_made_required(d):
    P(d)["/pets/{id}"]["put"]["requestBody"]["required"] = True


def docs_only(d):
    d["info"]["description"] = "Reworded."
    P(d)["/pets"]["get"]["summary"] = "List the pets."
    P(d)["/pets"]["get"]["parameters"][0]["description"] = "Page size."
    S(d)["Pet"]["description"] = "A pet, reworded."
    S(d)["Pet"]["properties"]["tag"]["description"] = "A label."
    d["tags"][0]["description"] = "Reworded."


def moved_to_ref(d):
    # The inline body schema of Pets_update moves under components, and the
    # Pet schema is inlined where Pets_get returns it: no change to callers.
    S(d)["PetUpdate"] = P(d)["/pets/{id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    P(d)["/pets/{id}"]["put"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/PetUpdate"
    }
    P(d)["/pets/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = copy.deepcopy(
        S(d)["Pet"]
    )
    # Keys reordered and an unused schema dropped: not changes either.
    S(d)["Pet"]["properties"] = dict(reversed(list(S(d)["Pet"]["properties"].items())))
    del S(d)["Unused"]


def op_removed(d):
    del P(d)["/pets/{id}"]["get"]


for f in [
    op_removed, op_renamed, op_added, param_added_required, param_added_optional,
    param_made_required, param_type_changed, field_type_changed, enum_value_removed,
    enum_value_added, response_field_removed, field_made_required, optional_field_added,
    required_request_field_added, security_changed, op_security_removed, response_removed,
    response_type_changed, request_body_made_required, docs_only, moved_to_ref,
]:
    case(f.__name__, f)
