"""French labels for the API's codes (lead types, portals, estate types, timeframes...)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from leadsportal.leads_api import PORTALS, LeadType

LEAD_TYPES = {
    LeadType.CLASSIFIED: _("Annonce"),
    LeadType.AGENCY: _("Agence"),
    LeadType.SELLER: _("Vendeur"),
    LeadType.PROPERTY_SEARCH: _("Recherche"),
    LeadType.CALL_TRACKING: _("Appel"),
}
ESTATE_TYPES = {
    "HOUSE": _("Maison"),
    "APARTMENT": _("Appartement"),
    "PLOT": _("Terrain"),
    "BUILDING": _("Immeuble"),
    "OFFICE": _("Bureau"),
    "TRADING": _("Local commercial"),
    "PARKING": _("Parking"),
    "MISCELLANEOUS": _("Autre"),
}
TRANSACTIONS = {"SALE": _("Vente"), "RENT": _("Location")}
SALE_TIMEFRAMES = {
    "IMMEDIATE": _("Immédiat"),
    "LESS_THAN_3_MONTHS": _("Moins de 3 mois"),
    "LESS_THAN_6_MONTHS": _("Moins de 6 mois"),
    "MORE_THAN_6_MONTHS": _("Plus de 6 mois"),
    "UNKNOWN": _("Non précisé"),
}
INTENTIONS = {
    "BUY": _("Acheter"),
    "RENT": _("Louer"),
    "SELL": _("Vendre"),
    "MANAGE": _("Faire gérer"),
    "ASK_A_QUESTION": _("Poser une question"),
}
GENDERS = {
    "MALE": _("Homme"),
    "FEMALE": _("Femme"),
    "OTHER": _("Autre"),
    "PREFER_NOT_TO_DISCLOSE": _("Non précisé"),
}
PHONE_TYPES = {"MOBILE": _("Mobile"), "LANDLINE": _("Fixe")}
# A tracked call's status (AVIV Seeker Leads); another word of the upstream shows as sent.
CALL_STATUSES = {"ANSWERED": _("Décroché"), "MISSED": _("Manqué")}


def label(mapping: dict[str, object], code: str | None) -> str:
    """The French label of a code; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return str(mapping.get(code, code))


def portal_label(code: str | None) -> str:
    return label(dict(PORTALS), code)
