"""aiosmtpd handler for Quotaboard's tests: Debian's Maildir handler, except that
recipients whose local part starts with "bounce" are refused for good (550), as a
real server refuses an unknown mailbox."""

from aiosmtpd.handlers import Mailbox


class RejectingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("bounce"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
