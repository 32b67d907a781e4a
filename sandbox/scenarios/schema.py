"""JSON Schema of scenario.yaml (the instructors' contract, see ARCHITECTURE.md)."""

from __future__ import annotations

I18N = {
    "type": "object",
    "required": ["zh"],
    "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string"}},
    "additionalProperties": False,
}

PARAM = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "pick": {"enum": ["product", "variant"]},
        "int": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "choice": {"type": "array", "minItems": 1},
        "address": {"type": "object"},
        "person": {"type": "object"},
    },
    "additionalProperties": False,
}
PARAM_WITH_WHERE = {
    "anyOf": [
        PARAM,
        {
            "type": "object",
            "required": ["pick"],
            "properties": {
                "pick": {"enum": ["product", "variant"]},
                "where": {
                    "type": "object",
                    "properties": {
                        "category": {"type": "string"},
                        "in_stock": {"type": "boolean"},
                        "min_options": {"type": "integer", "minimum": 0},
                        "max_price_fen": {"type": "integer", "minimum": 1},
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
    ]
}

CHECK = {
    "type": "object",
    "required": ["kind", "name"],
    "properties": {
        "kind": {"enum": ["state", "event", "answer", "ui", "artifact", "manual"]},
        "name": {"type": "string", "pattern": r"^[a-z_]+(\.[a-z_]+)+$"},
        "args": {"type": "object"},
        "must_not": {"type": "boolean"},
        "role": {"type": "string"},
    },
    "additionalProperties": False,
}

SCENARIO_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "version", "title", "level", "module", "minutes", "world", "tasks", "rubric"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
        "version": {"type": "integer", "minimum": 1},
        "title": I18N,
        "level": {"enum": ["电子商务员", "助理电子商务师", "电子商务师", "高级电子商务师"]},
        "module": {"type": "string"},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 600},
        "clock_scale": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
        "params": {"type": "object", "additionalProperties": PARAM_WITH_WHERE},
        "world": {
            "type": "object",
            "required": ["base"],
            "properties": {
                "base": {"enum": ["default"]},
                "accounts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["role"],
                        "properties": {
                            "role": {"enum": ["buyer", "seller"]},
                            "bank_balance_fen": {"type": "integer", "minimum": 0},
                        },
                        "additionalProperties": False,
                    },
                },
                "events": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["do"],
                        "properties": {
                            "at": {"type": "string", "pattern": r"^\+\d+[smhd]$"},
                            "on": {"type": "string"},
                            "do": {"type": "string"},
                            "args": {"type": "object"},
                        },
                        "oneOf": [{"required": ["at"]}, {"required": ["on"]}],
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "tasks": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "text"],
                "properties": {
                    "id": {"type": "string"},
                    "text": I18N,
                    "answers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "label", "type"],
                            "properties": {
                                "id": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
                                "label": I18N,
                                "type": {"enum": ["text", "id", "money", "date", "set"]},
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
        "rubric": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "points", "check"],
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z0-9-]+$"},
                    "points": {"type": "number", "exclusiveMinimum": 0},
                    "text": I18N,
                    "requires": {"type": "array", "items": {"type": "string"}},
                    "check": CHECK,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
