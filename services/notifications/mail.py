"""Sending one email through the SMTP server of the settings, and what went wrong in words a user can act on."""
from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formataddr

from services.core.config import SmtpSettings
from services.core.errors import UserError
from services.core.i18n import N_

TIMEOUT_S = 20.0
NOT_SET_UP = N_('Email is not set up: the administrator sets SMTP_HOST and SMTP_FROM for the app.')
UNREACHABLE = N_('The mail server %(server)s could not be reached (%(reason)s). Try again later, or check '
                 'SMTP_HOST, SMTP_PORT and SMTP_SECURITY.')
LOGIN_REFUSED = N_('The mail server refused the sign-in. Check SMTP_USER and SMTP_PASSWORD.')
REFUSED = N_('The mail server refused the email: %(reason)s')


class MailError(UserError):
    """The email was not sent (the outbox tries it again later)."""

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


def message(smtp: SmtpSettings, to: str, subject: str, text: str, html: str, *, language: str,
            reference: str) -> EmailMessage:
    """An email with a plain-text part and an HTML part; `reference` makes its Message-ID, the same each time the
    same outbox row is sent, so a copy sent twice (a crash between the server's answer and our note of it) can be
    told apart by the receiving side."""
    email = EmailMessage()
    email['Subject'] = subject
    email['From'] = formataddr(('Anonymous Creations', smtp.sender))
    email['To'] = to
    email['Content-Language'] = language
    email['Message-ID'] = f'<{reference}@{smtp.sender.rpartition("@")[2] or "localhost"}>'
    email.set_content(text)
    email.add_alternative(html, subtype='html')
    return email


def send(smtp: SmtpSettings, email: EmailMessage) -> None:
    """Hand `email` to the server. Raises MailError."""
    if not smtp.configured:
        raise MailError(NOT_SET_UP)
    server = f'{smtp.host}:{smtp.port}'
    try:
        client_class = smtplib.SMTP_SSL if smtp.security == 'tls' else smtplib.SMTP
        extra = {'context': ssl.create_default_context()} if smtp.security == 'tls' else {}
        with client_class(smtp.host, smtp.port, timeout=TIMEOUT_S, **extra) as client:
            if smtp.security == 'starttls':
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            client.send_message(email)
    except smtplib.SMTPAuthenticationError:
        raise MailError(LOGIN_REFUSED) from None
    except smtplib.SMTPRecipientsRefused as refusal:
        reasons = '; '.join(f'{address}: {answer[1].decode(errors="replace")}'
                            for address, answer in refusal.recipients.items())
        raise MailError(REFUSED, reason=reasons) from None
    except smtplib.SMTPResponseException as refusal:
        answer = f'{refusal.smtp_code} {refusal.smtp_error.decode(errors="replace")}'
        raise MailError(REFUSED, reason=answer) from None
    except (OSError, smtplib.SMTPException) as error:  # refused connection, timeout, TLS, a dropped line
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error) or type(error).__name__
        if isinstance(error, socket.timeout):
            reason = 'timeout'
        raise MailError(UNREACHABLE, server=server, reason=reason) from None
