import pytest

from motcua.dossiers import services as dossier_services
from tests.signing.helpers import draft_result, give_key, use_test_keys


@pytest.fixture(autouse=True)
def _signing_keys(settings, tmp_path):
    use_test_keys(settings, tmp_path)


@pytest.fixture
def received(world):
    return dossier_services.receive(world.submit_online(), world.desk)


@pytest.fixture
def draft(received):
    return draft_result(received)


@pytest.fixture
def leader_key(world):
    return give_key(world.leader)
