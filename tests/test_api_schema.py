"""Schemathesis against the OpenAPI document: valid and invalid generated requests to every operation
never get a 5xx."""

import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from propaganda_lens.server.app import ServerSettings, create_app

# No wall-clock limit decides a pass: an analysis gets 2 minutes (a 504 would count as a server error), and a
# whole request 10 (a batch of 20 items on a busy 2-core machine; schemathesis' own default is 10 s).
app = create_app(settings=ServerSettings(fetch_timeout_s=2.0, timeout_s=120.0, allowed_hosts=("*",)))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
schema.config.generation.update(modes=list(GenerationMode))
schema.config.update(request_timeout=600)


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
