"""An OpenID Connect provider standing in for VNeID, with demo citizens.

Authorization code flow with PKCE (S256; required unless MOTCUA_SIM_VNEID_REQUIRE_PKCE=0),
client authentication client_secret_basic or client_secret_post, ID tokens signed RS256 with
a key generated at start (joserfc), userinfo, JWKS. The authorize page lets the tester pick a
demo citizen or type one in. Claims: sub (stable per ID number), so_dinh_danh (the ID number),
name, birthdate, phone_number, email.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from joserfc import jwk, jwt

from motcua.simulators.base import System, register
from motcua.simulators.http import (
    HttpError,
    Request,
    Response,
    Route,
    credentials_match,
    html_response,
    json_response,
    redirect,
)

CODE_TTL = 120
TOKEN_TTL = 3600
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SCOPE_CLAIMS = {
    "openid": ["so_dinh_danh"],
    "profile": ["name", "birthdate", "gender"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
}

DEMO_CITIZENS = [
    {"so_dinh_danh": "001090000001", "name": "Nguyễn Văn An", "birthdate": "1990-03-15",
     "gender": "male", "phone_number": "+84912345678", "email": "an@example.vn"},
    {"so_dinh_danh": "001190000002", "name": "Trần Thị Bích", "birthdate": "1990-07-22",
     "gender": "female", "phone_number": "+84987654321", "email": "bich@example.vn"},
    {"so_dinh_danh": "037085000123", "name": "Lê Văn Cường", "birthdate": "1985-01-10",
     "gender": "male", "phone_number": "+84901234567", "email": "cuong@example.vn"},
    {"so_dinh_danh": "037195000456", "name": "Phạm Thị Dung", "birthdate": "1995-11-02",
     "gender": "female", "phone_number": "+84934567890", "email": "dung@example.vn"},
]  # fmt: skip
SUB_NAMESPACE = uuid.UUID("6f1c1d52-4a7e-4c55-9a43-0c9a3b6f6b10")


def subject(id_number: str) -> str:
    """The stable, opaque subject of a citizen (the same at every start)."""
    return str(uuid.uuid5(SUB_NAMESPACE, id_number))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@register
class Vneid(System):
    name = "vneid"
    title = "VNeID: OpenID Connect (giả lập)"
    SETTINGS = {
        "client_id": ("MOTCUA_SIM_VNEID_CLIENT_ID", "motcua"),
        "client_secret": ("MOTCUA_SIM_VNEID_CLIENT_SECRET", "motcua-vneid-secret"),
        # Comma-separated; empty: any http(s) address on this machine (127.0.0.1, localhost).
        "redirect_uris": ("MOTCUA_SIM_VNEID_REDIRECT_URIS", ""),
        "require_pkce": ("MOTCUA_SIM_VNEID_REQUIRE_PKCE", "1"),
    }

    def reset(self) -> None:
        self.lock = threading.Lock()
        if not hasattr(self, "key"):  # one key per start: relying parties cache the JWKS
            self.key = jwk.RSAKey.generate_key(
                2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
            )
        self.citizens = {c["so_dinh_danh"]: dict(c) for c in DEMO_CITIZENS}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}

    def state(self) -> dict[str, Any]:
        return {"citizens": len(self.citizens), "issuer": self.url}

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/vneid/.well-known/openid-configuration", self.discovery,
                  "vneid.discovery"),
            Route("GET", "/vneid/authorize", self.authorize_page, "vneid.authorize"),
            Route("POST", "/vneid/authorize", self.authorize_submit, "vneid.authorize"),
            Route("POST", "/vneid/token", self.token, "vneid.token"),
            Route("GET", "/vneid/userinfo", self.userinfo, "vneid.userinfo"),
            Route("POST", "/vneid/userinfo", self.userinfo, "vneid.userinfo"),
            Route("GET", "/vneid/jwks", self.jwks, "vneid.jwks"),
        ]  # fmt: skip

    def control_routes(self) -> list[Route]:
        return [
            Route("GET", "/_control/vneid/citizens", self.c_citizens, "vneid.c"),
            Route("POST", "/_control/vneid/citizens", self.c_add_citizen, "vneid.c"),
        ]

    # discovery, keys ------------------------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        issuer = self.url
        return json_response(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "userinfo_endpoint": f"{issuer}/userinfo",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": list(SCOPE_CLAIMS),
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": sorted(
                    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"}
                    | {c for claims in SCOPE_CLAIMS.values() for c in claims}
                ),
            }
        )

    def jwks(self, request: Request) -> Response:
        return json_response({"keys": [self.key.as_dict(private=False)]})

    # authorize ------------------------------------------------------------------------------

    def _redirect_ok(self, uri: str) -> bool:
        allowed = [u.strip() for u in self.settings["redirect_uris"].split(",") if u.strip()]
        if allowed:
            return uri in allowed
        parts = urlsplit(uri)
        return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK

    def _check_authorize(self, params: dict[str, str]) -> None:
        """Errors that must not be sent to the redirect address (it is not trusted yet)."""
        if params.get("client_id") != self.settings["client_id"]:
            raise HttpError(400, {"error": "invalid_client", "error_description": "client_id"})
        if not self._redirect_ok(params.get("redirect_uri", "")):
            raise HttpError(400, {"error": "invalid_request", "error_description": "redirect_uri"})

    def _redirect_error(self, params: dict[str, str]) -> Response | None:
        error = None
        scopes = params.get("scope", "").split()
        if params.get("response_type") != "code":
            error = ("unsupported_response_type", "response_type must be code")
        elif "openid" not in scopes:
            error = ("invalid_scope", "openid is required")
        elif params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            error = ("invalid_request", "code_challenge_method must be S256")
        elif not params.get("code_challenge") and self.settings["require_pkce"] not in ("0", ""):
            error = ("invalid_request", "code_challenge (PKCE, S256) is required")
        if error is None:
            return None
        reply = {"error": error[0], "error_description": error[1]}
        if params.get("state"):
            reply["state"] = params["state"]
        return redirect(params["redirect_uri"], reply)

    def authorize_page(self, request: Request) -> Response:
        params = request.query
        self._check_authorize(params)
        failed = self._redirect_error(params)
        if failed is not None:
            return failed
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        with self.lock:
            citizens = list(self.citizens.values())
        buttons = "".join(
            f'<li><button name="so_dinh_danh" value="{html.escape(c["so_dinh_danh"])}">'
            f"{html.escape(c['name'])} — {html.escape(c['so_dinh_danh'])}</button></li>"
            for c in citizens
        )
        page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>VNeID (giả lập) - Đăng nhập</title></head>
<body>
<h1>Đăng nhập bằng tài khoản định danh điện tử (giả lập)</h1>
<p>Đây là máy chủ giả lập để thử nghiệm, không phải VNeID.</p>
<form method="post" action="{html.escape(self.url)}/authorize">{hidden}
<h2>Chọn công dân mẫu</h2><ul>{buttons}</ul>
</form>
<form method="post" action="{html.escape(self.url)}/authorize">{hidden}
<h2>Hoặc nhập công dân khác</h2>
<label>Số định danh cá nhân <input name="so_dinh_danh" pattern="[0-9]{{12}}" required></label>
<label>Họ và tên <input name="name" required></label>
<label>Ngày sinh <input name="birthdate" type="date"></label>
<label>Số điện thoại <input name="phone_number"></label>
<label>Thư điện tử <input name="email" type="email"></label>
<button name="nhap" value="1">Đăng nhập</button>
</form>
<form method="post" action="{html.escape(self.url)}/authorize">{hidden}
<button name="tu_choi" value="1">Từ chối</button></form>
</body></html>"""
        return html_response(page)

    def authorize_submit(self, request: Request) -> Response:
        form = request.form()
        self._check_authorize(form)
        failed = self._redirect_error(form)
        if failed is not None:
            return failed
        state = {"state": form["state"]} if form.get("state") else {}
        if form.get("tu_choi"):
            return redirect(form["redirect_uri"], {"error": "access_denied", **state})
        id_number = form.get("so_dinh_danh", "").strip()
        with self.lock:
            citizen = self.citizens.get(id_number)
        if citizen is None:
            if not (id_number.isascii() and id_number.isdigit() and len(id_number) == 12):
                return html_response("<p>Số định danh cá nhân gồm 12 chữ số.</p>", 400)
            if not form.get("name", "").strip():
                return html_response("<p>Chưa có họ và tên.</p>", 400)
            citizen = self._add_citizen(form)
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "citizen": citizen["so_dinh_danh"],
                "client_id": form["client_id"],
                "redirect_uri": form["redirect_uri"],
                "scope": form.get("scope", "openid"),
                "nonce": form.get("nonce"),
                "challenge": form.get("code_challenge"),
                "expires": time.monotonic() + CODE_TTL,
                "auth_time": int(time.time()),
            }
        request.notes["citizen"] = citizen["so_dinh_danh"]
        return redirect(form["redirect_uri"], {"code": code, **state})

    def _add_citizen(self, data: dict[str, str]) -> dict[str, Any]:
        citizen = {
            "so_dinh_danh": data["so_dinh_danh"].strip(),
            "name": data["name"].strip(),
            "birthdate": data.get("birthdate", "").strip() or None,
            "gender": data.get("gender") or None,
            "phone_number": data.get("phone_number", "").strip() or None,
            "email": data.get("email", "").strip() or None,
        }
        with self.lock:
            self.citizens[citizen["so_dinh_danh"]] = citizen
        return citizen

    # token, userinfo ------------------------------------------------------------------------

    def _client(self, request: Request, form: dict[str, str]) -> None:
        given = request.basic() or (form.get("client_id", ""), form.get("client_secret", ""))
        expected = (self.settings["client_id"], self.settings["client_secret"])
        if not credentials_match(given, expected):
            raise HttpError(
                401,
                {"error": "invalid_client"},
                {"WWW-Authenticate": 'Basic realm="vneid"', "Cache-Control": "no-store"},
            )

    def token(self, request: Request) -> Response:
        form = request.form()
        self._client(request, form)
        if form.get("grant_type") != "authorization_code":
            raise HttpError(400, {"error": "unsupported_grant_type"})
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # single use
        if (
            grant is None
            or grant["expires"] < time.monotonic()
            or grant["client_id"] != self.settings["client_id"]
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            raise HttpError(400, {"error": "invalid_grant"})
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            computed = _b64(hashlib.sha256(verifier.encode()).digest())
            if not verifier or not hmac.compare_digest(computed, grant["challenge"]):
                raise HttpError(400, {"error": "invalid_grant", "error_description": "PKCE"})
        request.notes["citizen"] = grant["citizen"]
        access = secrets.token_urlsafe(32)
        with self.lock:
            citizen = dict(self.citizens[grant["citizen"]])
            self.tokens[access] = {
                "citizen": grant["citizen"],
                "scope": grant["scope"],
                "expires": time.monotonic() + TOKEN_TTL,
            }
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": subject(citizen["so_dinh_danh"]),
            "aud": self.settings["client_id"],
            "iat": now,
            "exp": now + TOKEN_TTL,
            "auth_time": grant["auth_time"],
            # at_hash: left half of SHA-256 of the access token (OIDC Core 3.1.3.6).
            "at_hash": _b64(hashlib.sha256(access.encode()).digest()[:16]),
            **_claims(citizen, grant["scope"]),
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, self.key)
        return json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL,
                "scope": grant["scope"],
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )

    def userinfo(self, request: Request) -> Response:
        token = request.bearer()
        if token is None and request.method == "POST":
            token = request.form().get("access_token")
        with self.lock:
            grant = self.tokens.get(token or "")
            citizen = dict(self.citizens[grant["citizen"]]) if grant else None
        if grant is None or grant["expires"] < time.monotonic():
            raise HttpError(
                401,
                {"error": "invalid_token"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        request.notes["citizen"] = citizen["so_dinh_danh"]
        return json_response(
            {"sub": subject(citizen["so_dinh_danh"]), **_claims(citizen, grant["scope"])}
        )

    # control --------------------------------------------------------------------------------

    def c_citizens(self, request: Request) -> Response:
        with self.lock:
            return json_response(list(self.citizens.values()))

    def c_add_citizen(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not body.get("so_dinh_danh") or not body.get("name"):
            raise HttpError(400, {"error": "so_dinh_danh and name are required"})
        return json_response(self._add_citizen({k: str(v) for k, v in body.items()}), 201)


def _claims(citizen: dict[str, Any], scope: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in scope.split():
        for claim in SCOPE_CLAIMS.get(name, []):
            if claim.endswith("_verified"):
                out[claim] = True
            elif citizen.get(claim) is not None:
                out[claim] = citizen[claim]
    return out
