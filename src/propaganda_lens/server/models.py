"""The REST API's request and response bodies, and the Analysis schema the OpenAPI document reuses."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EXAMPLE_TEXT = "They are traitors, and the corrupt elites will destroy our great nation. Wake up, patriots!"


class AnalyzeRequest(BaseModel):
    """One article: exactly one of `text`, `html` or `url`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]})

    text: str | None = Field(None, description="The article as text; Markdown or HTML in it is detected unless input_format says otherwise.")
    html: str | None = Field(None, description="An HTML page; its main text and metadata are extracted.")
    url: str | None = Field(None, max_length=2048, description="An http(s) page to download and analyze.")
    input_format: Literal["auto", "text", "markdown"] = Field("auto", description="How to read `text`.")
    threshold: float | None = Field(None, ge=0, le=1, description="Span probability cut-off (default: the model's tuned one).")

    @model_validator(mode="after")
    def _one_source(self) -> AnalyzeRequest:
        if sum(value is not None for value in (self.text, self.html, self.url)) != 1:
            raise ValueError("give exactly one of text, html or url")
        return self


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[AnalyzeRequest] = Field(min_length=1, max_length=20, description="Up to 20 articles.")


class ErrorBody(BaseModel):
    code: str = Field(description="A stable, machine-readable name, such as bad_input or busy.")
    message: str = Field(description="What went wrong and what to do, for people.")


class ErrorResponse(BaseModel):
    error: ErrorBody


BATCH_RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "description": "One result per item, in the order of the request: its analysis, or why it failed.",
            "items": {
                "type": "object",
                "required": ["analysis", "error"],
                "properties": {
                    "analysis": {"anyOf": [{"$ref": "#/components/schemas/Analysis"}, {"type": "null"}]},
                    "error": {"anyOf": [{"$ref": "#/components/schemas/ErrorBody"}, {"type": "null"}]},
                },
            },
        }
    },
}


class TechniqueEntry(BaseModel):
    label: str = Field(description="The SemEval-2020 Task 11 label, as in `spans[].technique`.")
    name: str
    definition: str
    example: str
    color: str


class TechniquesResponse(BaseModel):
    techniques: list[TechniqueEntry]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model: str
    running_or_waiting: int = Field(description="Analyses in the pool now.")
    capacity: int = Field(description="Workers plus queue places; past it requests get 503.")
    ready_workers: int = Field(description="Workers with their models loaded; a new or replaced worker is not ready "
                                           "for its first seconds.")


def analysis_components() -> dict[str, Any]:
    """The shipped JSON Schema of the analysis, as OpenAPI components (its $defs become siblings)."""
    schema = json.loads(resources.files("propaganda_lens").joinpath("schema/analysis.schema.json").read_text("utf-8"))
    definitions = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key)
    names = {name: f"Analysis{name.capitalize()}" for name in definitions}
    text = json.dumps({"Analysis": schema, **{names[name]: value for name, value in definitions.items()}})
    for name, component in names.items():
        text = text.replace(f'"#/$defs/{name}"', f'"#/components/schemas/{component}"')
    return json.loads(text)
