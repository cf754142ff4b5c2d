import pytest

from tests.seeds import reload_shipped_data


@pytest.fixture(autouse=True)
def _shipped_data(request):
    """Browser tests run against a live server, so in transactions that commit; each one's
    flush removes the rows the data migrations ship. Those load again before each test."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db")
        reload_shipped_data()
