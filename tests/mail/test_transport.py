"""jobhax.mail.transport against real SMTP servers on 127.0.0.1: plain, AUTH, STARTTLS, SMTPS; .eml files."""

import datetime
import email
import email.policy
import ipaddress
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jobhax.config import ConfigurationError, load_settings
from jobhax.mail import transport
from tests.smtpserver import SmtpServer, free_port


def message(to="joe@example.com"):
    mail = EmailMessage()
    mail["From"] = "JobHax <no-reply@jobhax.test>"
    mail["To"] = to
    mail["Subject"] = "Hello"
    mail.set_content("Hi Joe, here is your link.\n")
    return mail


def settings(url, tmp_path=None):
    return {
        "jobhax.smtp_url": url,
        "jobhax.smtp_timeout": 5.0,
        "jobhax.var_dir": str(tmp_path or "/nonexistent"),
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", transport.SmtpServer("mail.example.com", 25)),
        (
            "smtp://user%40x:p%3Ass@mail.example.com:587?starttls=1",
            transport.SmtpServer("mail.example.com", 587, starttls=True, username="user@x", password="p:ss"),
        ),
        (
            "smtps://u:p@mail.example.com",
            transport.SmtpServer("mail.example.com", 465, tls=True, username="u", password="p"),
        ),
        ("", None),
    ],
)
def test_smtp_urls(url, expected):
    assert transport.parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "mail.example.com:25", "smtp://host:99999"]
)
def test_a_malformed_smtp_url_stops_the_service_at_start(url, monkeypatch):
    monkeypatch.setenv("JOBHAX_SMTP_URL", url)
    with pytest.raises(ConfigurationError, match="JOBHAX_SMTP_URL"):
        load_settings({"jobhax.secret_key": "x" * 32})


def test_the_password_of_the_smtp_url_is_never_shown():
    assert "secret" not in repr(transport.parse_smtp_url("smtp://u:secret@host"))


def test_without_an_smtp_url_each_mail_is_an_eml_file_under_var_mail(tmp_path, caplog):
    caplog.set_level("INFO", logger="jobhax.mail.transport")
    path = transport.send(settings("", tmp_path), message())
    assert path.parent == tmp_path / "mail" and path.suffix == ".eml"
    written = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert written["Subject"] == "Hello" and "here is your link" in written.get_content()
    assert str(path) in caplog.text and "here is your link" not in caplog.text


def test_plain_smtp_delivers_and_a_stopped_server_raises_a_retryable_error():
    server = SmtpServer().start()
    try:
        transport.send(settings(server.url), message())
        (received,) = server.wait_for("joe@example.com")
        assert received.message["Subject"] == "Hello" and received.message["Message-ID"]
    finally:
        server.stop()
    with pytest.raises(transport.SEND_ERRORS):
        transport.send(settings(server.url), message())


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.authenticated, envelope.rcpt_tos))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (b"mailer", b"s3cret"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted by the client through SSL_CERT_FILE."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


def _serve(handler, **kwargs):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def test_starttls_with_login(certificate, monkeypatch):
    cert_path, context = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    handler = Collect()
    controller = _serve(handler, tls_context=context, require_starttls=True, authenticator=authenticator)
    try:
        transport.send(settings(f"smtp://mailer:s3cret@127.0.0.1:{controller.port}?starttls=1"), message())
        assert handler.messages == [(True, ["joe@example.com"])]
        with pytest.raises(transport.SEND_ERRORS):  # without STARTTLS the server refuses
            transport.send(settings(f"smtp://mailer:s3cret@127.0.0.1:{controller.port}"), message())
        with pytest.raises(transport.SEND_ERRORS):  # a wrong password is refused
            transport.send(settings(f"smtp://mailer:wrong@127.0.0.1:{controller.port}?starttls=1"), message())
    finally:
        controller.stop()


def test_smtps_from_the_first_byte(certificate, monkeypatch):
    cert_path, context = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    handler = Collect()
    # aiosmtpd does not count implicit TLS as TLS for AUTH: the connection is encrypted all the same.
    controller = _serve(handler, ssl_context=context, authenticator=authenticator, auth_require_tls=False)
    try:
        transport.send(settings(f"smtps://mailer:s3cret@127.0.0.1:{controller.port}"), message())
        assert handler.messages == [(True, ["joe@example.com"])]
    finally:
        controller.stop()
    monkeypatch.delenv("SSL_CERT_FILE")


class Refuse:
    def __init__(self, reply):
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply


@pytest.mark.parametrize(
    ("reply", "permanent"), [("550 no such mailbox", True), ("450 try again later", False)]
)
def test_only_a_recipient_refused_for_good_is_not_retried(reply, permanent):
    controller = _serve(Refuse(reply))
    try:
        with pytest.raises(transport.SEND_ERRORS) as refused:
            transport.send(settings(f"smtp://127.0.0.1:{controller.port}"), message())
    finally:
        controller.stop()
    assert transport.is_permanent(refused.value) is permanent
    assert transport.is_permanent(ConnectionRefusedError()) is False
