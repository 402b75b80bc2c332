"""The programme's signing key: statements and chain heads signed so that anyone holding
the certificate can check them without trusting the database (SPEC 13).

Where things are kept, and why:

- the **private key** never enters the database: it is a PKCS#12 file in the
  key folder (``ZKD_SIGNING_DIR``, default ``~/.zhengkedai/signing/``; folder
  0700, file 0600), named by its certificate's SHA-256 fingerprint, so that
  several ledgers can share a folder. Someone who can write the database
  therefore cannot sign: a rewritten history cannot carry the programme's
  signature. A file imported with a passphrase keeps it; ``zkd close`` and
  ``zkd seal`` read it from ``ZKD_SIGNING_PASSPHRASE``.
- the **certificate** is in the database (``signing_certificates``): verify
  needs it, and it is public. The latest installed signs; older ones stay,
  since what they signed is still checked.
- a **signed head** (``signed_heads``) is the chain head (entry number and hash)
  signed at each close and by ``zkd seal``: the signature is over
  :func:`head_message`.

A ledger with no certificate is unsigned: closes work as before and say so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.models import SignedHeadRow, SigningCertificateRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.i18n import _

DIR_ENV = "ZKD_SIGNING_DIR"
PASSPHRASE_ENV = "ZKD_SIGNING_PASSPHRASE"
PROGRAMME = "郑科贷 科技贷款风险补偿资金"

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class KeyFolder:
    """Where the private keys are, and the passphrase that opens them (None: none)."""

    path: Path
    passphrase: bytes | None = None

    @classmethod
    def from_env(cls) -> KeyFolder:
        folder = os.environ.get(DIR_ENV) or str(Path.home() / ".zhengkedai" / "signing")
        passphrase = os.environ.get(PASSPHRASE_ENV)
        return cls(Path(folder).expanduser(), passphrase.encode() if passphrase else None)

    def file_for(self, fingerprint: str) -> Path:
        return self.path / f"{fingerprint}.p12"


@dataclass(frozen=True)
class Signer:
    """The key and certificate a close or a seal signs with."""

    key: SigningKey
    certificate: x509.Certificate
    fingerprint: str

    def sign(self, message: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


@dataclass(frozen=True)
class CertificateInfo:
    fingerprint: str
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime
    installed_at: dt.datetime
    installed_by: str
    key_file: Path | None  # where its key is, when this machine has it


def fingerprint_of(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, 64 lower-case hex digits (as ``pdfsig`` and
    ``openssl x509 -fingerprint -sha256`` show it, without the colons)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def make_test_key(subject: str, now: dt.datetime) -> tuple[SigningKey, x509.Certificate]:
    """A new RSA key and a self-signed certificate, valid ten years from ``now``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, PROGRAMME)])
    # built through dt.datetime (not now.replace), so that it is of the class the
    # datetime module holds when cryptography checks it (a frozen test clock swaps it)
    start = dt.datetime(*now.timetuple()[:6], tzinfo=dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3651))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def _write_key_file(folder: KeyFolder, fingerprint: str, data: bytes) -> Path:
    """Write ``data`` as the key file of ``fingerprint``: folder 0700, file 0600, never
    readable by others even for a moment (created with that mode, then renamed)."""
    folder.path.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder.file_for(fingerprint)
    temporary = target.with_name(f".{target.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return target


def _install(uow: UnitOfWork, actor: Actor, cert: x509.Certificate) -> SigningCertificateRow:
    fingerprint = fingerprint_of(cert)
    if uow.s.get(SigningCertificateRow, fingerprint) is not None:
        raise ZkdError(_("certificate {fingerprint} is installed already").format(
            fingerprint=fingerprint[:16]))
    row = SigningCertificateRow(
        fingerprint=fingerprint, subject=cert.subject.rfc4514_string()[:400],
        not_before=_naive_utc(cert.not_valid_before_utc),
        not_after=_naive_utc(cert.not_valid_after_utc),
        der=cert.public_bytes(serialization.Encoding.DER),
        installed_at=actor.now(), installed_by=actor.operator)
    uow.s.add(row)
    uow.s.flush()
    return row


def init_test_key(uow: UnitOfWork, actor: Actor, folder: KeyFolder,
                  subject: str = "郑科贷 测试账簿 (test ledger)") -> CertificateInfo:
    """Make a key and a self-signed certificate for a test ledger; keep the key in
    ``folder`` (protected by its passphrase when one is set), the certificate in the ledger."""
    if current_certificate(uow) is not None:
        raise ZkdError(_("this ledger has a signing certificate already (zkd signing show); "
                         "a programme's own is loaded with zkd signing import FILE.p12"))
    key, cert = make_test_key(subject, actor.now())
    encryption = (serialization.BestAvailableEncryption(folder.passphrase) if folder.passphrase
                  else serialization.NoEncryption())
    data = pkcs12.serialize_key_and_certificates(b"zhengkedai", key, cert, None, encryption)
    row = _install(uow, actor, cert)
    _write_key_file(folder, row.fingerprint, data)
    return info(row, folder)


def import_p12(uow: UnitOfWork, actor: Actor, folder: KeyFolder, data: bytes,
               passphrase: bytes | None) -> CertificateInfo:
    """Load the programme's own PKCS#12 (key and certificate): the file is copied, as it is,
    into ``folder``; the certificate into the ledger, where it signs from now on."""
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise ZkdError(_("cannot open the PKCS#12 file: {reason} (wrong passphrase, or not a "
                         "PKCS#12 file)").format(reason=str(exc).splitlines()[0])) from None
    if key is None or cert is None:
        raise ZkdError(_("the PKCS#12 file holds no private key and certificate pair"))
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ZkdError(_("the PKCS#12 file's key is neither RSA nor EC, which PDF readers "
                         "check"))
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            key.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise ZkdError(_("the PKCS#12 file's certificate is not the certificate of its key"))
    now = actor.now()
    if not _naive_utc(cert.not_valid_before_utc) <= now <= _naive_utc(cert.not_valid_after_utc):
        raise ZkdError(_("the certificate is valid from {start} to {end}, not today").format(
            start=cert.not_valid_before_utc.date(), end=cert.not_valid_after_utc.date()))
    row = _install(uow, actor, cert)
    _write_key_file(folder, row.fingerprint, data)
    return info(row, folder)


def current_certificate(uow: UnitOfWork) -> SigningCertificateRow | None:
    """The certificate that signs now: the latest installed."""
    return uow.s.execute(select(SigningCertificateRow).order_by(
        SigningCertificateRow.installed_at.desc(), SigningCertificateRow.fingerprint)
        .limit(1)).scalar_one_or_none()


def certificates(uow: UnitOfWork) -> dict[str, x509.Certificate]:
    """Every certificate the ledger has held, by fingerprint."""
    return {row.fingerprint: x509.load_der_x509_certificate(row.der)
            for row in uow.s.execute(select(SigningCertificateRow)).scalars()}


def info(row: SigningCertificateRow, folder: KeyFolder | None = None) -> CertificateInfo:
    key_file = folder.file_for(row.fingerprint) if folder is not None else None
    return CertificateInfo(row.fingerprint, row.subject, row.not_before, row.not_after,
                           row.installed_at, row.installed_by,
                           key_file if key_file is not None and key_file.exists() else None)


def signer_for(uow: UnitOfWork, folder: KeyFolder | None = None) -> Signer | None:
    """The ledger's signer, or None for an unsigned ledger (no certificate).

    Raises:
        ZkdError: the ledger has a certificate, but its key is not in the key folder or
            does not open: a close or seal would otherwise leave unsigned what must be signed.
    """
    row = current_certificate(uow)
    if row is None:
        return None
    folder = folder or KeyFolder.from_env()
    path = folder.file_for(row.fingerprint)
    try:
        data = path.read_bytes()
    except OSError:
        raise ZkdError(_("this ledger signs with certificate {fingerprint}, whose key file "
                         "{path} is not here (set {env} to the key folder)").format(
            fingerprint=row.fingerprint[:16], path=path, env=DIR_ENV)) from None
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, folder.passphrase)
    except ValueError:
        raise ZkdError(_("the key file {path} does not open (set {env} to its "
                         "passphrase)").format(path=path, env=PASSPHRASE_ENV)) from None
    if key is None or cert is None or fingerprint_of(cert) != row.fingerprint or \
            not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ZkdError(_("the key file {path} is not the key of certificate {fingerprint}"
                         ).format(path=path, fingerprint=row.fingerprint[:16]))
    return Signer(key, cert, row.fingerprint)


# --- signed chain heads ----------------------------------------------------------

def head_message(seq: int, head_hash: str, signed_at: dt.datetime, occasion: str,
                 fingerprint: str) -> bytes:
    """What a signed head's signature is over: UTF-8 of this JSON (sorted keys, no spaces).

    ``{"certificate":…,"head":…,"occasion":…,"programme":…,"seq":…,"signed_at":…}``
    with ``signed_at`` naive UTC, ISO, 6-digit microseconds.
    """
    doc = {"programme": PROGRAMME, "seq": seq, "head": head_hash,
           "signed_at": signed_at.isoformat(timespec="microseconds"), "occasion": occasion,
           "certificate": fingerprint}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign_head(uow: UnitOfWork, actor: Actor, signer: Signer, occasion: str,
              seq: int, head_hash: str) -> SignedHeadRow:
    """Sign the chain head (entry ``seq``'s hash ``head_hash``) and keep the signature."""
    at = actor.now()
    row = SignedHeadRow(seq=seq, head_hash=head_hash, signed_at=at, occasion=occasion,
                        signed_by=actor.operator, certificate=signer.fingerprint,
                        signature=signer.sign(head_message(seq, head_hash, at, occasion,
                                                           signer.fingerprint)))
    uow.s.add(row)
    uow.s.flush()
    return row


def seal(uow: UnitOfWork, actor: Actor, folder: KeyFolder | None = None) -> SignedHeadRow:
    """``zkd seal``: sign the chain head as it is now.

    Raises:
        ZkdError: the ledger has no signing key.
    """
    head = uow.lock_ledger()
    signer = signer_for(uow, folder)
    if signer is None:
        raise ZkdError(_("this ledger has no signing key: zkd signing init (a test ledger) or "
                         "zkd signing import FILE.p12 first"))
    return sign_head(uow, actor, signer, "seal", head.last_seq, head.last_hash)


def signature_holds(cert: x509.Certificate, row: SignedHeadRow) -> bool:
    """Whether ``row``'s signature is the certificate's key's, over its own fields."""
    message = head_message(row.seq, row.head_hash, row.signed_at, row.occasion, row.certificate)
    public = cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(bytes(row.signature), message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(bytes(row.signature), message, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True
