from __future__ import annotations

import pytest

from kabinet.identity.models import User
from tests.portal.sample import History, make_history


@pytest.fixture
def history(customer: User) -> History:
    return make_history(customer)
