"""The demo's application history, made by the worker after `cancuoc bootstrap` (synthetic fingerprints
take seconds per applicant: the site is usable meanwhile, and fills as the campaign "runs")."""

from django_tasks import task


@task()
def demo_applications(count: int, seed: int) -> int:
    from .enrollment import create_applications

    return create_applications(count, seed=seed)
