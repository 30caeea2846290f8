"""PAdES signing with the authority's PKCS#12 certificate (pyHanko), and verification."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cases.enums import DocumentType
from cases.errors import ValidationFailed
from documents import render, samples, seals, signing
from documents.settings import get_documents_settings

pytestmark = pytest.mark.integration

PASSWORD = "测试-password-1"


def self_signed_p12(common_name: str = "清河县教育局", password: str = PASSWORD) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(b"seal", key, cert, None, encryption)


@pytest.fixture
def certificate_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ENFORCE_CERTIFICATE_DIR", str(tmp_path / "certificates"))
    monkeypatch.setenv("ENFORCE_SIGNING_PASSWORD", PASSWORD)
    get_documents_settings.cache_clear()
    render.reset()
    yield tmp_path / "certificates"
    get_documents_settings.cache_clear()
    render.reset()


def _snapshot(department_id: int, **changes: object):
    snapshot = samples.rectification_notice(**changes)
    return dataclasses.replace(snapshot, authority=dataclasses.replace(snapshot.authority,
                                                                       department_id=department_id))


def test_sealed_document_of_an_authority_with_a_certificate_is_signed_and_verifies(certificate_folder):
    path, subject = seals.store_certificate(5, self_signed_p12())
    assert path == certificate_folder / "5.p12" and "清河县教育局" in subject
    pdf = render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(5))
    assert signing.has_signature(pdf)
    trust = [signing.certificate_of(path, PASSWORD)]
    [check] = signing.verify_signatures(pdf, trust)
    assert check.ok and check.intact and check.valid and check.whole_file and check.trusted
    assert "清河县教育局" in check.signer and check.signed_at is not None
    # without the authority's certificate as trust root the signature is intact but not trusted
    [untrusted] = signing.verify_signatures(pdf, [])
    assert untrusted.intact and untrusted.valid and not untrusted.trusted and not untrusted.ok


def test_a_changed_byte_breaks_the_signature(certificate_folder):
    path, _ = seals.store_certificate(5, self_signed_p12())
    pdf = render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(5))
    trust = [signing.certificate_of(path, PASSWORD)]
    tampered = pdf[:100] + (b"X" if pdf[100:101] != b"X" else b"Y") + pdf[101:]  # inside the signed range
    checks = signing.verify_signatures(tampered, trust)
    assert checks and not checks[0].intact and not checks[0].ok
    # bytes appended after signing are not covered by the signature
    appended = signing.verify_signatures(pdf + b"\n% appended\n", trust)
    assert appended and not appended[0].ok


def test_unsigned_cases(certificate_folder):
    seals.store_certificate(5, self_signed_p12())
    unsealed = render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(5, sealed=False))
    other = render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(6))
    for pdf in (unsealed, other):
        assert not signing.has_signature(pdf) and signing.verify_signatures(pdf) == []


def test_certificates_are_checked_before_they_are_stored(certificate_folder):
    with pytest.raises(ValidationFailed) as caught:
        seals.store_certificate(5, self_signed_p12(password="another"))
    assert caught.value.code == "certificate_unreadable"
    with pytest.raises(ValidationFailed):
        seals.store_certificate(5, b"not a pkcs12 file")
    assert seals.certificate_path(5) is None


def test_verify_command_check_of_a_stored_signed_pdf(certificate_folder):
    from flows.cli.documents import _signature_problem

    seals.store_certificate(5, self_signed_p12())
    pdf = render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(5))
    assert _signature_problem(pdf, 5) == ""  # signed, intact, by the authority's stored certificate
    assert _signature_problem(render.render_document(DocumentType.RECTIFICATION_NOTICE, _snapshot(6)), 6) is None
    assert "追加" in _signature_problem(pdf + b"\n% appended\n", 5)
    assert "不是本机关存储的证书" in _signature_problem(pdf, 6)  # another authority's certificate store
    tampered = pdf[:100] + (b"X" if pdf[100:101] != b"X" else b"Y") + pdf[101:]
    assert "无效" in _signature_problem(tampered, 5)
