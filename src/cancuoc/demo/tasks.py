"""The demo's application history, made by the worker after `cancuoc bootstrap` (synthetic fingerprints
take seconds per applicant: the site is usable meanwhile, and fills as the campaign "runs")."""

from django_tasks import task


@task()
def demo_applications(count: int, seed: int) -> int:
    """The applications, then the cards of those approved: produced, received, half handed over."""
    from cancuoc.accounts.models import User

    from .cards import produce_cards
    from .enrollment import create_applications

    made = create_applications(count, seed=seed)
    supervisor = User.objects.select_related("unit").filter(username="province").first()
    if supervisor is not None and supervisor.unit is not None:
        produce_cards(supervisor.unit.code)
    return made
