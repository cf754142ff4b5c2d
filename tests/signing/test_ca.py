"""The demo CA (`motcua signing demo-ca`): a root, a certificate per leader, a seal per
agency, PKCS#12 files readable only by the app, registered once."""

from __future__ import annotations

import io
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command

from motcua.catalog.models import Agency
from motcua.signing import ca
from motcua.signing.keys import SigningUnavailable, key_dir, passphrase, resolve
from motcua.signing.models import Kind, SigningCredential


def test_demo_ca_issues_leaders_and_seals_once(world):
    out = io.StringIO()
    call_command("signing", "demo-ca", stdout=out)
    leaders = {world.leader, world.other_leader}
    personal = SigningCredential.objects.filter(kind=Kind.PERSONAL)
    assert {c.user for c in personal} == leaders
    seals = SigningCredential.objects.filter(kind=Kind.SEAL)
    assert {c.agency for c in seals} == set(Agency.objects.all())
    assert "2 personal certificates" in out.getvalue()

    call_command("signing", "demo-ca", stdout=io.StringIO())  # again: nothing new
    assert SigningCredential.objects.count() == personal.count() + seals.count()


def test_certificates_chain_to_the_demo_root(world):
    call_command("signing", "demo-ca", stdout=io.StringIO())
    root = x509.load_pem_x509_certificate(ca.demo_root_path().read_bytes())
    assert root.subject == root.issuer
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    credential = SigningCredential.objects.get(kind=Kind.PERSONAL, user=world.leader)
    path = resolve(credential.p12_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase())
    assert cert.issuer == root.subject
    cert.verify_directly_issued_by(root)  # raises if the root did not sign it
    assert [c.subject for c in chain] == [root.subject]
    assert credential.subject == world.leader.get_full_name()
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


def test_p12_is_unreadable_without_the_passphrase(world):
    call_command("signing", "demo-ca", stdout=io.StringIO())
    credential = SigningCredential.objects.filter(kind=Kind.SEAL).first()
    data = resolve(credential.p12_file).read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, b"wrong")


def test_key_files_stay_inside_the_key_folder(world):
    with pytest.raises(SigningUnavailable) as exc:
        resolve("../../etc/passwd")
    assert "ngoài thư mục" in exc.value.message
    assert resolve("demo-ca/x.p12").is_relative_to(key_dir().resolve())


def test_generated_passphrase_is_private_and_stable(settings, tmp_path):
    settings.MOTCUA_SIGNING_PASSPHRASE = ""
    first = passphrase()
    assert len(first) >= 32 and passphrase() == first
    assert stat.S_IMODE((key_dir() / "passphrase").stat().st_mode) == 0o600


def test_register_a_real_p12_for_an_officer_with_its_own_passphrase(world, monkeypatch):
    root = ca.new_root("Another CA")
    key, cert = root.issue("Người Ký Thật")
    ca.write_pkcs12("real/leader.p12", root.pkcs12(key, cert, b"own-secret"))
    monkeypatch.setenv("LEADER_P12_PASSPHRASE", "own-secret")
    call_command(
        "signing",
        "register",
        "--p12",
        "real/leader.p12",
        "--user",
        world.leader.username,
        "--passphrase-env",
        "LEADER_P12_PASSPHRASE",
        stdout=io.StringIO(),
    )
    credential = SigningCredential.objects.get(user=world.leader, is_active=True)
    assert credential.subject == "Người Ký Thật" and credential.issuer == "Another CA"
    assert credential.passphrase_env == "LEADER_P12_PASSPHRASE"
