"""JSON Schema of scenario.yaml (the instructors' contract, see ARCHITECTURE.md).

Written for the people who read its errors:

- every field has a `description`; `python -m sandbox docs` turns them into docs/reference.md;
- objects name their fields with `propertyNames` rather than `additionalProperties: false`, so a
  misspelt field is reported with the fields allowed there ("'colour' is not one of ['category', …]");
- no `pattern` and no `anyOf`/`oneOf`: a pattern error prints a regular expression and an anyOf error
  prints the whole offending mapping. Ids, check names and offsets are checked by the loader against
  PATTERNS, which says in words what is expected; a parameter's kind (exactly one of PARAM_KINDS) and
  the `at`/`on` of an NPC rule are checked there too.
"""

from __future__ import annotations

import re
from typing import Any

from seed_data.lists import BANKS, CARRIERS, CATEGORIES, REGIONS

# The roles an identity of world.accounts may have (seed_data/bank_seed.py says what each gets).
ACCOUNT_ROLES = (
    "buyer",
    "seller",
    "merchant",
    "applicant",
    "teller",
    "operator",
    "approver",
    "payee",
    "dispatcher",
    "holder",
    "ra_officer",
    "enterprise",
)


def closed(
    properties: dict[str, Any], required: tuple[str, ...] = (), description: str = ""
) -> dict[str, Any]:
    """An object with exactly these fields (others are reported with the list of allowed ones)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "propertyNames": {"enum": list(properties)},
    }
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


# Strings that must look a certain way: (regular expression, what it means in words).
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "scenario id": (
        re.compile(r"^[a-z0-9][a-z0-9-]*$"),
        "a scenario id is lower-case letters, digits and hyphens, e.g. b2c-purchase",
    ),
    "rubric id": (
        re.compile(r"^[a-z0-9-]+$"),
        "a rubric item id is lower-case letters, digits and hyphens, e.g. order-right",
    ),
    "parameter name": (
        re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$"),
        "a parameter name is letters, digits and underscores, not starting with a digit, "
        "so that a task can write {{ name }}, e.g. product or ship_to",
    ),
    "answer id": (
        re.compile(r"^[a-z0-9_]+$"),
        "an answer id is lower-case letters, digits and underscores, e.g. order_no",
    ),
    "check name": (
        re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_]+)+$"),
        "a check name is <domain or scenario id>.<name>, e.g. orders.order_with_line or my-scenario.total_right",
    ),
    "offset": (
        re.compile(r"^\+\d+[smhd]$"),
        "an offset from the start of the attempt is + and a number of s, m, h or d, e.g. +30s or +5m",
    ),
}

I18N = closed(
    {
        "zh": {"type": "string", "minLength": 1, "description": "Chinese text (required)"},
        "en": {"type": "string", "description": "English text (shown when the candidate switches)"},
    },
    ("zh",),
    "text in Chinese and, optionally, English",
)

# The key that names a parameter's kind; a parameter has exactly one of them.
PARAM_KINDS = ("pick", "int", "choice", "address", "person")
# Options that may stand next to a kind (only next to that kind).
PARAM_OPTIONS = {"where": "pick", "order": "pick"}
PICK_ORDERS = ("random", "cheapest", "dearest")

PARAM = closed(
    {
        "pick": {"enum": ["product", "variant"], "description": "what to pick from the catalogue"},
        "where": closed(
            {
                "category": {
                    "enum": [c["name"] for c in CATEGORIES],
                    "description": "only this category (one of the world's categories)",
                },
                "in_stock": {
                    "type": "boolean",
                    "description": "only variants with enough stock for any quantity a task asks for",
                },
                "min_options": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "only products with at least this many variants",
                },
                "max_price_fen": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "only variants costing at most this much (fen)",
                },
            },
            description="filters the pick draws from (all must hold)",
        ),
        "order": {
            "enum": list(PICK_ORDERS),
            "description": "random (default), or the cheapest / dearest of the filtered, the same for every seed",
        },
        "int": {
            "type": "array",
            "items": {"type": "integer"},
            "minItems": 2,
            "maxItems": 2,
            "description": "[low, high]: a whole number from low to high (both included)",
        },
        "choice": {"type": "array", "minItems": 1, "description": "one item of this list"},
        "address": closed({}, description="a delivery address (write `address: {}`)"),
        "person": closed({}, description="a person: name and mobile number (write `person: {}`)"),
    },
    description="one of the kinds pick, int, choice, address, person (see Parameters)",
)

CHECK = closed(
    {
        "kind": {
            "enum": ["state", "event", "answer", "ui", "artifact", "manual"],
            "description": "state: the world's data; event: what happened; answer: the answer sheet; "
            "ui: the pages, in Chromium",
        },
        "name": {"type": "string", "description": "a registered check, e.g. orders.order_with_line"},
        "args": {
            "type": "object",
            "description": "the check's arguments; '{{ param.field }}' fills in a parameter (keeping its type)",
        },
        "must_not": {
            "type": "boolean",
            "description": "invert: the points are earned when the check finds nothing",
        },
        "role": {"type": "string", "description": "reserved"},
    },
    ("kind", "name"),
    "which check grades the item",
)

SCENARIO_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **closed(
        {
            "id": {"type": "string", "description": "equals the folder name"},
            "version": {
                "type": "integer",
                "minimum": 1,
                "description": "bump when the scenario changes; world templates are kept per version",
            },
            "title": I18N,
            "level": {
                "enum": ["电子商务员", "助理电子商务师", "电子商务师", "高级电子商务师"],
                "description": "the qualification level",
            },
            "module": {"type": "string", "description": "the exam module, e.g. b2c"},
            "minutes": {
                "type": "integer",
                "minimum": 1,
                "maximum": 600,
                "description": "time allowed; the server keeps the countdown",
            },
            "clock_scale": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 3600,
                "description": "world seconds per real second (default 1)",
            },
            "params": {
                "type": "object",
                "additionalProperties": PARAM,
                "description": "name: kind; drawn from the attempt's seed in this order",
            },
            "world": closed(
                {
                    "base": {"enum": ["default"], "description": "the seed_data generator"},
                    "accounts": {
                        "type": "array",
                        "description": "the candidate's identities, one per role",
                        "items": closed(
                            {
                                "role": {
                                    "enum": list(ACCOUNT_ROLES),
                                    "description": "buyer, seller, merchant (a card); applicant (no account "
                                    "yet: applies online); teller (柜员 at the counter); operator, approver "
                                    "(经办, 复核 of a company account); payee (someone else's card); dispatcher (a carrier "
                                    "station's dispatch desk, 车辆调度); holder (证书持有人: a person with an ID number and a "
                                    "mailbox, no bank card); ra_officer (the CA's RA 审核员, reviews applications in "
                                    "the RA console)",
                                },
                                "bank_balance_fen": {
                                    "type": "integer",
                                    "minimum": 0,
                                    "description": "starting bank balance (fen); for an applicant the cash paid "
                                    "in when the counter opens the account; for operator/approver the company "
                                    "account's (the first of the company)",
                                },
                                "bank": {
                                    "enum": [b["code"] for b in BANKS],
                                    "description": "the identity's bank (drawn from the seed when absent)",
                                },
                                "same_bank_as": {
                                    "enum": list(ACCOUNT_ROLES),
                                    "description": "at the bank of the earlier identity with this role",
                                },
                                "other_bank_than": {
                                    "enum": list(ACCOUNT_ROLES),
                                    "description": "at another bank than the earlier identity with this role",
                                },
                                "cert": closed(
                                    {
                                        "kind": {
                                            "enum": ["personal", "enterprise"],
                                            "description": "a personal certificate, or an enterprise one for "
                                            "an operator/approver (its company)",
                                        },
                                    },
                                    description="the identity starts with a certificate (issued two months "
                                    "ago) in its certificate store; its password is on the task panel",
                                ),
                                "cert_login": {
                                    "type": "boolean",
                                    "description": "operator/approver: enterprise online banking accepts this "
                                    "user only with a certificate; merchant: the same at the payment platform; "
                                    "enterprise (with company.approved): the B2B platform asks for an enterprise "
                                    "certificate of the company after the password",
                                },
                                "signed_mails": closed(
                                    {
                                        "bad": {
                                            "type": ["integer", "string"],
                                            "description": "which of three signed letters (1-3) is bad",
                                        },
                                        "problem": {
                                            "type": "string",
                                            "description": "tampered, revoked, untrusted or expired",
                                        },
                                    },
                                    ("bad", "problem"),
                                    "three signed letters from partners in the inbox, one of them bad",
                                ),
                                "account_type": {
                                    "enum": ["personal", "enterprise"],
                                    "description": "applicant: a personal account (default) or, as the legal "
                                    "representative of a registered company, a company account",
                                },
                                "shop": closed(
                                    {
                                        "open": {
                                            "type": "boolean",
                                            "description": "false: no shop yet, only the seller-centre login; "
                                            "the candidate applies for one (商户入驻) during the attempt",
                                        },
                                        "payments": {
                                            "enum": ["unset", "ready"],
                                            "description": "unset (default): the candidate connects the shop to "
                                            "the payment platform; ready: keys and notify URL already set",
                                        },
                                        "sale": closed(
                                            {
                                                "to": {
                                                    "enum": list(ACCOUNT_ROLES),
                                                    "description": "the identity who bought and paid",
                                                },
                                                "amount_fen": {
                                                    "type": ["integer", "string"],
                                                    "description": 'what the order came to, e.g. "{{ order_fen }}"',
                                                },
                                                "refund_fen": {
                                                    "type": ["integer", "string"],
                                                    "description": "the partial refund the buyer then asks for by mail",
                                                },
                                            },
                                            ("to", "amount_fen"),
                                            "an order paid through the platform before the attempt begins",
                                        ),
                                        "goods": {
                                            "type": ["integer", "string"],
                                            "description": "goods listed in the shop with opening stock (1-5, "
                                            "from seed_data/fulfilment_seed.py)",
                                        },
                                        "past_orders": {
                                            "type": "array",
                                            "description": "NPC customers' orders paid, shipped and signed before "
                                            "the attempt (the shop's first orders)",
                                            "items": closed(
                                                {
                                                    "signed_days_ago": {
                                                        "type": ["integer", "string"],
                                                        "description": "days since the parcel was signed for",
                                                    },
                                                    "goods": {
                                                        "type": ["integer", "string"],
                                                        "description": "which of the shop's goods (1-based)",
                                                    },
                                                    "qty": {
                                                        "type": ["integer", "string"],
                                                        "description": "pieces",
                                                    },
                                                },
                                                (),
                                                "a delivered order",
                                            ),
                                        },
                                    },
                                    (),
                                    "merchant: the candidate's own shop",
                                ),
                                "station": closed(
                                    {
                                        "carrier": {
                                            "enum": [c["code"] for c in CARRIERS],
                                            "description": "the carrier (default SF)",
                                        },
                                        "city": {
                                            "enum": [c for p in REGIONS.values() for c in p],
                                            "description": "the station's city (default 杭州市)",
                                        },
                                    },
                                    (),
                                    "dispatcher: the carrier's station whose dispatch desk the candidate runs",
                                ),
                                "warehouse": closed(
                                    {
                                        "opening": {
                                            "type": "array",
                                            "items": {"type": ["integer", "string"]},
                                            "description": "opening stock of the shop's three goods (default 40, 60, 30)",
                                        },
                                        "location": {
                                            "type": "string",
                                            "description": "where the opening stock is (default WH/A-01)",
                                        },
                                        "sku": {
                                            "type": ["integer", "string"],
                                            "description": "which of the three goods is on the purchase order (1-3)",
                                        },
                                        "supplier": {
                                            "type": "string",
                                            "description": "the supplier's code (default: one drawn per candidate)",
                                        },
                                        "ordered": {
                                            "type": ["integer", "string"],
                                            "description": "units on the purchase order, already sent to the supplier",
                                        },
                                        "shortfall": {
                                            "type": ["integer", "string"],
                                            "description": "units the supplier delivers short",
                                        },
                                        "deliver_after": {
                                            "type": "string",
                                            "description": "when the supplier delivers, e.g. +1m (none: never by itself)",
                                        },
                                        "reserved": {
                                            "type": ["integer", "string"],
                                            "description": "units of it reserved by an order awaiting payment",
                                        },
                                    },
                                    ("ordered",),
                                    "merchant: goods in the warehouse and a purchase order sent to a supplier",
                                ),
                                "company": {
                                    "oneOf": [
                                        {
                                            "type": "string",
                                            "description": "operator/approver: identities with the same key "
                                            "share one company account (default: one company)",
                                        },
                                        closed(
                                            {
                                                "approved": {
                                                    "type": "boolean",
                                                    "description": "true: the company is already an approved "
                                                    "member; false (default): the candidate fills in the profile",
                                                },
                                                "bank": {
                                                    "enum": list(ACCOUNT_ROLES),
                                                    "description": "the company of this earlier operator/approver "
                                                    "identity (its name, code and enterprise account)",
                                                },
                                            },
                                            (),
                                            "enterprise: the B2B platform member's company",
                                        ),
                                    ],
                                },
                            },
                            ("role",),
                        ),
                    },
                    "apps": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "description": "the desktop apps this paper shows (ids: shop, bank, mail); all when absent",
                    },
                    "events": {
                        "type": "array",
                        "description": "NPC rules: `at` an offset or `on` an event, `do` an action",
                        "items": closed(
                            {
                                "at": {"type": "string", "description": "when: +30s, +5m, +2h, +1d"},
                                "on": {"type": "string", "description": "after each event of this name"},
                                "do": {"type": "string", "description": "an NPC action"},
                                "args": {"type": "object", "description": "the action's arguments"},
                            },
                            ("do",),
                        ),
                    },
                },
                ("base",),
                "the starting world",
            ),
            "tasks": {
                "type": "array",
                "minItems": 1,
                "description": "what the candidate is asked to do, in order",
                "items": closed(
                    {
                        "id": {"type": "string", "description": "a name for the task"},
                        "text": {
                            **I18N,
                            "description": "Jinja template over the params, e.g. {{ product.name }}",
                        },
                        "answers": {
                            "type": "array",
                            "description": "answer-sheet fields this task adds",
                            "items": closed(
                                {
                                    "id": {"type": "string", "description": "e.g. order_no"},
                                    "label": I18N,
                                    "type": {
                                        "enum": ["text", "id", "phone", "money", "date", "set", "choice"],
                                        "description": "how the answer is normalised before comparing",
                                    },
                                    "table": closed(
                                        {
                                            "id": {
                                                "type": "string",
                                                "description": "the table this field is a cell of: the fields "
                                                "with the same table id are shown together as one table",
                                            },
                                            "row": {
                                                "type": "integer",
                                                "minimum": 1,
                                                "maximum": 20,
                                                "description": "the cell's row (1 = the first)",
                                            },
                                            "column": {
                                                "type": "string",
                                                "description": "the cell's column key, the same in every row "
                                                "(e.g. supplier); checks such as answer.table name columns by it",
                                            },
                                            "header": {
                                                **I18N,
                                                "description": "the column's heading (default: the label of "
                                                "the column's first cell)",
                                            },
                                        },
                                        ("id", "row", "column"),
                                        "a cell of a comparison table on the answer sheet (each cell is an "
                                        "answer field with its own id, label and type; graded per row and field "
                                        "by answer.table or a domain's table check)",
                                    ),
                                    "options": {
                                        "type": "array",
                                        "minItems": 2,
                                        "description": "for type choice: the options of a drop-down list",
                                        "items": closed(
                                            {
                                                "value": {"type": "string", "description": "what is stored"},
                                                "label": I18N,
                                            },
                                            ("value", "label"),
                                        ),
                                    },
                                },
                                ("id", "label", "type"),
                            ),
                        },
                    },
                    ("id", "text"),
                ),
            },
            "rubric": {
                "type": "array",
                "minItems": 1,
                "description": "scored items, graded in order",
                "items": closed(
                    {
                        "id": {"type": "string", "description": "e.g. order-right"},
                        "points": {"type": "number", "exclusiveMinimum": 0, "description": "maximum points"},
                        "text": I18N,
                        "requires": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "earlier item ids; this item scores 0 unless they earned points",
                        },
                        "check": CHECK,
                    },
                    ("id", "points", "check"),
                ),
            },
            "replay": closed(
                {
                    "mask": {
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                        "description": "CSS selectors of more elements whose text and input the replay "
                        "recording masks in the candidate's browser (passwords, codes and keys always are)",
                    },
                },
                description="the examiners' replay of the candidate's pages",
            ),
        },
        ("id", "version", "title", "level", "module", "minutes", "world", "tasks", "rubric"),
        "a scenario",
    ),
}
