"""The link that confirms a new account's e-mail address."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    # Its own salt (a reset link is not a confirmation link), and the account's state in
    # the hash: once confirmed, the link stops working.
    key_salt = "motcua.accounts.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


activation_token = ActivationTokenGenerator()
