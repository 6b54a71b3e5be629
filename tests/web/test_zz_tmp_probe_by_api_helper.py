from collections import Counter
from typing import Any
import hypothesis
from tests.web.test_api_community import signed_in_schema, with_address, admin, people  # noqa
from tests.web.api_fixtures import api_kb, fresh_category_tree  # noqa
from tests.web.test_api_contract import wsgi_app  # noqa
SEEN: Counter = Counter()

@signed_in_schema.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture], deadline=None)
def test_probe(case: Any, api_kb: Any, wsgi_app: Any, admin: Any) -> None:
    r = case.call(app=with_address(wsgi_app))
    SEEN[(case.method, case.path, r.status_code)] += 1

def test_zz_print():
    for k, v in sorted(SEEN.items()):
        print(k, v)
