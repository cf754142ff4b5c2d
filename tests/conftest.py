import pytest


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MOTCUA_PROVINCE_CODE = "37"


@pytest.fixture
def world(db):
    """A small province: two departments, one commune, officers of each role, two citizens,
    and two procedures (provincial 3 days, commune 1 day)."""
    from tests import factories

    return factories.World.build()
