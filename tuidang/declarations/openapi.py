"""``/api/v1/openapi.json``, made from the code rather than kept by hand.

The partner intake's request, answer and error shapes are the msgspec types the view reads
bodies with (``schema.py``), turned into JSON Schema by msgspec, so the description cannot
drift from what the server accepts. The read endpoints are described here beside them. People
read ``docs/api.md``; ``tests/declarations/test_openapi.py`` checks that the two agree (every
endpoint and every documented field in both).
"""

import functools
import json
from typing import Any

import msgspec

from tuidang.declarations import schema

REF = "#/components/schemas/{name}"
# The read endpoints, the parameters and headers they share, and their answers' schemas.
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "tuidang open data and partner API",
        "version": "1.0.0",
        "summary": "The tally and the published statements of declarations quitting the "
        "Chinese Communist Party and its youth organisations, and the partner "
        "intake.",
        "description": "Read endpoints are open data: no key, no cookies, readable from any "
        "origin. The tally counts declarations received, reviewed and logged "
        "— not unique people. Error messages are in the language of `?lang=` "
        "or Accept-Language (zh-hans, zh-hant, en). See docs/api.md for "
        "examples.",
    },
    "servers": [{"url": "/api/v1", "description": "This site"}],
    "paths": {
        "/tally": {
            "get": {
                "operationId": "getTally",
                "summary": "The tally and every breakdown",
                "description": "Every number comes from counters updated when a "
                "declaration is accepted; nothing is counted on "
                "read.",
                "parameters": [{"$ref": "#/components/parameters/lang"}],
                "responses": {
                    "200": {
                        "description": "The tally",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Tally"}}
                        },
                    }
                },
            }
        },
        "/tally.csv": {
            "get": {
                "operationId": "getTallyCsv",
                "summary": "The tally as CSV rows breakdown,key,count",
                "parameters": [{"$ref": "#/components/parameters/lang"}],
                "responses": {
                    "200": {
                        "description": "UTF-8 CSV with the "
                        "header "
                        "`breakdown,key,count`. "
                        "`breakdown` is one of "
                        "total, today, "
                        "organisation, region, "
                        "country, channel, day, "
                        "month, rejected; `key` "
                        "is empty for total and "
                        "today.",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {
                            "text/csv": {
                                "schema": {"type": "string"},
                                "example": "breakdown,key,count\r\n"
                                "total,,1234\r\n"
                                "today,,12\r\n"
                                "organisation,party,900\r\n",
                            }
                        },
                    }
                },
            }
        },
        "/statements": {
            "get": {
                "operationId": "getStatements",
                "summary": "The published statements of one day, paginated",
                "parameters": [
                    {
                        "name": "date",
                        "in": "query",
                        "required": False,
                        "description": "The day the declarations "
                        "were made, YYYY-MM-DD (time "
                        "zone of the site). Defaults "
                        "to today. Not in the "
                        "future, not before "
                        "2004-11-01.",
                        "schema": {"type": "string", "format": "date"},
                        "example": "2024-05-01",
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "description": "Page number, from 1.",
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                    {"$ref": "#/components/parameters/lang"},
                ],
                "responses": {
                    "200": {
                        "description": "One page of the day's statements",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StatementPage"}
                            }
                        },
                    },
                    "400": {
                        "description": "A malformed, future "
                        "or too early date, or "
                        "a page that is not a "
                        "whole number.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "404": {
                        "description": "A page beyond the last.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/statements.csv": {
            "get": {
                "operationId": "getStatementsCsv",
                "summary": "All the published statements of one day as CSV (streamed)",
                "parameters": [
                    {
                        "name": "date",
                        "in": "query",
                        "required": False,
                        "description": "The day the "
                        "declarations were made, "
                        "YYYY-MM-DD (time zone "
                        "of the site). Defaults "
                        "to today. Not in the "
                        "future, not before "
                        "2004-11-01.",
                        "schema": {"type": "string", "format": "date"},
                        "example": "2024-05-01",
                    },
                    {"$ref": "#/components/parameters/lang"},
                ],
                "responses": {
                    "200": {
                        "description": "UTF-8 CSV with "
                        "the header "
                        "`date,alias,organisations,region,channel,statement`; "
                        "organisations are "
                        "slugs separated "
                        "by spaces. A cell "
                        "that would start "
                        "with =, +, -, @, "
                        "a tab or a "
                        "carriage return "
                        "is prefixed with "
                        "an apostrophe so "
                        "spreadsheets do "
                        "not run it as a "
                        "formula.",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    "400": {
                        "description": "A malformed, future or too early date.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/declarations": {
            "post": {
                "operationId": "postDeclaration",
                "summary": "Submit a declaration (one person or a family)",
                "description": "For partner sites and apps. The same "
                "validation and moderation as the web "
                "form: clean submissions are accepted at "
                "once, flagged ones wait for a moderator. "
                "Rate limited per client.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/DeclarationRequest"}
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Received",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DeclarationCreated"}
                            }
                        },
                    },
                    "400": {
                        "description": "Invalid fields; each message is in the request's language.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "413": {
                        "description": "The body is larger than the site accepts.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "415": {
                        "description": "The body is not "
                        "JSON (Content-Type "
                        "must be "
                        "application/json).",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "429": {
                        "description": "Too many submissions from this client; try again later.",
                        "headers": {
                            "Retry-After": {
                                "description": "Seconds to wait.",
                                "schema": {"type": "integer"},
                            }
                        },
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/checkpoints": {
            "get": {
                "operationId": "getCheckpoints",
                "summary": "The signed checkpoints of the transparency "
                "log, newest first, paginated",
                "description": "Each checkpoint is a C2SP tlog-checkpoint "
                "signed as a C2SP signed-note. The tally's "
                "`total` can be checked against the latest "
                "checkpoint's size.",
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "description": "Page number, from 1.",
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                    {"$ref": "#/components/parameters/lang"},
                ],
                "responses": {
                    "200": {
                        "description": "One page of checkpoints",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CheckpointPage"}
                            }
                        },
                    },
                    "400": {
                        "description": "A page that is not a whole number.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "404": {
                        "description": "A page beyond the last.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/proof": {
            "get": {
                "operationId": "getInclusionProof",
                "summary": "An inclusion proof for one log entry against the latest checkpoint",
                "parameters": [
                    {
                        "name": "index",
                        "in": "query",
                        "required": True,
                        "description": "The entry's leaf index, from 0 "
                        "(shown on the receipt page).",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {"$ref": "#/components/parameters/lang"},
                ],
                "responses": {
                    "200": {
                        "description": "A C2SP tlog-proof: the "
                        "index, the proof hashes "
                        "and the checkpoint they "
                        "lead to.",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "400": {
                        "description": "An index that is not a whole number.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "404": {
                        "description": "No such entry in the log yet.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/consistency": {
            "get": {
                "operationId": "getConsistencyProof",
                "summary": "A consistency proof between two published checkpoints",
                "description": "Shows that the log of size `new` contains "
                "the log of size `old` unchanged: the log "
                "only grew.",
                "parameters": [
                    {
                        "name": "old",
                        "in": "query",
                        "required": True,
                        "description": "Size of the older checkpoint.",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "new",
                        "in": "query",
                        "required": True,
                        "description": "Size of the newer checkpoint.",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {"$ref": "#/components/parameters/lang"},
                ],
                "responses": {
                    "200": {
                        "description": "Both checkpoints and the RFC 6962 consistency proof",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Consistency"}
                            }
                        },
                    },
                    "400": {
                        "description": "A size that is not a "
                        "whole number, a size "
                        "no checkpoint had, "
                        "or old larger than "
                        "new.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 description of the API",
                        "headers": {
                            "Access-Control-Allow-Origin": {
                                "$ref": "#/components/headers/AccessControlAllowOrigin"
                            },
                            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                        },
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "parameters": {
            "lang": {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": "Language of error messages; otherwise Accept-Language decides.",
                "schema": {"type": "string", "enum": ["zh-hans", "zh-hant", "en"]},
            }
        },
        "headers": {
            "AccessControlAllowOrigin": {
                "description": "Always `*`: this is open data.",
                "schema": {"type": "string", "const": "*"},
            },
            "CacheControl": {
                "description": "`public, max-age=60` for the "
                "tally and today's statements, "
                "`public, max-age=900` for past "
                "days.",
                "schema": {"type": "string"},
            },
        },
        "schemas": {
            "Counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "Tally": {
                "type": "object",
                "required": [
                    "total",
                    "today",
                    "organisations",
                    "regions",
                    "countries",
                    "channels",
                    "days",
                    "months",
                    "rejected",
                    "as_of",
                ],
                "properties": {
                    "total": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Declarations (people) accepted and counted.",
                    },
                    "today": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Of them, declarations dated today in the site's time zone.",
                    },
                    "organisations": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "By "
                        "organisation "
                        "slug "
                        "(party, "
                        "league, "
                        "pioneers); "
                        "only "
                        "organisations "
                        "counted "
                        "at "
                        "least "
                        "once.",
                    },
                    "regions": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "By region "
                        "code, plus "
                        "`abroad` and "
                        "`unknown`; "
                        "every key "
                        "present. The "
                        "codes are ISO "
                        "3166-2:CN "
                        "codes: the "
                        "mainland's "
                        "provinces, "
                        "autonomous "
                        "regions and "
                        "municipalities, "
                        "and `CN-HK`, "
                        "`CN-MO`, "
                        "`CN-TW` for "
                        "Hong Kong, "
                        "Macau and "
                        "Taiwan "
                        "(identifiers "
                        "kept stable "
                        "for the log; "
                        "none of the "
                        "three is a "
                        "province of "
                        "the PRC).",
                    },
                    "countries": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "Abroad, by "
                        "ISO 3166-1 "
                        "alpha-2 "
                        "country "
                        "code; only "
                        "countries "
                        "counted.",
                    },
                    "channels": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "By channel: "
                        "web, api, "
                        "phone, "
                        "email, fax, "
                        "post; every "
                        "key "
                        "present.",
                    },
                    "days": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "By day of declaration, YYYY-MM-DD; only days counted.",
                    },
                    "months": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "By month of declaration, YYYY-MM; only months counted.",
                    },
                    "rejected": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "Rejected "
                        "after "
                        "review, by "
                        "reason (not "
                        "in total); "
                        "every reason "
                        "present.",
                    },
                    "anchored": {
                        "$ref": "#/components/schemas/Counts",
                        "description": "Log entries that anchor a dossier the centre "
                        "handed over (`dossier`); not declarations, not in total.",
                    },
                    "as_of": {"type": "string", "format": "date-time"},
                },
            },
            "Statement": {
                "type": "object",
                "required": [
                    "alias",
                    "organisations",
                    "region",
                    "channel",
                    "statement",
                    "date",
                    "leaf_index",
                    "salt",
                ],
                "properties": {
                    "alias": {
                        "type": "string",
                        "description": "The name or alias the declarant chose.",
                    },
                    "organisations": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Slugs of the organisations quit.",
                    },
                    "region": {
                        "type": "string",
                        "description": "Region "
                        "code "
                        "(CN-XX for "
                        "the "
                        "mainland's "
                        "divisions; "
                        "CN-HK, "
                        "CN-MO, "
                        "CN-TW for "
                        "Hong Kong, "
                        "Macau, "
                        "Taiwan), "
                        "ISO 3166-1 "
                        "country "
                        "code "
                        "abroad, or "
                        "empty if "
                        "not "
                        "given.",
                    },
                    "channel": {
                        "type": "string",
                        "enum": ["web", "api", "phone", "email", "fax", "post"],
                    },
                    "statement": {"type": "string"},
                    "date": {"type": "string", "format": "date"},
                    "leaf_index": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "The "
                        "statement's "
                        "entry "
                        "in the "
                        "transparency "
                        "log "
                        "(see "
                        "docs/log-format.md).",
                    },
                    "salt": {
                        "type": ["string", "null"],
                        "contentEncoding": "base64",
                        "description": "The 32-byte "
                        "salt of the "
                        "entry's "
                        "commitment, "
                        "base64; with "
                        "the other "
                        "fields it "
                        "lets anyone "
                        "check the "
                        "statement "
                        "against its "
                        "log entry. "
                        "Null once "
                        "removed for "
                        "safety.",
                    },
                },
            },
            "StatementPage": {
                "type": "object",
                "required": ["date", "page", "pages", "count", "next", "previous", "results"],
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "page": {"type": "integer", "minimum": 1},
                    "pages": {"type": "integer", "minimum": 1},
                    "count": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Statements published for the day (all pages).",
                    },
                    "next": {"type": ["string", "null"], "format": "uri"},
                    "previous": {"type": ["string", "null"], "format": "uri"},
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Statement"},
                    },
                },
            },
            "Checkpoint": {
                "type": "object",
                "required": ["size", "root", "batch_time", "checkpoint"],
                "properties": {
                    "size": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Number of entries in the tree.",
                    },
                    "root": {
                        "type": "string",
                        "contentEncoding": "base64",
                        "description": "RFC 6962 root hash of the tree.",
                    },
                    "batch_time": {
                        "type": "string",
                        "format": "date-time",
                        "description": "The "
                        "boundary "
                        "of "
                        "the "
                        "batch "
                        "that "
                        "made "
                        "the "
                        "checkpoint "
                        "(a "
                        "multiple "
                        "of "
                        "TUIDANG_LOG_INTERVAL), "
                        "never "
                        "the "
                        "moment "
                        "it "
                        "was "
                        "signed.",
                    },
                    "checkpoint": {
                        "type": "string",
                        "description": "The signed note, as served at /log/checkpoint.",
                    },
                },
            },
            "CheckpointPage": {
                "type": "object",
                "required": ["page", "pages", "count", "next", "previous", "results"],
                "properties": {
                    "page": {"type": "integer", "minimum": 1},
                    "pages": {"type": "integer", "minimum": 1},
                    "count": {"type": "integer", "minimum": 0},
                    "next": {"type": ["string", "null"], "format": "uri"},
                    "previous": {"type": ["string", "null"], "format": "uri"},
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Checkpoint"},
                    },
                },
            },
            "Consistency": {
                "type": "object",
                "required": ["old", "new", "proof"],
                "properties": {
                    "old": {"$ref": "#/components/schemas/Checkpoint"},
                    "new": {"$ref": "#/components/schemas/Checkpoint"},
                    "proof": {
                        "type": "array",
                        "items": {"type": "string", "contentEncoding": "base64"},
                    },
                },
            },
        },
    },
}

EXAMPLES = {
    "DeclarationRequest": {
        "people": [
            {
                "name": "青松",
                "organisations": ["party", "league"],
                "region": "CN-SX",
                "statement": "我退出",
            }
        ],
        "date": "2024-05-01",
        "receipt": True,
    },
    "Errors": {"errors": {"people[0].name": ["Enter a name or an alias."]}},
}


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    types = [schema.DeclarationRequest, schema.DeclarationCreated, schema.Errors]
    _refs, generated = msgspec.json.schema_components(types, ref_template=REF)
    for name, example in EXAMPLES.items():
        generated[name]["example"] = example
    result = json.loads(json.dumps(DOCUMENT))  # a copy
    result["components"]["schemas"].update(generated)
    return result


@functools.cache
def document_bytes() -> bytes:
    return json.dumps(document(), ensure_ascii=False, indent=2).encode() + b"\n"
