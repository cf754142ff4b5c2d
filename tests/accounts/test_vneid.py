"""VNeID login through Authlib against the simulator's OpenID Connect provider over real
HTTP: discovery, authorize with PKCE/state/nonce, code exchange, ID token checked against
the JWKS. The Django side runs in the test client; the provider is the `simulator` fixture."""

from __future__ import annotations

import base64
import json
import re
import types
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.urls import reverse
from joserfc import jwk, jwt

from motcua.accounts.models import CitizenIdentity
from motcua.core.models import AuditEntry
from motcua.simulators import vneid as sim_vneid
from motcua.simulators.vneid import subject

HOST = "127.0.0.1:8000"  # the simulator accepts loopback callback addresses only
AN = "001090000001"  # Nguyễn Văn An, a demo citizen of the simulator


@pytest.fixture
def provider(simulator, settings):
    settings.MOTCUA_VNEID_ISSUER = f"{simulator.url}/vneid"
    settings.MOTCUA_VNEID_CLIENT_ID = "motcua"
    settings.MOTCUA_VNEID_CLIENT_SECRET = "motcua-vneid-secret"
    settings.MOTCUA_VNEID_REDIRECT_URI = ""
    return simulator


def start(client, next_url: str = "") -> requests.Response:
    """Click "Đăng nhập bằng VNeID": our redirect, then the provider's authorize page."""
    url = reverse("vneid_login") + (f"?next={next_url}" if next_url else "")
    answer = client.get(url, HTTP_HOST=HOST)
    assert answer.status_code == 302, answer.content
    query = parse_qs(urlsplit(answer["Location"]).query)
    # What the library must send: PKCE S256, a state and a nonce.
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"http://{HOST}{reverse('vneid_callback')}"]
    page = requests.get(answer["Location"], timeout=10)
    assert page.status_code == 200
    return page


def pick(page: requests.Response, id_number: str, **fields) -> str:
    """Choose a citizen on the provider's page the way a browser would; returns our
    callback path with the code and state."""
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S)
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    hidden = {k: v.replace("&amp;", "&") for k, v in hidden.items()}
    answer = requests.post(
        form.group(1),
        data={**hidden, "so_dinh_danh": id_number, **fields},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["location"])
    return f"{parts.path}?{parts.query}"


def login_as(client, id_number: str = AN, **fields):
    callback = pick(start(client), id_number, **fields)
    return client.get(callback, HTTP_HOST=HOST)


def logged_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def error_text(client) -> str:
    return client.get(reverse("login")).content.decode()


def test_first_login_creates_the_citizen_from_the_claims(client, db, provider):
    answer = login_as(client)
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    user = logged_in_user(client)
    identity = CitizenIdentity.objects.get(user=user)
    assert (identity.id_number, identity.full_name) == (AN, "Nguyễn Văn An")
    assert identity.source == CitizenIdentity.Source.VNEID and identity.verified
    assert identity.subject == subject(AN)
    assert identity.phone == "+84912345678" and str(identity.birthdate) == "1990-03-15"
    assert (user.get_full_name(), user.email) == ("Nguyễn Văn An", "an@example.vn")
    assert not user.has_usable_password()  # VNeID is the only way in
    entry = AuditEntry.objects.filter(action="vneid_login").get()
    assert entry.data == {"sub": subject(AN), "new": True}
    assert AN not in str(entry.data)  # the audit chain keeps the subject, not the number


def test_second_login_matches_the_same_account_and_refreshes_it(client, db, provider):
    login_as(client)
    first = logged_in_user(client)
    client.logout()
    # The provider now knows the citizen by a new name and e-mail (the same ID number).
    provider.app.systems["vneid"].citizens[AN].update(name="Nguyễn Văn Ân", email="an2@example.vn")
    login_as(client)
    again = logged_in_user(client)
    assert again.pk == first.pk
    assert User.objects.filter(citizen_identity__id_number=AN).count() == 1
    assert CitizenIdentity.objects.get(user=again).full_name == "Nguyễn Văn Ân"
    assert again.email == "an2@example.vn"
    assert list(
        AuditEntry.objects.filter(action="vneid_login")
        .order_by("pk")
        .values_list("data__new", flat=True)
    ) == [True, False]


def test_next_page_is_kept_across_the_round_trip(client, db, provider, world):
    target = reverse("submit", args=[world.proc.code])
    callback = pick(start(client, next_url=target), AN)
    answer = client.get(callback, HTTP_HOST=HOST)
    assert answer["Location"] == target


def test_officer_is_refused(client, world, provider):
    # An officer whose ID number is bound to their staff account.
    CitizenIdentity.objects.create(
        user=world.desk,
        id_number=AN,
        full_name="Nguyễn Văn An",
        source=CitizenIdentity.Source.DECLARED,
    )
    answer = login_as(client)
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    assert logged_in_user(client) is None
    assert "Tài khoản cán bộ, quản trị viên không đăng nhập bằng VNeID" in error_text(client)
    assert AuditEntry.objects.filter(action="vneid_refused").count() == 1
    assert not AuditEntry.objects.filter(action="vneid_login").exists()


def test_account_made_staff_after_binding_is_refused(client, db, provider):
    login_as(client)
    user = logged_in_user(client)
    client.logout()
    user.is_staff = True
    user.save()
    login_as(client)
    assert logged_in_user(client) is None


def _forging(monkeypatch, tamper):
    """Let the simulator issue its ID token, then change it in `tamper` (the JWKS it serves
    keeps the genuine key)."""
    real = sim_vneid.jwt

    def encode(header, claims, key):
        return tamper(real.encode(header, claims, key), header, claims)

    monkeypatch.setattr(sim_vneid, "jwt", types.SimpleNamespace(encode=encode))


def test_token_with_changed_claims_is_refused(client, db, provider, monkeypatch):
    """Someone rewrites the payload (another citizen's number) and keeps the signature."""

    def tamper(token, header, claims):
        head, _, rest = token.partition(".")
        signature = rest.partition(".")[2]
        changed = {**claims, "so_dinh_danh": "037085000123", "name": "Lê Văn Cường"}
        payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
        return f"{head}.{payload}.{signature}"

    _forging(monkeypatch, tamper)
    login_as(client)
    assert logged_in_user(client) is None
    assert not CitizenIdentity.objects.exists()
    assert "Đăng nhập bằng VNeID không thành công" in error_text(client)


def test_token_signed_with_a_foreign_key_is_refused(client, db, provider, monkeypatch):
    """A token signed by a key the provider never published, with the provider's key id."""
    foreign = jwk.RSAKey.generate_key(2048)

    def tamper(token, header, claims):
        return jwt.encode(header, claims, foreign)

    _forging(monkeypatch, tamper)
    login_as(client)
    assert logged_in_user(client) is None
    assert not User.objects.filter(username__startswith="vneid-").exists()


def test_token_for_another_client_is_refused(client, db, provider, monkeypatch):
    """A genuine token minted for another relying party (aud) is not ours to accept."""
    key = provider.app.systems["vneid"].key

    def tamper(token, header, claims):
        return jwt.encode(header, {**claims, "aud": "another-service"}, key)

    _forging(monkeypatch, tamper)
    login_as(client)
    assert logged_in_user(client) is None


def test_callback_without_our_state_is_refused(client, db, provider):
    """A code obtained in another browser session (login CSRF) does not log this one in."""
    other = type(client)()
    callback = pick(start(other), AN)
    answer = client.get(callback, HTTP_HOST=HOST)
    assert answer["Location"] == reverse("login")
    assert logged_in_user(client) is None


def test_cancelled_on_the_provider_page(client, db, provider):
    answer = client.get(reverse("vneid_callback") + "?error=access_denied&state=x", HTTP_HOST=HOST)
    assert answer["Location"] == reverse("login")
    assert "Bạn đã hủy đăng nhập bằng VNeID" in error_text(client)


def test_provider_down_is_a_message_not_a_500(client, db, settings):
    settings.MOTCUA_VNEID_ISSUER = "http://127.0.0.1:9/vneid"  # nothing listens on port 9
    settings.MOTCUA_VNEID_CLIENT_ID = "motcua"
    answer = client.get(reverse("vneid_login"), HTTP_HOST=HOST)
    assert answer["Location"] == reverse("login")
    assert "Chưa kết nối được với VNeID" in error_text(client)


def test_login_page_shows_the_button_only_when_configured(client, db, provider, settings):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập bằng VNeID" in page and reverse("vneid_login") in page
    settings.MOTCUA_VNEID_CLIENT_ID = ""
    assert "Đăng nhập bằng VNeID" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("vneid_login")).status_code == 404


def test_local_citizen_login_can_be_turned_off(client, world, settings):
    from tests.factories import PASSWORD

    settings.MOTCUA_LOCAL_CITIZEN_LOGIN = False
    refused = client.post(
        reverse("login"), {"username": world.citizen.username, "password": PASSWORD}
    )
    assert refused.status_code == 200 and logged_in_user(client) is None
    assert "Công dân đăng nhập bằng tài khoản định danh điện tử VNeID" in refused.content.decode()
    # Officers keep their password (and TOTP where it is required).
    officer = client.post(reverse("login"), {"username": world.desk.username, "password": PASSWORD})
    assert officer.status_code == 302 and logged_in_user(client) == world.desk
    client.logout()
    settings.MOTCUA_LOCAL_CITIZEN_LOGIN = True
    client.post(reverse("login"), {"username": world.citizen.username, "password": PASSWORD})
    assert logged_in_user(client) == world.citizen
