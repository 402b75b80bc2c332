"""``zkd signing init|import|show`` and ``zkd seal``: the programme's signing key."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from zhengkedai.context import local_time
from zhengkedai.domain.errors import ZkdError
from zhengkedai.i18n import _
from zhengkedai.services import signing as signing_service

from .common import db_options, env, format_option, kv_table


@click.group("signing")
def signing_group() -> None:
    """The programme's signing key: statements and chain heads are signed with it.

    The private key is kept in a PKCS#12 file in the key folder (ZKD_SIGNING_DIR,
    default ~/.zhengkedai/signing/), never in the database; the database keeps
    the certificate, with which anyone can check the signatures.

    Example: zkd signing show
    """


def _passphrase(from_stdin: bool) -> bytes | None:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        return text.encode() if text else None
    value = os.environ.get(signing_service.PASSPHRASE_ENV)
    return value.encode() if value else None


def _show(cert: signing_service.CertificateInfo) -> None:
    click.echo(kv_table([
        (_("subject"), cert.subject),
        (_("fingerprint (SHA-256)"), cert.fingerprint),
        (_("valid from"), f"{local_time(cert.not_before):%Y-%m-%d %H:%M} (UTC+8)"),
        (_("valid until"), f"{local_time(cert.not_after):%Y-%m-%d %H:%M} (UTC+8)"),
        (_("installed"), _("{at} by {who}").format(
            at=f"{local_time(cert.installed_at):%Y-%m-%d %H:%M}", who=cert.installed_by)),
        (_("private key"), str(cert.key_file) if cert.key_file else
         _("not on this machine (only the machine that closes months needs it)")),
    ]))


@signing_group.command("init")
@click.option("--subject", default="郑科贷 测试账簿 (test ledger)", show_default=True,
              help="The certificate's common name.")
@click.option("--passphrase-stdin", is_flag=True,
              help="Protect the key file with a passphrase read from standard input "
                   "(else ZKD_SIGNING_PASSPHRASE, if set).")
@db_options
def signing_init(subject: str, passphrase_stdin: bool) -> None:
    """Make a key and a self-signed certificate for a test ledger.

    The key goes into the key folder (file mode 0600), the certificate into the
    ledger. A real programme loads the key it was issued: zkd signing import.

    Example: zkd signing init
    """
    e = env()
    folder = signing_service.KeyFolder.from_env()
    folder = signing_service.KeyFolder(folder.path, _passphrase(passphrase_stdin))
    with e.uow() as uow:
        cert = signing_service.init_test_key(uow, e.actor(), folder, subject)
        uow.commit()
    click.echo(_("Made a test signing key: certificate {fingerprint}, key in {path}.").format(
        fingerprint=cert.fingerprint[:16], path=cert.key_file))


@signing_group.command("import")
@click.argument("p12", metavar="FILE.p12",
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--passphrase-stdin", is_flag=True,
              help="Read the file's passphrase from standard input (else "
                   "ZKD_SIGNING_PASSPHRASE).")
@db_options
def signing_import(p12: Path, passphrase_stdin: bool) -> None:
    """Load the programme's own key and certificate from a PKCS#12 file.

    The file is copied into the key folder as it is (still protected by its
    passphrase: closes and seals then need ZKD_SIGNING_PASSPHRASE); the
    certificate signs from now on.

    Example: zkd signing import programme.p12 --passphrase-stdin < passphrase.txt
    """
    e = env()
    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise ZkdError(_("cannot read {path}: {reason}").format(
            path=p12, reason=exc.strerror)) from None
    folder = signing_service.KeyFolder.from_env()
    with e.uow() as uow:
        cert = signing_service.import_p12(uow, e.actor(), folder, data,
                                          _passphrase(passphrase_stdin))
        uow.commit()
    click.echo(_("Imported certificate {fingerprint} ({subject}); key in {path}.").format(
        fingerprint=cert.fingerprint[:16], subject=cert.subject, path=cert.key_file))


@signing_group.command("show")
@format_option("table", "json")
@db_options
def signing_show(fmt: str) -> None:
    """The certificate the ledger signs with: subject, fingerprint and validity.

    Example: zkd signing show
    """
    e = env()
    with e.uow() as uow:
        row = signing_service.current_certificate(uow)
        cert = signing_service.info(row, signing_service.KeyFolder.from_env()) if row else None
    if cert is None:
        raise ZkdError(_("this ledger has no signing key: its statements and chain heads are "
                         "not signed (zkd signing init, or zkd signing import FILE.p12)"))
    if fmt == "json":
        click.echo(json.dumps({
            "subject": cert.subject, "fingerprint": cert.fingerprint,
            "not_before": cert.not_before.isoformat(), "not_after": cert.not_after.isoformat(),
            "installed_at": cert.installed_at.isoformat(), "installed_by": cert.installed_by,
            "key_file": str(cert.key_file) if cert.key_file else None}, ensure_ascii=False,
            indent=2))
        return
    _show(cert)


@click.command("seal")
@db_options
def seal() -> None:
    """Sign the chain head as it is now with the programme's key.

    `zkd verify` then checks that the chain still passes through it: a
    history rewritten or entries dropped since are caught.

    Example: zkd seal
    """
    e = env()
    with e.uow() as uow:
        row = signing_service.seal(uow, e.actor())
        uow.commit()
    click.echo(_("Sealed: chain head {head} at entry #{seq}, signed with certificate "
                 "{fingerprint}.").format(head=row.head_hash, seq=row.seq,
                                          fingerprint=row.certificate[:16]))


COMMANDS = [signing_group, seal]
