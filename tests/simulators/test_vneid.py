"""The VNeID stand-in, end to end over HTTP: discovery -> authorize page -> code -> token
with PKCE -> ID token signature checked against the JWKS (with `cryptography` directly, not
the library that signed it) -> userinfo; and the ways a client can get it wrong."""

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from motcua.simulators.vneid import subject
from tests.simulators.conftest import received

CLIENT = ("motcua", "motcua-vneid-secret")
REDIRECT = "http://127.0.0.1:8000/oidc/callback/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def authorize(http, config, challenge, **extra):
    params = {
        "response_type": "code",
        "client_id": CLIENT[0],
        "redirect_uri": REDIRECT,
        "scope": "openid profile email phone",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return http.get(config["authorization_endpoint"], params=params)


def choose(http, page, id_number, **fields):
    """Submit the page's first form the way a browser would, picking a citizen."""
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S)
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    hidden = {k: v.replace("&amp;", "&") for k, v in hidden.items()}
    answer = http.post(form.group(1), data={**hidden, "so_dinh_danh": id_number, **fields})
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)


def verify_rs256(token: str, jwks: dict) -> dict:
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    assert header["alg"] == "RS256"
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(unb64url(key["e"])), int.from_bytes(unb64url(key["n"]))
    ).public_key()
    public.verify(
        unb64url(signature_b64),
        f"{header_b64}.{payload_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return json.loads(unb64url(payload_b64))


@pytest.fixture
def config(http):
    answer = http.get("/vneid/.well-known/openid-configuration")
    assert answer.status_code == 200
    return answer.json()


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_the_whole_flow(http, simulator, config, auth_method):
    assert config["issuer"] == f"{simulator.url}/vneid"
    assert auth_method in config["token_endpoint_auth_methods_supported"]
    verifier, challenge = pkce()
    page = authorize(http, config, challenge)
    assert page.status_code == 200 and "Nguyễn Văn An" in page.text
    redirected = choose(http, page, "001090000001")
    assert redirected["state"] == ["st-1"]
    form = {
        "grant_type": "authorization_code",
        "code": redirected["code"][0],
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    if auth_method == "client_secret_post":
        tokens = http.post(
            config["token_endpoint"],
            data={**form, "client_id": CLIENT[0], "client_secret": CLIENT[1]},
        )
    else:
        tokens = http.post(config["token_endpoint"], data=form, auth=CLIENT)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    jwks = http.get(config["jwks_uri"]).json()
    claims = verify_rs256(tokens["id_token"], jwks)
    assert claims["iss"] == config["issuer"]
    assert claims["aud"] == CLIENT[0]
    assert claims["nonce"] == "n-1"
    assert claims["sub"] == subject("001090000001")
    assert claims["so_dinh_danh"] == "001090000001"
    assert claims["name"] == "Nguyễn Văn An" and claims["birthdate"] == "1990-03-15"
    expected_at_hash = b64url(hashlib.sha256(tokens["access_token"].encode()).digest()[:16])
    assert claims["at_hash"] == expected_at_hash
    info = http.get(
        config["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert info == {
        "sub": claims["sub"],
        "so_dinh_danh": "001090000001",
        "name": "Nguyễn Văn An",
        "birthdate": "1990-03-15",
        "gender": "male",
        "email": "an@example.vn",
        "email_verified": True,
        "phone_number": "+84912345678",
        "phone_number_verified": True,
    }
    token_entry = received(http, endpoint="vneid.token")[0]
    assert token_entry["citizen"] == "001090000001"
    assert token_entry["body"]["code_verifier"] == "***"


def test_a_tampered_id_token_fails_the_check(http, config):
    verifier, challenge = pkce()
    code = choose(http, authorize(http, config, challenge), "001190000002")["code"][0]
    tokens = http.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=CLIENT,
    ).json()
    header, payload, signature = tokens["id_token"].split(".")
    forged = json.loads(unb64url(payload)) | {"so_dinh_danh": "037085000123"}
    with pytest.raises(InvalidSignature):
        verify_rs256(
            f"{header}.{b64url(json.dumps(forged).encode())}.{signature}",
            http.get(config["jwks_uri"]).json(),
        )


def test_a_citizen_typed_in_logs_in_with_their_details(http, config):
    verifier, challenge = pkce()
    page = authorize(http, config, challenge, scope="openid profile")
    code = choose(http, page, "038200001234", name="Võ Thị Em", birthdate="2000-05-05")["code"][0]
    tokens = http.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=CLIENT,
    ).json()
    claims = verify_rs256(tokens["id_token"], http.get(config["jwks_uri"]).json())
    assert (claims["so_dinh_danh"], claims["name"], claims["birthdate"]) == (
        "038200001234",
        "Võ Thị Em",
        "2000-05-05",
    )
    assert "email" not in claims  # not asked for


def _code(http, config):
    verifier, challenge = pkce()
    return verifier, choose(http, authorize(http, config, challenge), "037085000123")["code"][0]


def _exchange(http, config, code, verifier, auth=CLIENT, redirect_uri=REDIRECT):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return http.post(config["token_endpoint"], data=data, auth=auth)


def test_wrong_client_secret_is_401(http, config):
    verifier, code = _code(http, config)
    answer = _exchange(http, config, code, verifier, auth=("motcua", "wrong"))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize("verifier", ["wrong-verifier", None], ids=["wrong", "missing"])
def test_pkce_verifier_must_match(http, config, verifier):
    _, code = _code(http, config)
    answer = _exchange(http, config, code, verifier)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_code_is_single_use_and_bound_to_its_redirect(http, config):
    verifier, code = _code(http, config)
    assert _exchange(http, config, code, verifier, redirect_uri=REDIRECT + "x").status_code == 400
    verifier, code = _code(http, config)
    assert _exchange(http, config, code, verifier).status_code == 200
    assert _exchange(http, config, code, verifier).json()["error"] == "invalid_grant"


def test_authorize_without_pkce_redirects_with_an_error(http, config):
    answer = http.get(
        config["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": CLIENT[0],
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "s",
        },
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == ["s"]


@pytest.mark.parametrize(
    "change",
    [{"client_id": "other"}, {"redirect_uri": "https://evil.example/cb"}],
    ids=["client", "redirect"],
)
def test_authorize_refuses_unknown_clients_and_foreign_redirects_without_redirecting(
    http, config, change
):
    _, challenge = pkce()
    answer = authorize(http, config, challenge, **change)
    assert answer.status_code == 400
    assert "location" not in answer.headers


def test_userinfo_needs_a_valid_token(http, config):
    answer = http.get(config["userinfo_endpoint"], headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401


def test_the_citizen_can_refuse(http, config):
    _, challenge = pkce()
    page = authorize(http, config, challenge)
    form = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S)[-1]
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[1]))
    answer = http.post(form[0], data={**hidden, "tu_choi": "1"})
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["access_denied"]
