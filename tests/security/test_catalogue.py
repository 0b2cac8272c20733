"""The catalogue of URLs the walks use covers the whole site, so no page escapes them."""

from .catalogue import CATALOGUE, url_names


def test_every_url_pattern_is_in_the_catalogue():
    missing = [name for name in url_names() if name not in CATALOGUE]
    assert not missing, f"Add these URL patterns to tests/security/catalogue.py: {missing}"


def test_the_catalogue_names_only_real_url_patterns():
    stale = sorted(set(CATALOGUE) - set(url_names()))
    assert not stale, f"No such URL patterns: {stale}"


def test_every_pattern_has_at_least_one_concrete_url(world_db):
    from .catalogue import targets_for

    empty = [name for name, targets in targets_for(world_db).items() if not targets]
    assert not empty, f"The world has nothing to open for: {empty}"
