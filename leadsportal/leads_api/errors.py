"""One exception family for everything that can go wrong with the leads API.

Each error carries the upstream's RFC 7807 problem (when there was one), a plain French
sentence for the banner a person sees (`user_message`) and the HTTP status of a page that
could not be served because of it (`page_status`), so a view needs one `except LeadsApiError`.
Messages never contain personal data of leads.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from leadsportal.leads_api.contract import FieldError, Problem


class LeadsApiError(Exception):
    """Base of the family. `user_message` is what the dashboard shows."""

    default_message = _("Le service des leads a rencontré un problème.")
    # A page the upstream could not feed is a bad gateway; subclasses refine it.
    page_status: int = 502

    def __init__(self, detail: str = "", *, problem: Problem | None = None) -> None:
        self.detail = detail
        self.problem = problem
        super().__init__(detail or str(self.default_message))

    @property
    def status(self) -> int | None:
        return self.problem.status if self.problem else None

    @property
    def user_message(self) -> str:
        return str(self.default_message)


class LeadsApiAuthError(LeadsApiError):
    """The credentials were refused (bad client id/secret, or a token without the scope)."""

    default_message = _(
        "Les identifiants API de l'agence ont été refusés par le service des leads. "
        "Un administrateur doit les vérifier."
    )


class LeadsApiCredentialsUnreadable(LeadsApiAuthError):
    """The agency's stored secret cannot be decrypted with the configured keys (a key was
    removed or changed): no request could be sent, and only an administrator can fix it."""

    default_message = _(
        "Les identifiants API de l'agence sont illisibles (clé de chiffrement changée ?). "
        "Un administrateur doit les saisir à nouveau."
    )


class LeadsApiValidationError(LeadsApiError):
    """A 400: the request broke a rule of the API; `errors` names each faulty field."""

    default_message = _("Le service des leads a refusé la recherche.")
    page_status = 400

    @property
    def errors(self) -> tuple[FieldError, ...]:
        return self.problem.errors if self.problem else ()

    @property
    def user_message(self) -> str:
        if not self.errors:
            return str(self.default_message)
        details = " ; ".join(f"{error.field} : {error.message}" for error in self.errors)
        return f"{self.default_message} {details}"


class LeadsApiNotFound(LeadsApiError):
    default_message = _("Ce lead n'existe pas ou n'appartient pas à votre agence.")
    page_status = 404


class LeadsApiRateLimited(LeadsApiError):
    default_message = _(
        "Le service des leads reçoit trop de demandes. Réessayez dans quelques secondes."
    )
    page_status = 503

    def __init__(
        self, detail: str = "", *, problem: Problem | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, problem=problem)
        self.retry_after = retry_after


class LeadsApiUnavailable(LeadsApiError):
    """Timeouts, connection failures and 5xx: the upstream did not answer usefully."""

    default_message = _(
        "Le service des leads est momentanément indisponible. Réessayez dans un instant."
    )


class LeadsApiMalformedResponse(LeadsApiUnavailable):
    """The upstream answered, but not with what the contract promises."""

    default_message = _(
        "Le service des leads a renvoyé une réponse illisible. Réessayez dans un instant."
    )
