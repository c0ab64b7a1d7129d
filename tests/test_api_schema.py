"""Schemathesis against the OpenAPI document: valid and invalid generated requests to every operation
never get a 5xx."""

import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from propaganda_lens.server.app import ServerSettings, create_app

app = create_app(settings=ServerSettings(fetch_timeout_s=2.0, allowed_hosts=("*",)))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
schema.config.generation.update(modes=list(GenerationMode))


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
