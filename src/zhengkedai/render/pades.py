"""PAdES signatures on statement PDFs (pyHanko): signing at a close, checking in verify --pack.

A signature is an incremental update appended to the rendered PDF: the
bytes before it are the statement as rendered, and the signature covers the
whole file, so any later change shows as "document modified" in pdfsig and
PDF readers, and as a failed check here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD = "zhengkedai"


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, key: object, cert: x509.Certificate, *, reason: str) -> bytes:
    """``pdf`` with a PAdES (ETSI.CAdES.detached) signature by ``key`` over the whole file."""
    der = key.private_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined]
                            serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signer = SimpleSigner(signing_cert=_asn1_cert(cert),
                          signing_key=asn1_keys.PrivateKeyInfo.load(der),
                          cert_registry=SimpleCertificateStore.from_certs([]))
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location="郑州")
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


@dataclass(frozen=True)
class PdfSignature:
    signed: bool  # the file carries a signature at all
    valid: bool  # intact, by one of the given certificates, covering the whole file
    signer: str = ""  # the signing certificate's SHA-256 fingerprint
    reason: str = ""  # why it is not valid, in a few words


def check_pdf(pdf: bytes, certificates: dict[str, x509.Certificate]) -> PdfSignature:
    """Whether ``pdf`` is signed, whole and unchanged, by one of ``certificates``
    (fingerprint -> certificate; these are the trust roots: a self-signed test
    certificate is trusted here because the ledger holds it)."""
    try:
        sigs = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, not a crash
        return PdfSignature(False, False, reason=f"unreadable PDF ({type(exc).__name__})")
    if not sigs:
        return PdfSignature(False, False, reason="not signed")
    sig = sigs[-1]
    signer_fp = sig.signer_cert.sha256.hex()
    if signer_fp not in certificates:
        return PdfSignature(True, False, signer_fp, "signed with a certificate the ledger "
                                                    "does not hold")
    context = ValidationContext(trust_roots=[_asn1_cert(certificates[signer_fp])])
    try:
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # noqa: BLE001
        return PdfSignature(True, False, signer_fp, f"signature unreadable ({type(exc).__name__})")
    if not (status.intact and status.valid):
        return PdfSignature(True, False, signer_fp, "signature does not match the content")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(sigs) != 1:
        return PdfSignature(True, False, signer_fp, "the file was changed after it was signed")
    return PdfSignature(True, True, signer_fp)
