from django.http import HttpRequest


def current_agency(request: HttpRequest) -> dict[str, object]:
    return {}
