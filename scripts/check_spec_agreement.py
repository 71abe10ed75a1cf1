#!/usr/bin/env python3
"""Check that spec/snaptrade.yaml agrees with SnapTrade's published OpenAPI document.

Usage:
    python3 scripts/check_spec_agreement.py [--deviations FILE] [--write-reverted FILE] \
        spec/snaptrade.yaml ../shared/snaptrade/upstream-api.yaml

Scope: the upstream operations tagged "API Status" or "Authentication". For those,
everything structural is compared in both directions (missing in ours, extra in
ours, different): the document version, server url, global security, tags used,
security schemes, and per operation its method, path, operationId, tags,
security, parameters, request body, response codes and content, plus every
component schema / request body reachable from the operations (names, types,
properties, enums, defaults, required lists, additionalProperties, ...).

Prose is ours and ignored: description, summary, example, examples. Parameter and
response `$ref`s are resolved before comparing (upstream writes those inline);
schema and requestBody `$ref`s must name the same component in both documents,
and those components are then compared themselves.

Deliberate deviations (where the live API is stricter than the published
document) are listed, each with its reason, in `deviations.yaml` beside our
spec (or --deviations FILE). Each entry names a JSON pointer and the exact
value ours and upstream have there (prose ignored; `~` for absent). The check
first verifies both listed values, then puts upstream's value back into ours
and compares as above: so exactly the listed deviations are accepted, any
other difference fails, and a listed deviation that no longer holds on either
side (stale) fails too. --write-reverted FILE writes ours with the deviations
put back (for `oapi-client-gen diff FILE <(subset upstream)`).

Exit status: 0 when they agree (one OK line), 1 with one line per mismatch
otherwise, 2 on usage errors or a malformed deviations file. A missing
upstream file is not an error: it prints "skipped: upstream document not
found" and exits 0.
"""

import copy
import os
import sys

import yaml

SCOPE_TAGS = ("API Status", "Authentication")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keys holding our own prose: never compared.
TEXT_KEYS = {"description", "summary", "example", "examples"}
# Keys whose value is a map from arbitrary names (not keywords) to objects, so
# entries named e.g. "description" must not be mistaken for prose.
NAME_MAPS = {"properties", "content", "responses", "headers", "encoding",
             "mapping", "securitySchemes", "schemas", "requestBodies", "variables"}


class Doc:
    def __init__(self, label, data):
        self.label = label
        self.data = data

    def resolve(self, ref):
        """Return the object a local `#/...` ref points at, or None."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        node = self.data
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


def strip_text(node, is_name_map=False):
    """Copy of node without prose keys (keeping name-map entries intact)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not is_name_map and key in TEXT_KEYS:
                continue
            out[key] = strip_text(value, is_name_map=(not is_name_map and key in NAME_MAPS))
        return out
    if isinstance(node, list):
        return [strip_text(v) for v in node]
    return node


def collect_refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            collect_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_refs(value, found)


def describe(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def diff(ours, theirs, where, problems):
    """Record every structural difference between two normalized nodes."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in theirs:
            if key not in ours:
                problems.append(f"{where}.{key}: missing in ours (upstream has {describe(theirs[key])})")
        for key in ours:
            if key not in theirs:
                problems.append(f"{where}.{key}: extra in ours ({describe(ours[key])}), absent upstream")
        for key in ours:
            if key in theirs:
                diff(ours[key], theirs[key], f"{where}.{key}", problems)
        if list(ours) != list(theirs) and where.endswith("security[0]"):
            # Order of the three schemes is part of what we promise.
            if set(ours) == set(theirs):
                problems.append(f"{where}: scheme order {list(ours)} differs from upstream {list(theirs)}")
        return
    if isinstance(ours, list) and isinstance(theirs, list):
        if where.endswith(".required") and all(isinstance(v, str) for v in ours + theirs):
            if sorted(ours) != sorted(theirs):
                problems.append(f"{where}: ours {ours} != upstream {theirs}")
            return
        if len(ours) != len(theirs):
            problems.append(f"{where}: ours has {len(ours)} entries, upstream {len(theirs)} "
                            f"(ours {describe(ours)}, upstream {describe(theirs)})")
            return
        for i, (a, b) in enumerate(zip(ours, theirs)):
            diff(a, b, f"{where}[{i}]", problems)
        return
    if type(ours) is not type(theirs) or ours != theirs:
        problems.append(f"{where}: ours {describe(ours)} != upstream {describe(theirs)}")


def operations(doc, only_scope):
    ops = {}
    for path, item in (doc.data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            if only_scope and not set(op.get("tags") or []) & set(SCOPE_TAGS):
                continue
            ops[(method, path)] = (op, item)
    return ops


def normalize_operation(doc, op, path_item, where, problems):
    """Prose-free copy of an operation, with parameter and response refs inlined."""
    op = dict(op)
    params = list(path_item.get("parameters") or []) + list(op.get("parameters") or [])
    if params:
        inlined = []
        for i, param in enumerate(params):
            if isinstance(param, dict) and "$ref" in param:
                target = doc.resolve(param["$ref"])
                if target is None:
                    problems.append(f"{where}.parameters[{i}]: {doc.label} ref {param['$ref']} does not resolve")
                    target = param
                param = target
            inlined.append(param)
        op["parameters"] = inlined
    responses = {}
    for code, resp in (op.get("responses") or {}).items():
        if isinstance(resp, dict) and "$ref" in resp:
            target = doc.resolve(resp["$ref"])
            if target is None:
                problems.append(f"{where}.responses.{code}: {doc.label} ref {resp['$ref']} does not resolve")
                target = resp
            resp = target
        responses[str(code)] = resp
    op["responses"] = responses
    return strip_text(op)


def reachable_components(doc, roots, label, problems):
    """Transitively follow refs from roots; returns {ref: normalized component}."""
    seen = {}
    pending = set()
    collect_refs(roots, pending)
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        target = doc.resolve(ref)
        if target is None:
            problems.append(f"{label}: ref {ref} does not resolve")
            seen[ref] = None
            continue
        norm = strip_text(target)
        seen[ref] = norm
        more = set()
        collect_refs(norm, more)
        pending |= more - set(seen)
    return seen


ABSENT = object()
DEVIATION_KEYS = {"id", "kind", "pointer", "reason", "ours", "upstream"}
# What a deviation may be for (deviations.yaml's header explains each).
DEVIATION_KINDS = {"required-input", "typed-error-body"}


def pointer_parts(pointer):
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise ValueError(f"pointer {pointer!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def at_pointer(data, parts):
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ABSENT
    return node


def put_at_pointer(data, parts, value):
    """Set (or, for ABSENT, delete) the node at parts; the parent must exist."""
    parent = at_pointer(data, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if value is ABSENT:
            parent.pop(last, None)
        else:
            parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent) and value is not ABSENT:
        parent[int(last)] = copy.deepcopy(value)
    else:
        raise ValueError("its parent does not exist in ours")


def load_deviations(path):
    """The list of deviations in path ([] when the file does not exist)."""
    if path is None or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    entries = data.get("deviations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a top-level `deviations:` list")
    seen = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != DEVIATION_KEYS:
            raise ValueError(f"{path}: deviation {i} must have exactly the keys {sorted(DEVIATION_KEYS)}")
        if entry["kind"] not in DEVIATION_KINDS:
            raise ValueError(f"{path}: deviation {entry['id']!r} has kind {entry['kind']!r}, "
                             f"not one of {sorted(DEVIATION_KINDS)}")
        if not isinstance(entry["reason"], str) or not entry["reason"].strip():
            raise ValueError(f"{path}: deviation {entry['id']!r} gives no reason")
        if entry["id"] in seen:
            raise ValueError(f"{path}: deviation id {entry['id']!r} is listed twice")
        seen.add(entry["id"])
        pointer_parts(entry["pointer"])
    return entries


def apply_deviations(ours, theirs, deviations, problems):
    """Check each listed deviation against both documents and put upstream's
    value back into ours, so the comparison that follows sees no listed
    difference and every other one."""
    for dev in deviations:
        parts = pointer_parts(dev["pointer"])
        where = f"deviation {dev['id']} at {dev['pointer']}"
        listed_ours = ABSENT if dev["ours"] is None else dev["ours"]
        listed_theirs = ABSENT if dev["upstream"] is None else dev["upstream"]
        actual_ours = at_pointer(ours.data, parts)
        actual_theirs = at_pointer(theirs.data, parts)

        def norm(v):
            return v if v is ABSENT else strip_text(v)

        ok = True
        if norm(actual_ours) != norm(listed_ours):
            problems.append(f"{where}: ours has {describe_opt(actual_ours)}, the list says "
                            f"{describe_opt(listed_ours)} (update the spec or the deviations file)")
            ok = False
        if norm(actual_theirs) != norm(listed_theirs):
            problems.append(f"{where}: upstream has {describe_opt(actual_theirs)}, the list says "
                            f"{describe_opt(listed_theirs)} (upstream changed: re-check this deviation)")
            ok = False
        if norm(listed_ours) == norm(listed_theirs):
            problems.append(f"{where}: ours and upstream are listed as equal: not a deviation")
            ok = False
        if ok:
            try:
                put_at_pointer(ours.data, parts, actual_theirs)
            except ValueError as e:
                problems.append(f"{where}: cannot put upstream's value back: {e}")


def describe_opt(value):
    return "nothing" if value is ABSENT else describe(strip_text(value))


def main(argv):
    args = list(argv[1:])
    options = {"--deviations": None, "--write-reverted": None}
    while args and args[0] in options:
        if len(args) < 2:
            break
        options[args[0]] = args[1]
        args = args[2:]
    if len(args) != 2 or any(a.startswith("--") for a in args):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        print(f"usage: {argv[0]} [--deviations FILE] [--write-reverted FILE] OUR_SPEC UPSTREAM_SPEC",
              file=sys.stderr)
        return 2
    ours_path, upstream_path = args
    if not os.path.exists(upstream_path):
        print("skipped: upstream document not found")
        return 0
    deviations_path = options["--deviations"] or os.path.join(
        os.path.dirname(os.path.abspath(ours_path)), "deviations.yaml")
    try:
        deviations = load_deviations(deviations_path)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with open(ours_path, encoding="utf-8") as f:
        ours = Doc("ours", yaml.safe_load(f))
    with open(upstream_path, encoding="utf-8") as f:
        theirs = Doc("upstream", yaml.safe_load(f))

    problems = []
    apply_deviations(ours, theirs, deviations, problems)
    if options["--write-reverted"]:
        with open(options["--write-reverted"], "w", encoding="utf-8") as f:
            yaml.safe_dump(ours.data, f, sort_keys=False, allow_unicode=True)

    # Document level.
    diff(ours.data.get("openapi"), theirs.data.get("openapi"), "openapi", problems)
    for key in ("title", "version"):
        diff((ours.data.get("info") or {}).get(key), (theirs.data.get("info") or {}).get(key),
             f"info.{key}", problems)
    diff([s.get("url") for s in ours.data.get("servers") or []],
         [s.get("url") for s in theirs.data.get("servers") or []], "servers[].url", problems)
    diff(ours.data.get("security"), theirs.data.get("security"), "security", problems)

    # Operations, both directions.
    our_ops = operations(ours, only_scope=False)
    their_ops = operations(theirs, only_scope=True)
    if not their_ops:
        problems.append(f"upstream: no operation tagged {' or '.join(SCOPE_TAGS)} found")
    for key in their_ops:
        if key not in our_ops:
            problems.append(f"{key[0].upper()} {key[1]}: operation missing in ours "
                            f"(upstream {their_ops[key][0].get('operationId')})")
    for key in our_ops:
        if key not in their_ops:
            problems.append(f"{key[0].upper()} {key[1]}: extra operation in ours "
                            f"({our_ops[key][0].get('operationId')}), not an in-scope upstream operation")

    response_count = 0
    our_roots, their_roots = [], []
    for key in sorted(set(our_ops) & set(their_ops)):
        where = f"{key[0].upper()} {key[1]}"
        a = normalize_operation(ours, *our_ops[key], where, problems)
        b = normalize_operation(theirs, *their_ops[key], where, problems)
        diff(a, b, where, problems)
        response_count += len(set(a["responses"]) & set(b["responses"]))
        our_roots.append(a)
        their_roots.append(b)

    # Tags: ours declares exactly the in-scope tags that upstream's operations use.
    used = [t for t in SCOPE_TAGS if any(t in (op.get("tags") or []) for op, _ in their_ops.values())]
    diff([t.get("name") for t in ours.data.get("tags") or []], used, "tags[].name", problems)

    # Security schemes used by global or per-operation security.
    def schemes_used(doc, roots):
        names = []
        for req in (doc.data.get("security") or []) + [s for r in roots for s in r.get("security") or []]:
            names += [n for n in req if n not in names]
        return names
    their_schemes = schemes_used(theirs, their_roots)
    our_all = (ours.data.get("components") or {}).get("securitySchemes") or {}
    their_all = (theirs.data.get("components") or {}).get("securitySchemes") or {}
    diff(strip_text({n: our_all.get(n) for n in our_all}, is_name_map=True),
         strip_text({n: their_all.get(n) for n in their_schemes}, is_name_map=True),
         "components.securitySchemes", problems)

    # Components reachable from the operations, both directions.
    a_comp = reachable_components(ours, our_roots, "ours", problems)
    b_comp = reachable_components(theirs, their_roots, "upstream", problems)
    for ref in sorted(b_comp):
        if ref not in a_comp:
            problems.append(f"{ref}: missing in ours")
    for ref in sorted(a_comp):
        if ref not in b_comp:
            problems.append(f"{ref}: extra in ours, not reachable upstream")
    for ref in sorted(set(a_comp) & set(b_comp)):
        if a_comp[ref] is not None and b_comp[ref] is not None:
            diff(a_comp[ref], b_comp[ref], ref[2:].replace("/", "."), problems)

    # Components ours declares but no operation reaches.
    declared = set()
    for section, entries in (ours.data.get("components") or {}).items():
        if section == "securitySchemes":
            continue
        for name in entries or {}:
            declared.add(f"#/components/{section}/{name}")
    for ref in sorted(declared - set(a_comp)):
        problems.append(f"{ref}: declared in ours but not used by any operation")

    if problems:
        for p in problems:
            print(f"MISMATCH {p}")
        print(f"{len(problems)} mismatch(es) between {ours_path} and {upstream_path}")
        return 1
    schema_count = sum(1 for r in b_comp if r.startswith("#/components/schemas/"))
    body_count = sum(1 for r in b_comp if r.startswith("#/components/requestBodies/"))
    print(f"OK: {ours_path} agrees with {upstream_path}: {len(their_ops)} operations, "
          f"{response_count} responses, {schema_count} schemas, {body_count} request bodies, "
          f"{len(their_schemes)} security schemes compared; "
          f"{len(deviations)} listed deviation(s) accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
