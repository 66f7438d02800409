"""Stored match keys are recomputed by a migration when the matcher's reading changes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from panels.models import Service
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_the_migration_rewrites_keys_read_the_old_way() -> None:
    migration = importlib.import_module("panels.migrations.0009_refresh_match_keys")
    love = ServiceFactory(name="Love React | Post", category="Facebook Post Likes")
    viet = ServiceFactory(name="Facebook Group Members VIET NAM")
    plain = ServiceFactory(name="Instagram Followers")
    # As the old matcher stored them: a reaction as likes, one country's members as worldwide.
    Service.objects.filter(pk=love.pk).update(match_key="facebook|likes|default|")
    Service.objects.filter(pk=viet.pk).update(match_key="facebook|members|default|")

    migration.refresh_match_keys(apps, None)

    keys = dict(Service.objects.values_list("pk", "match_key"))
    assert keys[love.pk] == "facebook|love_reactions|default|"
    assert keys[viet.pk] == "facebook|members|default|vn"
    assert keys[plain.pk] == "instagram|followers|default|"
