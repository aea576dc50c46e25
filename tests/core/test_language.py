"""The dashboard speaks French unless the person chose English."""

from __future__ import annotations


def test_french_by_default_even_for_an_english_browser(client, db):
    response = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert "Se connecter" in response.content.decode() or "Connexion" in response.content.decode()


def test_english_when_chosen(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/connexion/"})
    response = client.get("/connexion/")
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode() or "Sign in" in response.content.decode()
